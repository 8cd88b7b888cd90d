package billing

import (
	"errors"
	"math/big"
	"testing"
)

func TestParseMoney(t *testing.T) {
	tests := []struct {
		in, want string
		err      bool
	}{
		{in: "0.0116", want: "0.0116"},
		{in: "8", want: "8.00"},
		{in: "-2.5", want: "-2.50"},
		{in: ".5", want: "0.50"},
		{in: "0.087000", want: "0.087"},
		{in: "0.0000000001", want: "0.0000000001"},
		{in: "99999999.9999999999", want: "99999999.9999999999"},
		{in: "0.00000000001", err: true},
		{in: "1e3", err: true},
		{in: "", err: true},
		{in: "-", err: true},
		{in: "123456789", err: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			m, err := ParseMoney(tt.in)
			if tt.err {
				if !errors.Is(err, ErrMoneyFormat) {
					t.Fatalf("ParseMoney(%q) error = %v, want ErrMoneyFormat", tt.in, err)
				}
				return
			}
			if err != nil || m.String() != tt.want {
				t.Fatalf("ParseMoney(%q) = %s, %v; want %s", tt.in, m, err, tt.want)
			}
		})
	}
}

func TestRoundCents(t *testing.T) {
	tests := []struct{ in, want string }{
		{"0.005", "0.01"}, {"0.0049999999", "0.00"}, {"-0.005", "-0.01"},
		{"8.0000000001", "8.00"}, {"1.235", "1.24"}, {"1.2349999999", "1.23"},
	}
	for _, tt := range tests {
		if got := money(tt.in).RoundCents().String(); got != tt.want {
			t.Errorf("RoundCents(%s) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

// A second of t2.micro is a non-terminating decimal of a dollar; 3600 of
// them must still make exactly the hourly price.
func TestPerSecondSumsAreExact(t *testing.T) {
	var total Money
	for range 3600 {
		total = total.Add(hourlyAmount(116_000_000, 1))
	}
	if total.Cmp(money("0.0116")) != 0 {
		t.Fatalf("3600 seconds of $0.0116/h = %s, want 0.0116 exactly", total.Rat())
	}
	third := hourlyAmount(priceScale, 1200) // $1/h for 20 minutes
	if third.Rat().Cmp(big.NewRat(1, 3)) != 0 {
		t.Fatalf("20 minutes at $1/h = %s, want exactly 1/3", third.Rat())
	}
}

// The fine scale must divide evenly by every proration the engine does.
func TestFineScaleDivisors(t *testing.T) {
	for size, u := range sizeUnits {
		if fineScale%(3600*u) != 0 {
			t.Errorf("fineScale not divisible by 3600 × units of %s (%d)", size, u)
		}
	}
	for days := int64(28); days <= 31; days++ {
		if fineScale%(days*86400) != 0 {
			t.Errorf("fineScale not divisible by a %d-day month", days)
		}
	}
}

func TestWideArithmetic(t *testing.T) {
	big1 := wideOf(1 << 62).mul(1 << 40)
	if got, want := big1.big(), new(big.Int).Lsh(big.NewInt(1), 102); got.Cmp(want) != 0 {
		t.Fatalf("mul = %s, want %s", got, want)
	}
	if got := big1.neg().quoRound(1 << 40); got.cmp(wideOf(-(1 << 62))) != 0 {
		t.Fatalf("quo of negative = %s", got.big())
	}
	if got := wideOf(7).quoRound(2); got.cmp(wideOf(4)) != 0 {
		t.Fatalf("7/2 = %s, want 4 (half away from zero)", got.big())
	}
	if got := wideOf(-7).quoRound(2); got.cmp(wideOf(-4)) != 0 {
		t.Fatalf("-7/2 = %s, want -4", got.big())
	}
	if got := wideFromBig(big1.big()); got != big1 {
		t.Fatalf("big round trip = %v, want %v", got, big1)
	}
	defer func() {
		if recover() == nil {
			t.Fatal("overflow did not panic")
		}
	}()
	big1.mul(1 << 30)
}
