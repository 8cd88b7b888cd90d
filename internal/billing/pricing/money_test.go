package pricing

import (
	"encoding/json"
	"errors"
	"testing"
)

func TestParseMoney(t *testing.T) {
	for _, tc := range []struct {
		in    string
		units int64
	}{
		{"0", 0},
		{"0.0116", 116_000_000},
		{"1.34375", 13_437_500_000},
		{"-2", -20_000_000_000},
		{"0.0000000001", 1},
		{"0.10000000000000", 1_000_000_000}, // zeros past the scale are harmless
		{"922337203.6854775807", 9_223_372_036_854_775_807},
	} {
		t.Run(tc.in, func(t *testing.T) {
			m, err := ParseMoney(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if m.Units() != tc.units {
				t.Errorf("units %d, want %d", m.Units(), tc.units)
			}
		})
	}
}

func TestParseMoneyRejects(t *testing.T) {
	for _, in := range []string{
		"", ".", "1.", ".5", "-", "abc", "1e-3", "$1", "1,000", "0.00000000001", "1.2.3", " 1", "922337203.6854775808", "+1",
	} {
		t.Run(in, func(t *testing.T) {
			if _, err := ParseMoney(in); !errors.Is(err, ErrInvalidAmount) {
				t.Errorf("ParseMoney(%q) error %v, want ErrInvalidAmount", in, err)
			}
		})
	}
}

func TestMoneyString(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"0", "0.00"},
		{"0.1", "0.10"},
		{"3.06", "3.06"},
		{"0.0116", "0.0116"},
		{"-1.5", "-1.50"},
		{"0.0000000001", "0.0000000001"},
		{"21.957642", "21.957642"},
		{"-0.0000000001", "-0.0000000001"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			if got := MustParseMoney(tc.in).String(); got != tc.want {
				t.Errorf("String() = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestMoneyStringFixed(t *testing.T) {
	for _, tc := range []struct {
		in     string
		places int
		want   string
	}{
		{"0.087", 6, "0.087000"},
		{"0.0116", 2, "0.01"},
		{"0.005", 2, "0.01"}, // half away from zero
		{"0.0049999999", 2, "0.00"},
		{"-0.005", 2, "-0.01"},
		{"1.5", 0, "2"},
		{"-2.5", 0, "-3"},
		{"0.0000000001", 10, "0.0000000001"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			if got := MustParseMoney(tc.in).StringFixed(tc.places); got != tc.want {
				t.Errorf("StringFixed(%d) = %q, want %q", tc.places, got, tc.want)
			}
		})
	}
}

func TestRoundToCent(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"496.1664", "496.17"},
		{"248.0832", "248.08"},
		{"0.004999", "0"},
		{"0.005", "0.01"},
		{"0.015", "0.02"},
		{"-0.005", "-0.01"},
		{"-0.0049", "0"},
		{"12.3", "12.3"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			if got, want := MustParseMoney(tc.in).RoundToCent(), MustParseMoney(tc.want); got != want {
				t.Errorf("RoundToCent() = %s, want %s", got, want)
			}
		})
	}
}

func TestMoneyArithmetic(t *testing.T) {
	m := MustParseMoney
	for _, tc := range []struct {
		name      string
		got, want Money
	}{
		{"add", m("0.0116").Add(m("0.0104")), m("0.022")},
		{"sub below zero", m("0.01").Sub(m("0.03")), m("-0.02")},
		{"neg", m("1.5").Neg(), m("-1.5")},
		{"mul", m("0.0416").Mul(730), m("30.368")},
		{"sum", Sum(m("0.1"), m("0.2"), m("0.3")), m("0.6")}, // 0.6000000000000001 in float64
		{"dollars", Dollars(2), m("2")},
		{"cents", Cents(-5), m("-0.05")},
		{"units", FromUnits(1), m("0.0000000001")},
		{"ratio exact", m("0.096").MulRatio(128, 16), m("0.768")},
		{"ratio rounds half up", m("0.0000000001").MulRatio(1, 2), m("0.0000000001")},
		{"ratio rounds down", m("0.0000000001").MulRatio(1, 3), m("0")},
		{"ratio negative half away", m("-0.0000000001").MulRatio(1, 2), m("-0.0000000001")},
		{"ratio negative numerator", m("0.3").MulRatio(-1, 3), m("-0.1")},
		{"factor", m("0.096").MulFactor(NewFactor(107, 96)), m("0.107")},
		// A p5.48xlarge for three years of seconds needs a 128-bit product.
		{"wide product", m("55.04").MulRatio(94_608_000, secondsPerHour), m("1446451.2")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.got != tc.want {
				t.Errorf("got %s, want %s", tc.got, tc.want)
			}
		})
	}
}

