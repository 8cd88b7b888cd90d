package pricing

import (
	"math"
	"math/bits"
)

// Money is an exact amount of US dollars: an integer count of 1e-10
// dollars. That is the precision of an AWS Cost and Usage Report line item,
// so a Kumo line item never needs more; invoices round to cents at the end
// (RoundToCent). The zero value is $0. Money is comparable with ==.
//
// Arithmetic that would leave the int64 range (about ±$922 million) panics:
// no single Kumo price or line item comes near it, so reaching it is a bug,
// and a wrapped-around bill would be worse than a crash.
type Money struct{ units int64 }

// Scale is the number of decimal places Money keeps.
const Scale = 10

const (
	unitsPerDollar = 10_000_000_000
	unitsPerCent   = unitsPerDollar / 100
	secondsPerHour = 3600
)

// Dollars returns n whole dollars.
func Dollars(n int64) Money { return Money{mulInt(n, unitsPerDollar)} }

// Cents returns n cents.
func Cents(n int64) Money { return Money{mulInt(n, unitsPerCent)} }

// FromUnits returns u × 1e-10 dollars. It is the inverse of Units, for
// stores that persist amounts as integers.
func FromUnits(u int64) Money { return Money{u} }

// Units returns the amount as an integer count of 1e-10 dollars.
func (m Money) Units() int64 { return m.units }

// IsZero reports whether m is $0.
func (m Money) IsZero() bool { return m.units == 0 }

// Sign returns -1, 0 or +1 as m is negative, zero or positive.
func (m Money) Sign() int {
	switch {
	case m.units < 0:
		return -1
	case m.units > 0:
		return 1
	}
	return 0
}

// Cmp returns -1, 0 or +1 as m is less than, equal to or greater than o.
func (m Money) Cmp(o Money) int {
	switch {
	case m.units < o.units:
		return -1
	case m.units > o.units:
		return 1
	}
	return 0
}

// Add returns m + o.
func (m Money) Add(o Money) Money {
	s := m.units + o.units
	if (o.units > 0 && s < m.units) || (o.units < 0 && s > m.units) {
		panic("pricing: money overflow in Add")
	}
	return Money{s}
}

// Sub returns m − o.
func (m Money) Sub(o Money) Money { return m.Add(o.Neg()) }

// Neg returns −m.
func (m Money) Neg() Money {
	if m.units == math.MinInt64 {
		panic("pricing: money overflow in Neg")
	}
	return Money{-m.units}
}

// Mul returns m × n, exactly.
func (m Money) Mul(n int64) Money { return Money{mulInt(m.units, n)} }

// MulRatio returns m × num / den rounded to the nearest 1e-10 dollar,
// halves away from zero. The product is formed in 128 bits, so no
// precision is lost before the single rounding. den must be positive.
func (m Money) MulRatio(num, den int64) Money { return Money{mulDiv(m.units, num, den)} }

// MulFactor returns m × f, rounded as MulRatio rounds.
func (m Money) MulFactor(f Factor) Money {
	num, den := f.Ratio()
	return m.MulRatio(num, den)
}

// ForSeconds treats m as an hourly rate and returns what seconds of it
// cost: m × seconds / 3600, rounded once to 1e-10 dollars (half away from
// zero), as AWS rates a per-second line item. Callers should rate a whole
// usage period at once rather than summing one-second charges, so that the
// rounding happens once per line item.
func (m Money) ForSeconds(seconds int64) Money { return m.MulRatio(seconds, secondsPerHour) }

// Round returns m rounded to places decimal places (0 to Scale), halves
// away from zero ("round half up" on magnitudes, as invoices do).
func (m Money) Round(places int) Money {
	if places < 0 || places > Scale {
		panic("pricing: Round places out of range")
	}
	step := pow10(Scale - places)
	return Money{mulInt(mulDiv(m.units, 1, step), step)}
}

// RoundToCent returns m rounded to whole cents, halves away from zero: the
// rounding AWS applies when an invoice totals its line items.
func (m Money) RoundToCent() Money { return m.Round(2) }

// Sum returns the total of amounts.
func Sum(amounts ...Money) Money {
	var t Money
	for _, a := range amounts {
		t = t.Add(a)
	}
	return t
}

func pow10(n int) int64 {
	p := int64(1)
	for range n {
		p *= 10
	}
	return p
}

// mulInt returns a × b, panicking on overflow.
func mulInt(a, b int64) int64 {
	if a == 0 || b == 0 {
		return 0
	}
	p := a * b
	if p/b != a || (a == -1 && b == math.MinInt64) || (b == -1 && a == math.MinInt64) {
		panic("pricing: money overflow in multiplication")
	}
	return p
}

// mulDiv returns a × num / den rounded half away from zero, computing the
// product in 128 bits.
func mulDiv(a, num, den int64) int64 {
	if den <= 0 {
		panic("pricing: non-positive denominator")
	}
	negative := (a < 0) != (num < 0)
	hi, lo := bits.Mul64(abs64(a), abs64(num))
	d := uint64(den)
	if hi >= d {
		panic("pricing: money overflow in MulRatio")
	}
	q, r := bits.Div64(hi, lo, d)
	if r >= d-r { // 2r >= d without overflowing
		q++
	}
	if q > math.MaxInt64 {
		panic("pricing: money overflow in MulRatio")
	}
	if negative {
		return -int64(q)
	}
	return int64(q)
}

// abs64 returns |x|; for math.MinInt64 the two's-complement negation
// converts to the right unsigned value, 2^63.
func abs64(x int64) uint64 {
	if x < 0 {
		return uint64(-x)
	}
	return uint64(x)
}
