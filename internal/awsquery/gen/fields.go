package main

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode"
)

// goStruct resolves the fields of one structure shape.
func (r *resolver) goStruct(name string, roles []string) (*goStruct, error) {
	s := r.m.Shapes[name]
	gs := &goStruct{Shape: name, Name: r.typeName[name]}
	if len(roles) > 0 {
		gs.Doc = fmt.Sprintf("%s is %s.", gs.Name, strings.Join(roles, " and "))
	} else {
		gs.Doc = fmt.Sprintf("%s is the model shape %s.", gs.Name, name)
	}
	required := map[string]bool{}
	for _, req := range s.Required {
		required[req] = true
	}
	goNames := map[string]bool{}
	params := map[string]string{} // request name → member, to catch clashes
	for _, mem := range s.Members {
		typ, err := r.goType(&mem.Ref, true)
		if err != nil {
			return nil, fmt.Errorf("member %s: %w", mem.Name, err)
		}
		tag, param, err := r.tag(mem, required[mem.Name])
		if err != nil {
			return nil, fmt.Errorf("member %s: %w", mem.Name, err)
		}
		if other, dup := params[param]; dup {
			return nil, fmt.Errorf("members %s and %s share the request name %s", other, mem.Name, param)
		}
		params[param] = mem.Name
		gs.Fields = append(gs.Fields, goField{
			Name: unique(goNames, exportedIdent(mem.Name), "_"),
			Type: typ,
			Tag:  tag,
		})
	}
	return gs, nil
}

// tag builds the "aws" struct tag (format in the awsquery and awsjson package
// comments: JSON models get only the options awsjson reads) and
// returns the member's request parameter name under the model's protocol.
func (r *resolver) tag(mem member, required bool) (string, string, error) {
	ref := mem.Ref
	s := r.m.Shapes[ref.Shape]
	opts := []string{mem.Name}
	add := func(k, v string) {
		if v != "" {
			opts = append(opts, k+"="+v)
		}
	}
	add("loc", ref.LocationName)
	if !r.json {
		add("qn", ref.QueryName)
	}
	if required {
		opts = append(opts, "req")
	}
	// The XML naming traits mean nothing in a JSON body.
	flat := !r.json && (ref.Flattened || s.Flattened)
	if flat {
		opts = append(opts, "flat")
	}
	ts := cmpOr(ref.TimestampFormat, s.TimestampFormat)
	switch s.Type {
	case "list":
		if !r.json {
			add("member", s.Member.LocationName)
		}
		ts = cmpOr(ts, s.Member.TimestampFormat, r.m.Shapes[s.Member.Shape].TimestampFormat)
	case "map":
		if !r.json {
			add("key", s.Key.LocationName)
			add("value", s.Value.LocationName)
		}
		ts = cmpOr(ts, s.Value.TimestampFormat, r.m.Shapes[s.Value.Shape].TimestampFormat)
	}
	add("ts", ts)
	for _, o := range opts {
		if strings.ContainsAny(o, ",\"` \t\n") {
			return "", "", fmt.Errorf("trait %q cannot go in a struct tag", o)
		}
	}
	// The same naming rules as the runtimes (awsquery/tag.go, awsjson/plan.go),
	// to refuse a model in which two members would answer to one parameter.
	var param string
	switch {
	case r.json && ref.LocationName != "":
		param = ref.LocationName
	case r.json:
		param = mem.Name
	case r.ec2 && ref.QueryName != "":
		param = ref.QueryName
	case r.ec2 && ref.LocationName != "":
		param = upperFirst(ref.LocationName)
	case ref.LocationName != "":
		param = ref.LocationName
	default:
		param = mem.Name
	}
	if !r.ec2 && flat && s.Type == "list" && s.Member.LocationName != "" {
		param = s.Member.LocationName
	}
	return fmt.Sprintf("aws:%q", strings.Join(opts, ",")), param, nil
}

func cmpOr(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	rs := []rune(s)
	rs[0] = unicode.ToUpper(rs[0])
	return string(rs)
}

// exportedIdent turns a model name into an exported Go identifier: characters
// outside [A-Za-z0-9_] become _, a leading non-letter gets an X, and the first
// letter is capitalised ("arn" → "Arn", "2fa" → "X2fa").
func exportedIdent(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			b[i] = '_'
		}
	}
	if len(b) == 0 || !(b[0] >= 'a' && b[0] <= 'z' || b[0] >= 'A' && b[0] <= 'Z') {
		b = append([]byte("X"), b...)
	}
	if b[0] >= 'a' && b[0] <= 'z' {
		b[0] -= 'a' - 'A'
	}
	return string(b)
}

// enumPart turns an enum value into the tail of a constant name:
// "t2.micro" → "T2Micro", "shutting-down" → "ShuttingDown", "" → "Empty".
func enumPart(v string) string {
	var b strings.Builder
	up := true
	for _, c := range []byte(v) {
		switch {
		case c >= 'a' && c <= 'z':
			if up {
				c -= 'a' - 'A'
			}
			b.WriteByte(c)
			up = false
		case c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
			b.WriteByte(c)
			up = false
		default:
			up = true
		}
	}
	if b.Len() == 0 {
		return "Empty"
	}
	return b.String()
}

// unique returns name, or name+suffix (repeated) if name is taken, and marks
// the result taken. Callers go through names in sorted order, so the outcome
// is stable from run to run.
func unique(used map[string]bool, name, suffix string) string {
	for used[name] {
		name += suffix
	}
	used[name] = true
	return name
}

func sortedKeys(m map[string]bool) []string {
	return slices.Sorted(maps.Keys(m))
}