func TestForSeconds(t *testing.T) {
	for _, tc := range []struct {
		rate    string
		seconds int64
		want    string
	}{
		{"0.0116", 3600, "0.0116"},
		{"0.0116", 60, "0.0001933333"}, // 0.000193333… rounds down
		{"0.0116", 1, "0.0000032222"},
		{"0.096", 5400, "0.144"},
		{"0.0104", 2_678_400, "7.7376"}, // 31 days
		{"3.06", 0, "0"},
		{"0.0000000002", 1, "0"},
		{"0.0000018", 1, "0.0000000005"},
		{"0.0000018", 3, "0.0000000015"},
	} {
		t.Run(tc.rate+"x"+MustParseMoney(tc.want).String(), func(t *testing.T) {
			if got := MustParseMoney(tc.rate).ForSeconds(tc.seconds); got != MustParseMoney(tc.want) {
				t.Errorf("ForSeconds(%d) = %s, want %s", tc.seconds, got, tc.want)
			}
		})
	}
}

func TestMoneyOverflowPanics(t *testing.T) {
	huge := FromUnits(1 << 62)
	for name, f := range map[string]func(){
		"add":      func() { huge.Add(huge) },
		"mul":      func() { huge.Mul(4) },
		"ratio":    func() { huge.MulRatio(4, 1) },
		"dollars":  func() { Dollars(1 << 62) },
		"zero den": func() { huge.MulRatio(1, 0) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			f()
		})
	}
}

func TestMoneyJSON(t *testing.T) {
	type doc struct{ Price Money }
	for _, tc := range []struct {
		name, in string
		want     Money
	}{
		{"string", `{"Price":"0.0116"}`, MustParseMoney("0.0116")},
		{"number", `{"Price":0.0116}`, MustParseMoney("0.0116")},
		{"negative", `{"Price":"-3"}`, Dollars(-3)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var d doc
			if err := json.Unmarshal([]byte(tc.in), &d); err != nil {
				t.Fatal(err)
			}
			if d.Price != tc.want {
				t.Errorf("decoded %s, want %s", d.Price, tc.want)
			}
			out, err := json.Marshal(d)
			if err != nil {
				t.Fatal(err)
			}
			var back doc
			if err := json.Unmarshal(out, &back); err != nil || back != d {
				t.Errorf("round trip through %s gave %v, %v", out, back, err)
			}
		})
	}
	var d doc
	if err := json.Unmarshal([]byte(`{"Price":1e-3}`), &d); !errors.Is(err, ErrInvalidAmount) {
		t.Errorf("exponent: error %v, want ErrInvalidAmount", err)
	}
}

func TestMoneyCompare(t *testing.T) {
	a, b := MustParseMoney("0.1"), MustParseMoney("0.2")
	if a.Cmp(b) != -1 || b.Cmp(a) != 1 || a.Cmp(a) != 0 {
		t.Error("Cmp is not an order")
	}
	if a.Sign() != 1 || a.Neg().Sign() != -1 || (Money{}).Sign() != 0 || !(Money{}).IsZero() {
		t.Error("Sign or IsZero wrong")
	}
}
