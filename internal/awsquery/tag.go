package awsquery

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// parseTag reads the "aws" tag format documented in the package comment.
func parseTag(tag string) (*fieldPlan, error) {
	parts := strings.Split(tag, ",")
	f := &fieldPlan{name: parts[0], coll: collNames{key: "key", value: "value"}}
	if f.name == "" {
		return nil, fmt.Errorf("empty member name in tag %q", tag)
	}
	for _, opt := range parts[1:] {
		k, v, _ := strings.Cut(opt, "=")
		switch k {
		case "loc":
			f.loc = v
		case "qn":
			f.qn = v
		case "req":
			f.required = true
		case "flat":
			f.coll.flat = true
		case "member":
			f.coll.member = v
		case "key":
			f.coll.key = v
		case "value":
			f.coll.value = v
		case "ts":
			f.ts = v
		default:
			return nil, fmt.Errorf("unknown option %q in tag %q", k, tag)
		}
	}
	return f, nil
}

// resolveNames applies the per-protocol naming rules of the package comment.
func (f *fieldPlan) resolveNames() {
	switch {
	case f.qn != "":
		f.ec2Param = f.qn
	case f.loc != "":
		f.ec2Param = upperFirst(f.loc)
	default:
		f.ec2Param = f.name
	}
	f.queryParam = f.name
	if f.loc != "" {
		f.queryParam = f.loc
	}
	// A flattened list repeats its member's name in place of its own, both in
	// the request (Name.N) and in the response (<Name>…</Name><Name>…</Name>).
	if f.coll.flat && f.t.kind == kindList && f.coll.member != "" {
		f.queryParam = f.coll.member
	}
	f.queryElem = f.queryParam
	f.ec2Elem = f.loc
	if f.ec2Elem == "" {
		f.ec2Elem = lowerCamel(f.name)
	}
}

func upperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

// lowerCamel lowercases a leading run of capitals but keeps the last one when a
// lowercase letter follows: "KeyName" → "keyName", "VPCId" → "vpcId".
func lowerCamel(s string) string {
	b := []byte(s)
	n := 0
	for n < len(b) && b[n] >= 'A' && b[n] <= 'Z' {
		n++
	}
	if n > 1 && n < len(b) && b[n] >= 'a' && b[n] <= 'z' {
		n--
	}
	for i := range n {
		b[i] += 'a' - 'A'
	}
	return string(b)
}
