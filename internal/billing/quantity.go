package billing

import "math/big"

// Quantity is an exact amount of usage in the line item's unit: hours for
// instance, address, host and fee lines, GB-months for storage. Like Money it
// keeps a 128-bit numerator, here over quantityScale, so a size-flexible
// share of a second or one second of a 31-day month is represented exactly.
type Quantity struct{ v wide }

// quantityScale steps make one unit: an hour is 3600 seconds of fineScale
// steps, so instance-seconds at fineScale are hours with no division.
const quantityScale = fineScale * 3600

// QuantityOf returns n whole units.
func QuantityOf(n int64) Quantity { return Quantity{wideOf(n).mul(quantityScale)} }

// hoursOf converts instance-seconds held at fineScale into hours.
func hoursOf(secondsFine wide) Quantity { return Quantity{secondsFine} }

// secondsToHours converts whole seconds into hours.
func secondsToHours(s int64) Quantity { return Quantity{wideOf(s).mul(fineScale)} }

// Add returns q + o.
func (q Quantity) Add(o Quantity) Quantity { return Quantity{q.v.add(o.v)} }

// Sub returns q - o.
func (q Quantity) Sub(o Quantity) Quantity { return Quantity{q.v.sub(o.v)} }

// IsZero reports whether q is nothing.
func (q Quantity) IsZero() bool { return q.v.sign() == 0 }

// Cmp compares q and o, returning -1, 0 or 1.
func (q Quantity) Cmp(o Quantity) int { return q.v.cmp(o.v) }

// Rat returns q as an exact fraction.
func (q Quantity) Rat() *big.Rat {
	return new(big.Rat).SetFrac(q.v.big(), big.NewInt(quantityScale))
}

// String formats q with at most ten decimals and no trailing zeros.
func (q Quantity) String() string {
	return formatFixed(q.v.big(), big.NewInt(quantityScale), 10, 0)
}
