package policy

import "strings"

// A template is a policy string split into the parts that policy variables
// (Version 2012-10-17 only) make: text as written, escaped characters from ${*},
// ${?} and ${$}, and ${key} or ${key, 'default'} references to the request
// context.
type partKind uint8

const (
	partText partKind = iota // as written; * and ? are wildcards where the element allows them
	partEsc                  // a literal character from ${*}, ${?} or ${$}
	partVar                  // a context key
)

type part struct {
	kind   partKind
	s      string // text, escaped character, or context key
	def    string
	hasDef bool
}

// parseTemplate splits s into parts. Without vars (Version 2008-10-17) the whole
// string is text. A "${" that does not open a well-formed variable is text.
func parseTemplate(s string, vars bool) []part {
	if !vars || !strings.Contains(s, "${") {
		return []part{{kind: partText, s: s}}
	}
	var out []part
	text := func(t string) {
		if t == "" {
			return
		}
		if n := len(out); n > 0 && out[n-1].kind == partText {
			out[n-1].s += t
			return
		}
		out = append(out, part{kind: partText, s: t})
	}
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			text(s)
			return out
		}
		j := strings.IndexByte(s[i+2:], '}')
		if j < 0 {
			text(s)
			return out
		}
		inner := s[i+2 : i+2+j]
		p, ok := parseVariable(inner)
		if !ok {
			text(s[:i+2])
			s = s[i+2:]
			continue
		}
		text(s[:i])
		out = append(out, p)
		s = s[i+3+j:]
	}
}

func parseVariable(inner string) (part, bool) {
	switch inner {
	case "*", "?", "$":
		return part{kind: partEsc, s: inner}, true
	}
	key, def, hasDef := strings.Cut(inner, ",")
	key = strings.TrimSpace(key)
	if key == "" || strings.ContainsAny(key, " \t${'") {
		return part{}, false
	}
	p := part{kind: partVar, s: key}
	if hasDef {
		def = strings.TrimSpace(def)
		if len(def) < 2 || def[0] != '\'' || def[len(def)-1] != '\'' {
			return part{}, false
		}
		p.def, p.hasDef = def[1:len(def)-1], true
	}
	return p, true
}

// hasVars reports whether parts reference the request context.
func hasVars(parts []part) bool {
	for _, p := range parts {
		if p.kind == partVar {
			return true
		}
	}
	return false
}

// resolveVar returns the value a variable stands for. A key that is absent
// (without a default) or multivalued resolves to nothing, and the element that
// holds it then matches nothing.
func resolveVar(p *part, ctx map[string][]string) (string, bool) {
	vals, ok := lookup(ctx, p.s)
	switch {
	case ok && len(vals) == 1:
		return vals[0], true
	case ok && len(vals) > 1:
		return "", false
	case p.hasDef:
		return p.def, true
	}
	return "", false
}

// literal is a template whose value is compared as a plain string (StringEquals,
// Bool...): wildcards and escapes are all just characters.
type literal struct {
	static string
	parts  []part // non-nil only when the value holds variables
}

func compileLiteral(s string, vars bool) literal {
	parts := parseTemplate(s, vars)
	if !hasVars(parts) {
		var b strings.Builder
		for _, p := range parts {
			b.WriteString(p.s)
		}
		return literal{static: b.String()}
	}
	return literal{parts: parts}
}

func (l *literal) value(ctx map[string][]string) (string, bool) {
	if l.parts == nil {
		return l.static, true
	}
	var b strings.Builder
	for i := range l.parts {
		p := &l.parts[i]
		if p.kind != partVar {
			b.WriteString(p.s)
			continue
		}
		v, ok := resolveVar(p, ctx)
		if !ok {
			return "", false
		}
		b.WriteString(v)
	}
	return b.String(), true
}

// lookup finds a condition key in the request context. Key names are
// case-insensitive; the exact spelling is tried first because callers and
// policies nearly always agree on it.
func lookup(ctx map[string][]string, key string) ([]string, bool) {
	if v, ok := ctx[key]; ok {
		return v, true
	}
	for k, v := range ctx {
		if len(k) == len(key) && strings.EqualFold(k, key) {
			return v, true
		}
	}
	return nil, false
}
