package pricing

import (
	"fmt"
	"math/bits"
	"strconv"
	"strings"
)

// Factor is an exact non-negative rational multiplier: a region's price
// level, a normalization factor, a fraction of On-Demand. It is rational
// rather than decimal so that derived factors stay exact (a region priced
// at m5.large 0.107 against 0.096 is 107/96, which no decimal holds).
// The zero value is 0.
type Factor struct{ num, den int64 }

// NewFactor returns num/den in lowest terms. It panics if num is negative
// or den is not positive: factors are built from tables, where that is a
// typo.
func NewFactor(num, den int64) Factor {
	if num < 0 || den <= 0 {
		panic(fmt.Sprintf("pricing: bad factor %d/%d", num, den))
	}
	g := gcd(num, den)
	return Factor{num / g, den / g}
}

// ParseFactor parses a non-negative plain decimal ("1.12", "0.25", "3")
// with up to 9 decimals.
func ParseFactor(s string) (Factor, error) {
	if strings.HasPrefix(s, "-") {
		return Factor{}, fmt.Errorf("parse factor %q: %w: negative", s, ErrInvalidAmount)
	}
	const places = 9
	v, err := parseDecimal(s, places)
	if err != nil {
		return Factor{}, fmt.Errorf("parse factor %q: %w", s, err)
	}
	return NewFactor(v, pow10(places)), nil
}

// mustFactor is ParseFactor for table literals.
func mustFactor(s string) Factor {
	f, err := ParseFactor(s)
	if err != nil {
		panic(err)
	}
	return f
}

// Ratio returns the factor as num/den in lowest terms, for callers that
// keep integer arithmetic (size-flexible RI units, for instance).
func (f Factor) Ratio() (num, den int64) {
	if f.den == 0 {
		return 0, 1
	}
	return f.num, f.den
}

// Float64 returns the nearest float64, for display and sorting only.
func (f Factor) Float64() float64 {
	num, den := f.Ratio()
	return float64(num) / float64(den)
}

// Cmp returns -1, 0 or +1 as f is less than, equal to or greater than g.
func (f Factor) Cmp(g Factor) int {
	a, b := f.Ratio()
	c, d := g.Ratio()
	// a/b against c/d: compare a·d with c·b in 128 bits, as parsed
	// factors may have denominators of 10^9.
	lh, ll := bits.Mul64(uint64(a), uint64(d))
	rh, rl := bits.Mul64(uint64(c), uint64(b))
	switch {
	case lh < rh || (lh == rh && ll < rl):
		return -1
	case lh > rh || (lh == rh && ll > rl):
		return 1
	}
	return 0
}

// String prints the factor as a decimal when it has one of at most six
// places ("0.25", "1.12"), and as num/den otherwise ("107/96").
func (f Factor) String() string {
	num, den := f.Ratio()
	for places := 0; places <= 6; places++ {
		scale := pow10(places)
		if (num*scale)%den == 0 {
			s := formatDecimal(num*scale/den, places)
			return strings.TrimSuffix(s, ".")
		}
	}
	return strconv.FormatInt(num, 10) + "/" + strconv.FormatInt(den, 10)
}

func gcd(a, b int64) int64 {
	for b != 0 {
		a, b = b, a%b
	}
	if a == 0 {
		return 1
	}
	return a
}
