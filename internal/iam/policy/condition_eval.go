package policy

import (
	"net/netip"
	"strconv"
	"strings"
)

// holds reports whether every condition of the statement holds for ctx: the
// operators, and the keys within each, are ANDed.
func (cs Conditions) holds(ctx map[string][]string) bool {
	for i := range cs {
		if !cs[i].holds(ctx) {
			return false
		}
	}
	return true
}

// holds applies one operator to one key, following the IAM User Guide:
//   - the policy's values for a key are ORed (NORed for a negated operator);
//   - a key absent from the request fails a positive operator and satisfies a
//     negated one; …IfExists satisfies either; Null tests presence itself;
//   - ForAllValues: every request value must match (true when there are none);
//     ForAnyValue: at least one must (false when there are none); a negated
//     operator under a qualifier is negated per request value.
func (c *Condition) holds(ctx map[string][]string) bool {
	cc := &c.c
	if !cc.known {
		return true // an unknown operator with an empty body, which IAM accepts
	}
	vals, _ := lookup(ctx, c.Key)
	present := len(vals) > 0
	op := cc.op
	if op.fam == famNull {
		for _, n := range cc.nulls {
			if n == 1 && !present || n == 0 && present {
				return true
			}
		}
		return false
	}
	if !present {
		switch {
		case op.ifExists, op.set == setAll:
			return true
		case op.set == setAny:
			return false
		}
		return op.neg
	}
	switch op.set {
	case setAll:
		for _, v := range vals {
			if cc.anyEqual(v, ctx) == op.neg {
				return false
			}
		}
		return true
	case setAny:
		for _, v := range vals {
			if cc.anyEqual(v, ctx) != op.neg {
				return true
			}
		}
		return false
	}
	// No qualifier: a positive operator matches when any request value matches
	// any policy value; a negated one when none does.
	for _, v := range vals {
		if cc.anyEqual(v, ctx) {
			return !op.neg
		}
	}
	return op.neg
}

// anyEqual reports whether the request value v matches any of the policy's
// values under the operator's positive form.
func (cc *compiledCondition) anyEqual(v string, ctx map[string][]string) bool {
	switch cc.op.fam {
	case famString, famBinary:
		for i := range cc.lits {
			if pv, ok := cc.lits[i].value(ctx); ok && pv == v {
				return true
			}
		}
	case famStringIgnoreCase, famBool:
		for i := range cc.lits {
			if pv, ok := cc.lits[i].value(ctx); ok && strings.EqualFold(pv, v) {
				return true
			}
		}
	case famStringLike:
		for i := range cc.pats {
			if cc.pats[i].match(v, ctx) {
				return true
			}
		}
	case famArn:
		for i := range cc.arns {
			if cc.arns[i].match(v, ctx) {
				return true
			}
		}
	case famNumeric:
		x, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return false
		}
		for _, pv := range cc.nums {
			if order(cc.op.cmp, compareFloat(x, pv)) {
				return true
			}
		}
	case famDate:
		t, ok := parseDate(v)
		if !ok {
			return false
		}
		for _, pv := range cc.dates {
			if order(cc.op.cmp, t.Compare(pv)) {
				return true
			}
		}
	case famIP:
		a, err := netip.ParseAddr(v)
		if err != nil {
			return false
		}
		a = a.Unmap()
		for _, n := range cc.nets {
			if n.IsValid() && n.Contains(a) {
				return true
			}
		}
	}
	return false
}

// compareFloat is -1, 0 or 1; NaN (an unreadable policy value) compares as
// unequal and unordered, so it never matches.
func compareFloat(x, y float64) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	case x == y:
		return 0
	}
	return 2
}

func order(c ordering, r int) bool {
	switch c {
	case cmpEq:
		return r == 0
	case cmpLt:
		return r == -1
	case cmpLe:
		return r == -1 || r == 0
	case cmpGt:
		return r == 1
	case cmpGe:
		return r == 1 || r == 0
	}
	return false
}
