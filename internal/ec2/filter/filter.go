// Package filter implements EC2's Filter.N.Name / Filter.N.Value.M semantics:
// filters are ANDed, the values of one filter are ORed, values may use the
// wildcards * and ? (escaped with a backslash), and tag:<key>, tag-key and
// tag-value match the resource's tags.
package filter

import (
	"strings"

	"github.com/kumo-cloud/kumo/internal/awserr"
)

// Filter is one named filter with its accepted values.
type Filter struct {
	Name   string
	Values []string
}

// Set is a validated list of filters; the zero Set matches everything.
type Set []Filter

// Fields returns a record's values for a filter name (nil when it has none).
type Fields func(name string) []string

// New validates filters against the names an operation supports; tag:<key>,
// tag-key and tag-value are accepted too when the resource is taggable.
func New(filters []Filter, allowed []string, taggable bool) (Set, error) {
	ok := make(map[string]bool, len(allowed))
	for _, a := range allowed {
		ok[a] = true
	}
	for _, f := range filters {
		switch {
		case f.Name == "":
			return nil, awserr.InvalidParameterValue("The filter 'null' is invalid")
		case ok[f.Name]:
		case taggable && (f.Name == "tag-key" || f.Name == "tag-value" || strings.HasPrefix(f.Name, "tag:") && len(f.Name) > 4):
		default:
			return nil, awserr.InvalidParameterValue("The filter '%s' is invalid", f.Name)
		}
		if len(f.Values) == 0 {
			return nil, awserr.InvalidParameterValue("The filter '%s' has no values", f.Name)
		}
	}
	return Set(filters), nil
}

// Match reports whether a record whose filter values are given by fields, and
// whose tags are tags, passes every filter.
func (s Set) Match(fields Fields, tags map[string]string) bool {
	for _, f := range s {
		var have []string
		switch {
		case f.Name == "tag-key":
			for k := range tags {
				have = append(have, k)
			}
		case f.Name == "tag-value":
			for _, v := range tags {
				have = append(have, v)
			}
		case strings.HasPrefix(f.Name, "tag:"):
			v, ok := tags[f.Name[4:]]
			if !ok {
				return false
			}
			have = []string{v}
		default:
			have = fields(f.Name)
		}
		if !anyMatch(f.Values, have) {
			return false
		}
	}
	return true
}

func anyMatch(patterns, values []string) bool {
	for _, p := range patterns {
		for _, v := range values {
			if Wildcard(p, v) {
				return true
			}
		}
	}
	return false
}

// Wildcard reports whether s matches pattern, where * matches any run of
// characters, ? any one character, and a backslash makes the next one literal.
func Wildcard(pattern, s string) bool {
	p, str := []rune(pattern), []rune(s)
	// Iterative matcher with backtracking to the last star: linear in practice,
	// never exponential on hostile patterns.
	pi, si, star, mark := 0, 0, -1, 0
	for si < len(str) {
		if pi < len(p) {
			c, lit := p[pi], false
			width := 1
			if c == '\\' && pi+1 < len(p) {
				c, lit, width = p[pi+1], true, 2
			}
			switch {
			case !lit && c == '*':
				star, mark = pi, si
				pi++
				continue
			case (!lit && c == '?') || c == str[si]:
				pi += width
				si++
				continue
			}
		}
		if star < 0 {
			return false
		}
		pi = star + 1
		mark++
		si = mark
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}
