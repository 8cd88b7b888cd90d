package pricing

import (
	"errors"
	"testing"
)

func TestParseFactor(t *testing.T) {
	for _, tc := range []struct {
		in       string
		num, den int64
		str      string
	}{
		{"1.12", 28, 25, "1.12"},
		{"0.25", 1, 4, "0.25"},
		{"3", 3, 1, "3"},
		{"0", 0, 1, "0"},
		{"0.16875", 27, 160, "0.16875"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			f, err := ParseFactor(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if n, d := f.Ratio(); n != tc.num || d != tc.den {
				t.Errorf("Ratio() = %d/%d, want %d/%d", n, d, tc.num, tc.den)
			}
			if s := f.String(); s != tc.str {
				t.Errorf("String() = %q, want %q", s, tc.str)
			}
		})
	}
	for _, bad := range []string{"-1", "", "1.0000000001", "x"} {
		if _, err := ParseFactor(bad); !errors.Is(err, ErrInvalidAmount) {
			t.Errorf("ParseFactor(%q) error %v, want ErrInvalidAmount", bad, err)
		}
	}
}

func TestFactor(t *testing.T) {
	if s := NewFactor(107, 96).String(); s != "107/96" {
		t.Errorf("non-decimal factor prints %q", s)
	}
	if n, d := (Factor{}).Ratio(); n != 0 || d != 1 {
		t.Errorf("zero Factor is %d/%d, want 0/1", n, d)
	}
	if NewFactor(1, 2).Cmp(NewFactor(2, 4)) != 0 || NewFactor(1, 3).Cmp(NewFactor(1, 2)) != -1 {
		t.Error("Cmp is not an order on rationals")
	}
	big, _ := ParseFactor("999999999.999999999")
	if big.Cmp(NewFactor(1_000_000_000, 1)) != -1 { // cross products need 128 bits
		t.Error("Cmp overflows on fine-grained factors")
	}
	if f := NewFactor(6, 8).Float64(); f != 0.75 {
		t.Errorf("Float64() = %v", f)
	}
}
