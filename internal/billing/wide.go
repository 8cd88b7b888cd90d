package billing

import (
	"math/big"
	"math/bits"
)

// wide is a signed 128-bit integer. Money and Quantity keep their numerators
// in one so that a scale fine enough for exact per-second, per-unit and
// per-month proration still leaves room for a large organisation's yearly
// total, without allocating on every addition as math/big would.
type wide struct {
	hi int64
	lo uint64
}

func wideOf(v int64) wide {
	if v < 0 {
		return wide{hi: -1, lo: uint64(v)}
	}
	return wide{lo: uint64(v)}
}

func (a wide) add(b wide) wide {
	lo, carry := bits.Add64(a.lo, b.lo, 0)
	hi := a.hi + b.hi + int64(carry)
	if (a.hi >= 0) == (b.hi >= 0) && (hi >= 0) != (a.hi >= 0) {
		panic("billing: 128-bit overflow in add")
	}
	return wide{hi: hi, lo: lo}
}

func (a wide) neg() wide {
	lo, borrow := bits.Sub64(0, a.lo, 0)
	return wide{hi: -a.hi - int64(borrow), lo: lo}
}

func (a wide) sub(b wide) wide { return a.add(b.neg()) }

func (a wide) sign() int {
	switch {
	case a.hi < 0:
		return -1
	case a.hi == 0 && a.lo == 0:
		return 0
	}
	return 1
}

func (a wide) cmp(b wide) int {
	switch {
	case a.hi < b.hi:
		return -1
	case a.hi > b.hi:
		return 1
	case a.lo < b.lo:
		return -1
	case a.lo > b.lo:
		return 1
	}
	return 0
}

func minWide(a, b wide) wide {
	if a.cmp(b) <= 0 {
		return a
	}
	return b
}

// abs returns the magnitude as an unsigned 128-bit pair and whether a was
// negative.
func (a wide) abs() (hi, lo uint64, negative bool) {
	if a.hi < 0 {
		n := a.neg()
		return uint64(n.hi), n.lo, true
	}
	return uint64(a.hi), a.lo, false
}

func fromMagnitude(hi, lo uint64, negative bool) wide {
	if hi>>63 != 0 {
		panic("billing: 128-bit overflow")
	}
	w := wide{hi: int64(hi), lo: lo}
	if negative {
		return w.neg()
	}
	return w
}

// mul multiplies by a 64-bit integer, panicking on overflow: amounts beyond
// 10^16 dollars are a bug, not a bill.
func (a wide) mul(m int64) wide {
	hi, lo, negative := a.abs()
	um := uint64(m)
	if m < 0 {
		um = uint64(-m)
		negative = !negative
	}
	carry, plo := bits.Mul64(lo, um)
	over, phi := bits.Mul64(hi, um)
	phi, c := bits.Add64(phi, carry, 0)
	if over != 0 || c != 0 {
		panic("billing: 128-bit overflow in mul")
	}
	return fromMagnitude(phi, plo, negative)
}

// quoRound divides by a positive 64-bit integer, rounding half away from
// zero. It is exact whenever d divides a, which the scales guarantee for
// every proration the engine performs.
func (a wide) quoRound(d int64) wide {
	if d <= 0 {
		panic("billing: division by non-positive")
	}
	hi, lo, negative := a.abs()
	ud := uint64(d)
	qhi, r := hi/ud, hi%ud
	qlo, rem := bits.Div64(r, lo, ud)
	if rem >= ud-rem {
		var c uint64
		qlo, c = bits.Add64(qlo, 1, 0)
		qhi += c
	}
	return fromMagnitude(qhi, qlo, negative)
}

// divisible reports whether d divides a exactly.
func (a wide) divisible(d int64) bool {
	hi, lo, _ := a.abs()
	ud := uint64(d)
	_, rem := bits.Div64(hi%ud, lo, ud)
	return rem == 0
}

func (a wide) big() *big.Int {
	hi, lo, negative := a.abs()
	b := new(big.Int).SetUint64(hi)
	b.Lsh(b, 64)
	b.Or(b, new(big.Int).SetUint64(lo))
	if negative {
		b.Neg(b)
	}
	return b
}

func wideFromBig(b *big.Int) wide {
	if b.BitLen() > 127 {
		panic("billing: 128-bit overflow")
	}
	m := new(big.Int).Abs(b)
	lo := new(big.Int).And(m, new(big.Int).SetUint64(^uint64(0))).Uint64()
	hi := new(big.Int).Rsh(m, 64).Uint64()
	return fromMagnitude(hi, lo, b.Sign() < 0)
}

// mulQuoFloor returns floor(a*b/c) for non-negative a and positive b and c,
// through a 192-bit product, so it never overflows where the result fits.
func (a wide) mulQuoFloor(b, c int64) wide {
	hi, lo, negative := a.abs()
	if negative || b < 0 || c <= 0 {
		panic("billing: mulQuoFloor needs non-negative operands")
	}
	ub, uc := uint64(b), uint64(c)
	c1, p0 := bits.Mul64(lo, ub)
	c2, t := bits.Mul64(hi, ub)
	p1, carry := bits.Add64(t, c1, 0)
	p2 := c2 + carry
	if p2 >= uc {
		panic("billing: 128-bit overflow in mulQuoFloor")
	}
	q1, r := bits.Div64(p2, p1, uc)
	q0, _ := bits.Div64(r, p0, uc)
	return fromMagnitude(q1, q0, false)
}

// mulDivFloor returns floor(a*b/c) for non-negative a, b and positive c,
// through math/big: it is used only where a commitment runs out part-way
// through a usage, once per plan and hour.
func mulDivFloor(a, b, c wide) wide {
	p := new(big.Int).Mul(a.big(), b.big())
	return wideFromBig(p.Quo(p, c.big()))
}
