package policy

import (
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// family is a condition operator's comparison family.
type family uint8

const (
	famString family = iota
	famStringIgnoreCase
	famStringLike
	famNumeric
	famDate
	famBool
	famBinary
	famIP
	famArn
	famNull
)

// ordering is the test of Numeric* and Date* operators.
type ordering uint8

const (
	cmpEq ordering = iota
	cmpLt
	cmpLe
	cmpGt
	cmpGe
)

// opSpec describes a base operator (without set prefix or IfExists).
type opSpec struct {
	fam family
	cmp ordering
	neg bool // negated matching: the key's values are NORed, a missing key matches
}

var operators = map[string]opSpec{
	"StringEquals":              {fam: famString},
	"StringNotEquals":           {fam: famString, neg: true},
	"StringEqualsIgnoreCase":    {fam: famStringIgnoreCase},
	"StringNotEqualsIgnoreCase": {fam: famStringIgnoreCase, neg: true},
	"StringLike":                {fam: famStringLike},
	"StringNotLike":             {fam: famStringLike, neg: true},
	"NumericEquals":             {fam: famNumeric},
	"NumericNotEquals":          {fam: famNumeric, neg: true},
	"NumericLessThan":           {fam: famNumeric, cmp: cmpLt},
	"NumericLessThanEquals":     {fam: famNumeric, cmp: cmpLe},
	"NumericGreaterThan":        {fam: famNumeric, cmp: cmpGt},
	"NumericGreaterThanEquals":  {fam: famNumeric, cmp: cmpGe},
	"DateEquals":                {fam: famDate},
	"DateNotEquals":             {fam: famDate, neg: true},
	"DateLessThan":              {fam: famDate, cmp: cmpLt},
	"DateLessThanEquals":        {fam: famDate, cmp: cmpLe},
	"DateGreaterThan":           {fam: famDate, cmp: cmpGt},
	"DateGreaterThanEquals":     {fam: famDate, cmp: cmpGe},
	"Bool":                      {fam: famBool},
	"BinaryEquals":              {fam: famBinary},
	"IpAddress":                 {fam: famIP},
	"NotIpAddress":              {fam: famIP, neg: true},
	"ArnEquals":                 {fam: famArn},
	"ArnLike":                   {fam: famArn},
	"ArnNotEquals":              {fam: famArn, neg: true},
	"ArnNotLike":                {fam: famArn, neg: true},
	"Null":                      {fam: famNull},
}

// setOp is the ForAnyValue:/ForAllValues: qualifier for multivalued keys.
type setOp uint8

const (
	setNone setOp = iota
	setAny
	setAll
)

// operator is a fully decoded operator name.
type operator struct {
	opSpec
	set      setOp
	ifExists bool
}

// lookupOperator decodes "ForAllValues:StringLikeIfExists" and the like. Names
// are case-sensitive, as in IAM.
func lookupOperator(name string) (operator, bool) {
	var op operator
	switch {
	case strings.HasPrefix(name, "ForAnyValue:"):
		op.set, name = setAny, name[len("ForAnyValue:"):]
	case strings.HasPrefix(name, "ForAllValues:"):
		op.set, name = setAll, name[len("ForAllValues:"):]
	}
	if base, ok := strings.CutSuffix(name, "IfExists"); ok {
		op.ifExists, name = true, base
	}
	spec, ok := operators[name]
	op.opSpec = spec
	return op, ok
}

// compiledCondition holds a condition's values in the form its family compares.
type compiledCondition struct {
	op    operator
	known bool // false for an operator IAM accepted only because its body was empty

	lits  []literal      // String, StringIgnoreCase, Bool, Binary
	pats  []pattern      // StringLike
	arns  []arnPattern   // Arn*
	nums  []float64      // Numeric*; NaN for a value that is not a number
	dates []time.Time    // Date*; Parse has checked every value reads
	nets  []netip.Prefix // IP; invalid prefix for an unreadable value
	nulls []int8         // Null: 1 "true", 0 "false", -1 anything else
}

// arnPattern matches an ARN component by component, as ArnEquals/ArnLike do;
// a value with fewer than six components is matched as a whole.
type arnPattern struct {
	whole pattern
	comps [6]pattern
	split bool
}

func (c *Condition) compile(vars bool) {
	op, ok := lookupOperator(c.Operator)
	cc := compiledCondition{op: op, known: ok}
	if ok {
		for _, v := range c.Values {
			cc.add(v, vars)
		}
	}
	c.c = cc
}

// add compiles one value. Policy variables work in the string, ARN and Bool
// families only, as documented for the condition operators.
func (cc *compiledCondition) add(v string, vars bool) {
	switch cc.op.fam {
	case famString, famStringIgnoreCase, famBool:
		cc.lits = append(cc.lits, compileLiteral(v, vars))
	case famBinary:
		cc.lits = append(cc.lits, literal{static: v})
	case famStringLike:
		cc.pats = append(cc.pats, compilePattern(v, vars, false, false))
	case famArn:
		cc.arns = append(cc.arns, compileArn(v, vars))
	case famNumeric:
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			f = math.NaN()
		}
		cc.nums = append(cc.nums, f)
	case famDate:
		t, _ := parseDate(v)
		cc.dates = append(cc.dates, t)
	case famIP:
		cc.nets = append(cc.nets, parseNet(v))
	case famNull:
		n := int8(-1)
		switch strings.ToLower(v) {
		case "true":
			n = 1
		case "false":
			n = 0
		}
		cc.nulls = append(cc.nulls, n)
	}
}

func compileArn(v string, vars bool) arnPattern {
	a := arnPattern{whole: compilePattern(v, vars, false, false)}
	comps := splitARNComponents(v)
	if len(comps) == 6 {
		a.split = true
		for i, s := range comps {
			a.comps[i] = compilePattern(s, vars, false, false)
		}
	}
	return a
}

// splitARNComponents splits an ARN condition value into at most six
// components at the colons outside policy variables: ${aws:PrincipalAccount}
// has a colon of its own.
func splitARNComponents(v string) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(v) && len(out) < 5; i++ {
		switch {
		case v[i] == '$' && i+1 < len(v) && v[i+1] == '{':
			depth++
		case v[i] == '}' && depth > 0:
			depth--
		case v[i] == ':' && depth == 0:
			out = append(out, v[start:i])
			start = i + 1
		}
	}
	return append(out, v[start:])
}

func (a *arnPattern) match(s string, ctx map[string][]string) bool {
	if !a.split {
		return a.whole.match(s, ctx)
	}
	for i := 0; i < 5; i++ {
		j := strings.IndexByte(s, ':')
		if j < 0 {
			return false
		}
		if !a.comps[i].match(s[:j], ctx) {
			return false
		}
		s = s[j+1:]
	}
	return a.comps[5].match(s, ctx)
}

// parseNet reads a CIDR block or a single address (a /32 or /128).
func parseNet(v string) netip.Prefix {
	if p, err := netip.ParsePrefix(strings.TrimSpace(v)); err == nil {
		if p.Addr().Is4In6() {
			p = netip.PrefixFrom(p.Addr().Unmap(), max(p.Bits()-96, 0))
		}
		return p.Masked()
	}
	if a, err := netip.ParseAddr(strings.TrimSpace(v)); err == nil {
		a = a.Unmap()
		return netip.PrefixFrom(a, a.BitLen())
	}
	return netip.Prefix{}
}
