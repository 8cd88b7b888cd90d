package pricing

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrInvalidAmount is wrapped by every error parsing a Money or Factor.
var ErrInvalidAmount = errors.New("invalid decimal amount")

// ParseMoney parses a plain decimal dollar amount: an optional minus sign,
// digits, and optionally a point and up to Scale fraction digits ("0.0116",
// "-2", "1.34375"). Further fraction digits are accepted only if they are
// zeros, so no input is silently rounded. Exponents, "$" and thousands
// separators are rejected: prices in files and APIs are plain decimals.
func ParseMoney(s string) (Money, error) {
	u, err := parseDecimal(s, Scale)
	if err != nil {
		return Money{}, fmt.Errorf("parse money %q: %w", s, err)
	}
	return Money{u}, nil
}

// MustParseMoney is ParseMoney for literals in tables and tests; it panics
// on a malformed amount.
func MustParseMoney(s string) Money {
	m, err := ParseMoney(s)
	if err != nil {
		panic(err)
	}
	return m
}

// String returns the exact amount without trailing zeros but with at least
// two decimals, the way AWS price pages print rates: "0.0116", "0.10",
// "3.06", "-1.50".
func (m Money) String() string {
	s := formatDecimal(m.units, Scale)
	for strings.HasSuffix(s, "0") && len(s)-strings.IndexByte(s, '.') > 3 {
		s = s[:len(s)-1]
	}
	return s
}

// StringFixed rounds m to places decimals (0 to Scale, halves away from
// zero) and prints exactly that many, as DescribeSpotPriceHistory prints
// "0.087000" (6) and invoices print cents (2).
func (m Money) StringFixed(places int) string {
	s := formatDecimal(m.Round(places).units, Scale)
	if places == 0 {
		return s[:strings.IndexByte(s, '.')]
	}
	return s[:len(s)-(Scale-places)]
}

// MarshalText encodes m as String does, so JSON and etcd values stay exact.
func (m Money) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// UnmarshalText decodes what MarshalText or ParseMoney accept.
func (m *Money) UnmarshalText(b []byte) error {
	v, err := ParseMoney(string(b))
	if err != nil {
		return err
	}
	*m = v
	return nil
}

// UnmarshalJSON accepts a JSON string ("0.0116") or a bare JSON number
// (0.0116). Numbers are read from their literal text, never through
// float64, so they stay exact too.
func (m *Money) UnmarshalJSON(b []byte) error {
	return m.UnmarshalText(jsonDecimalText(b))
}

// jsonDecimalText strips the quotes of a JSON string token; a number token
// is already its own decimal text.
func jsonDecimalText(b []byte) []byte {
	b = bytes.TrimSpace(b)
	if len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' {
		return b[1 : len(b)-1]
	}
	return b
}

// parseDecimal parses s into an integer count of 10^-scale.
func parseDecimal(s string, scale int) (int64, error) {
	body, negative := strings.CutPrefix(s, "-")
	whole, frac, hasPoint := strings.Cut(body, ".")
	if whole == "" || (hasPoint && frac == "") || !allDigits(whole) || !allDigits(frac) {
		return 0, fmt.Errorf("%w: want digits with an optional point, like 0.0116", ErrInvalidAmount)
	}
	if len(frac) > scale {
		if strings.Trim(frac[scale:], "0") != "" {
			return 0, fmt.Errorf("%w: more than %d decimal places", ErrInvalidAmount, scale)
		}
		frac = frac[:scale]
	}
	frac += strings.Repeat("0", scale-len(frac))
	v, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: out of range", ErrInvalidAmount)
	}
	if negative {
		v = -v
	}
	return v, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// formatDecimal prints v × 10^-scale with exactly scale decimals.
func formatDecimal(v int64, scale int) string {
	digits := strconv.FormatUint(abs64(v), 10)
	if len(digits) <= scale {
		digits = strings.Repeat("0", scale-len(digits)+1) + digits
	}
	point := len(digits) - scale
	s := digits[:point] + "." + digits[point:]
	if v < 0 {
		s = "-" + s
	}
	return s
}
