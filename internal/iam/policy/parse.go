package policy

import (
	"encoding/json"
	"io"
	"sort"
	"strings"
)

// Parse parses and validates a policy document as IAM does for a policy of the
// given kind, and compiles it for Evaluate and AllowsPrincipal. Errors are
// *ParseError carrying IAM's MalformedPolicyDocument message.
//
// The checks run in IAM's order, which decides the message when a document has
// several faults: JSON and element syntax; the version; "legacy parsing" (effect
// case, date values, resource shapes); Sid rules; required elements; resource
// formats; action vendors; then the principal rules of the kind.
func Parse(doc string, kind Kind) (*Document, error) {
	d, stmts, ok := parseSyntax(doc)
	if !ok {
		return nil, malformed(msgSyntax)
	}
	if kind == Managed && d.Version != Version2012 {
		return nil, malformed(msgVersion)
	}
	if err := validate(d, stmts, kind); err != nil {
		return nil, err
	}
	vars := d.Version == Version2012
	for i := range d.Statements {
		d.Statements[i].compile(vars)
	}
	return d, nil
}

// parseSyntax decodes the JSON and checks the shape of every element, the checks
// whose failure IAM reports only as "Syntax errors in policy.".
func parseSyntax(doc string) (*Document, []map[string]any, bool) {
	dec := json.NewDecoder(strings.NewReader(doc))
	dec.UseNumber()
	var top any
	if err := dec.Decode(&top); err != nil {
		return nil, nil, false
	}
	if _, err := dec.Token(); err != io.EOF { // content after the document
		return nil, nil, false
	}
	m, ok := top.(map[string]any)
	if !ok {
		return nil, nil, false
	}
	d := &Document{}
	for k, v := range m {
		switch k {
		case "Version":
			s, ok := v.(string)
			if !ok || (s != Version2012 && s != Version2008) {
				return nil, nil, false
			}
			d.Version = s
		case "Id":
			s, ok := v.(string)
			if !ok {
				return nil, nil, false
			}
			d.ID = s
		case "Statement", "Conditions":
			// IAM tolerates a top-level Conditions element and ignores it.
		default:
			return nil, nil, false
		}
	}
	var raw []map[string]any
	switch s := m["Statement"].(type) {
	case map[string]any:
		raw = []map[string]any{s}
	case []any:
		for _, e := range s {
			sm, ok := e.(map[string]any)
			if !ok {
				return nil, nil, false
			}
			raw = append(raw, sm)
		}
	}
	if len(raw) == 0 {
		return nil, nil, false
	}
	d.Statements = make([]Statement, len(raw))
	for i, sm := range raw {
		if !parseStatement(sm, &d.Statements[i]) {
			return nil, nil, false
		}
	}
	return d, raw, true
}

var statementElements = map[string]bool{
	"Sid": true, "Effect": true, "Principal": true, "NotPrincipal": true,
	"Action": true, "NotAction": true, "Resource": true, "NotResource": true,
	"Condition": true,
}

func parseStatement(m map[string]any, st *Statement) bool {
	for k := range m {
		if !statementElements[k] {
			return false
		}
	}
	if has(m, "Action") && has(m, "NotAction") ||
		has(m, "Resource") && has(m, "NotResource") ||
		has(m, "Principal") && has(m, "NotPrincipal") {
		return false
	}
	effect, ok := m["Effect"].(string)
	if !ok || !strings.EqualFold(effect, "Allow") && !strings.EqualFold(effect, "Deny") {
		return false
	}
	st.Effect = effect
	if v, present := m["Sid"]; present {
		if st.Sid, ok = v.(string); !ok {
			return false
		}
	}
	for _, f := range []struct {
		name string
		dst  *[]string
	}{
		{"Action", &st.Action}, {"NotAction", &st.NotAction},
		{"Resource", &st.Resource}, {"NotResource", &st.NotResource},
	} {
		if v, present := m[f.name]; present {
			if *f.dst, ok = stringOrList(v); !ok {
				return false
			}
		}
	}
	if v, present := m["Principal"]; present {
		if st.Principal, ok = parsePrincipals(v); !ok {
			return false
		}
	}
	if v, present := m["NotPrincipal"]; present {
		if st.NotPrincipal, ok = parsePrincipals(v); !ok {
			return false
		}
	}
	if v, present := m["Condition"]; present {
		if st.Condition, ok = parseConditions(v); !ok {
			return false
		}
	}
	return true
}

func has(m map[string]any, k string) bool { _, ok := m[k]; return ok }

// stringOrList accepts "x" or ["x", ...]; a present but empty list is non-nil.
func stringOrList(v any) ([]string, bool) {
	switch t := v.(type) {
	case string:
		return []string{t}, true
	case []any:
		out := make([]string, 0, len(t))
		for _, e := range t {
			s, ok := e.(string)
			if !ok {
				return nil, false
			}
			out = append(out, s)
		}
		return out, true
	}
	return nil, false
}

func parsePrincipals(v any) (*Principals, bool) {
	if s, ok := v.(string); ok {
		if s != "*" {
			return nil, false
		}
		return &Principals{Wildcard: true}, true
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, false
	}
	p := &Principals{}
	for k, e := range m {
		list, ok := stringOrList(e)
		if !ok {
			return nil, false
		}
		switch k {
		case "AWS":
			p.AWS = list
		case "Service":
			p.Service = list
		case "Federated":
			p.Federated = list
		case "CanonicalUser":
			p.CanonicalUser = list
		default:
			return nil, false
		}
	}
	return p, true
}

func parseConditions(v any) (Conditions, bool) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, false
	}
	var out Conditions
	for op, body := range m {
		keys, ok := body.(map[string]any)
		if !ok {
			return nil, false
		}
		// An operator IAM does not know is accepted only with an empty body.
		if _, ok := lookupOperator(op); !ok && len(keys) > 0 {
			return nil, false
		}
		for key, raw := range keys {
			vals, ok := conditionValues(raw)
			if !ok {
				return nil, false
			}
			out = append(out, Condition{Operator: op, Key: key, Values: vals})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Operator != out[j].Operator {
			return out[i].Operator < out[j].Operator
		}
		return out[i].Key < out[j].Key
	})
	return out, true
}

// conditionValues accepts a scalar or a list of scalars; IAM takes JSON numbers
// and booleans as well as strings ("Bool": {"aws:SecureTransport": false}).
func conditionValues(v any) ([]string, bool) {
	scalar := func(e any) (string, bool) {
		switch t := e.(type) {
		case string:
			return t, true
		case json.Number:
			return t.String(), true
		case bool:
			if t {
				return "true", true
			}
			return "false", true
		}
		return "", false
	}
	if list, ok := v.([]any); ok {
		out := make([]string, 0, len(list))
		for _, e := range list {
			s, ok := scalar(e)
			if !ok {
				return nil, false
			}
			out = append(out, s)
		}
		return out, true
	}
	s, ok := scalar(v)
	if !ok {
		return nil, false
	}
	return []string{s}, true
}
