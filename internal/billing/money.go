package billing

import (
	"errors"
	"fmt"
	"math/big"
	"strings"
)

// fineScale is the number of steps one unit of usage (an hour, a GB-month) is
// cut into: 2^14·3^4·5^3·7·29·31. It is divisible by 3600 times every
// normalization factor (in quarter units) and by the length in seconds of
// every month of 28 to 31 days, so per-second, size-flexible and GB-month
// proration of a decimal price are all exact.
const fineScale int64 = 1_043_933_184_000

// priceDigits is how many decimals a price may carry. AWS publishes EC2
// prices with at most 10.
const priceDigits = 10

// priceScale is 10^priceDigits: prices are integers of this many steps per
// dollar.
const priceScale int64 = 10_000_000_000

// ErrMoneyFormat reports a price or amount string ParseMoney cannot read.
var ErrMoneyFormat = errors.New("invalid money amount")

// Money is an exact amount of US dollars. Its numerator counts steps of
// 1/(10^10 · fineScale) dollar, so every line item the engine produces is
// exact; rounding to cents happens only in summaries (RoundCents).
// The zero value is $0.
type Money struct{ v wide }

var moneyScale = wideOf(priceScale).mul(fineScale)

// ParseMoney reads a decimal dollar amount with at most 10 decimals and 8
// whole digits, such as "0.0116" or "-2.5".
func ParseMoney(s string) (Money, error) {
	units, err := parseDecimal(s, priceDigits)
	if err != nil {
		return Money{}, fmt.Errorf("parse money %q: %w", s, err)
	}
	return moneyFromPriceUnits(units), nil
}

// MustParseMoney is ParseMoney for constants; it panics on a bad string.
func MustParseMoney(s string) Money {
	m, err := ParseMoney(s)
	if err != nil {
		panic(err)
	}
	return m
}

// MoneyFromCents returns c cents.
func MoneyFromCents(c int64) Money {
	return moneyFromPriceUnits(c * (priceScale / 100))
}

func moneyFromPriceUnits(units int64) Money { return Money{wideOf(units).mul(fineScale)} }

// priceUnits returns m in 10^-10 dollar steps when it is a price: a whole
// number of such steps small enough for 64 bits. Rates must be prices so that
// rate × usage stays within 128 bits.
func (m Money) priceUnits() (int64, bool) {
	if !m.v.divisible(fineScale) {
		return 0, false
	}
	q := m.v.quoRound(fineScale)
	if (q.hi != 0 || q.lo>>63 != 0) && (q.hi != -1 || q.lo>>63 == 0) {
		return 0, false
	}
	return int64(q.lo), true
}

// Add returns m + o.
func (m Money) Add(o Money) Money { return Money{m.v.add(o.v)} }

// Sub returns m - o.
func (m Money) Sub(o Money) Money { return Money{m.v.sub(o.v)} }

// Neg returns -m.
func (m Money) Neg() Money { return Money{m.v.neg()} }

// Sign returns -1, 0 or 1.
func (m Money) Sign() int { return m.v.sign() }

// IsZero reports whether m is $0.
func (m Money) IsZero() bool { return m.v.sign() == 0 }

// Cmp compares m and o, returning -1, 0 or 1.
func (m Money) Cmp(o Money) int { return m.v.cmp(o.v) }

// Rat returns m as an exact fraction of dollars.
func (m Money) Rat() *big.Rat { return new(big.Rat).SetFrac(m.v.big(), moneyScale.big()) }

// RoundCents rounds m to whole cents, half away from zero, as an invoice
// does.
func (m Money) RoundCents() Money { return MoneyFromCents(m.Cents()) }

// Cents returns m in whole cents, rounded half away from zero.
func (m Money) Cents() int64 {
	c := roundQuo(new(big.Int).Mul(m.v.big(), big.NewInt(100)), moneyScale.big())
	return c.Int64()
}

// String formats m in dollars with at least two and at most ten decimals,
// rounding half away from zero beyond the tenth; Rat gives the exact value.
func (m Money) String() string { return formatFixed(m.v.big(), moneyScale.big(), priceDigits, 2) }

// Format formats m with exactly places decimals, rounding half away from
// zero.
func (m Money) Format(places int) string {
	return formatFixed(m.v.big(), moneyScale.big(), places, places)
}

// parseDecimal reads an optionally signed decimal into an integer of
// 10^-digits steps.
func parseDecimal(s string, digits int) (int64, error) {
	neg := strings.HasPrefix(s, "-")
	body := strings.TrimPrefix(s, "-")
	whole, frac, _ := strings.Cut(body, ".")
	if whole == "" && frac == "" || len(frac) > digits || len(whole) > 8 {
		return 0, ErrMoneyFormat
	}
	var n int64
	for _, r := range whole + frac + strings.Repeat("0", digits-len(frac)) {
		if r < '0' || r > '9' {
			return 0, ErrMoneyFormat
		}
		n = n*10 + int64(r-'0')
	}
	if neg {
		n = -n
	}
	return n, nil
}

// roundQuo returns num/den rounded half away from zero (den > 0).
func roundQuo(num, den *big.Int) *big.Int {
	q, r := new(big.Int).QuoRem(num, den, new(big.Int))
	twice := new(big.Int).Abs(r)
	twice.Lsh(twice, 1)
	if twice.Cmp(den) >= 0 {
		if num.Sign() < 0 {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	return q
}

// formatFixed renders num/den with up to maxPlaces decimals (rounded), then
// trims trailing zeros down to minPlaces.
func formatFixed(num, den *big.Int, maxPlaces, minPlaces int) string {
	pow := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(maxPlaces)), nil)
	q := roundQuo(new(big.Int).Mul(num, pow), den)
	sign := ""
	if q.Sign() < 0 {
		sign = "-"
		q.Neg(q)
	}
	digits := q.String()
	if len(digits) <= maxPlaces {
		digits = strings.Repeat("0", maxPlaces-len(digits)+1) + digits
	}
	whole, frac := digits[:len(digits)-maxPlaces], digits[len(digits)-maxPlaces:]
	for len(frac) > minPlaces && frac[len(frac)-1] == '0' {
		frac = frac[:len(frac)-1]
	}
	if frac == "" {
		return sign + whole
	}
	return sign + whole + "." + frac
}
