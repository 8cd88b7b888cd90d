package policy

import "unicode/utf8"

// A pattern is a compiled wildcard string: an Action, a Resource, a StringLike or
// ArnLike value. "*" matches any run of characters, "?" any one character.
//
// Patterns are compiled at Parse into the cheapest form that decides them:
// everything, an exact string, a prefix, or a program of characters and
// wildcards. Matching never allocates unless the pattern holds policy variables.
type pattern struct {
	kind  matchKind
	fold  bool   // ASCII case-insensitive (actions); lit and prog are lower-cased
	res   bool   // Resource element rules for stars (see markResourceStars)
	lit   string // mExact, mPrefix
	prog  []pc   // mGlob
	dp    bool   // prog has stars that may not cross a colon
	parts []part // mDynamic: resolved against the request at match time
}

type matchKind uint8

const (
	mAny matchKind = iota
	mExact
	mPrefix
	mGlob
	mDynamic
)

// pc is one pattern character: a byte, or a wildcard flag.
type pc uint16

const (
	pcStar    pc = 1 << 8
	pcOne     pc = 1 << 9
	pcNoColon pc = 1 << 10 // with pcStar: this star may not match ':'
)

// compilePattern compiles s. vars enables policy variables (Version 2012-10-17);
// fold makes matching ASCII case-insensitive; res applies the Resource element's
// rule that a star crosses colons only at the end of an ARN segment.
func compilePattern(s string, vars, fold, res bool) pattern {
	parts := parseTemplate(s, vars)
	if hasVars(parts) {
		return pattern{kind: mDynamic, fold: fold, res: res, parts: parts}
	}
	prog := appendProg(nil, parts, nil, fold)
	return programPattern(prog, fold, res)
}

func programPattern(prog []pc, fold, res bool) pattern {
	p := pattern{fold: fold, res: res}
	stars, ones := 0, 0
	for _, c := range prog {
		switch {
		case c&pcStar != 0:
			stars++
		case c&pcOne != 0:
			ones++
		}
	}
	switch {
	case len(prog) == 1 && stars == 1:
		p.kind = mAny
	case stars == 0 && ones == 0:
		p.kind, p.lit = mExact, progString(prog)
	case stars == 1 && ones == 0 && prog[len(prog)-1]&pcStar != 0:
		p.kind, p.lit = mPrefix, progString(prog[:len(prog)-1])
	default:
		p.kind, p.prog = mGlob, prog
		if res {
			p.dp = markResourceStars(prog)
		}
	}
	return p
}

// appendProg turns parts into pattern characters; variables are resolved from
// ctx and, like escapes, contribute literal characters.
func appendProg(prog []pc, parts []part, ctx map[string][]string, fold bool) []pc {
	lit := func(s string) {
		for i := 0; i < len(s); i++ {
			b := s[i]
			if fold {
				b = lowerASCII(b)
			}
			prog = append(prog, pc(b))
		}
	}
	for i := range parts {
		p := &parts[i]
		switch p.kind {
		case partText:
			for j := 0; j < len(p.s); j++ {
				switch b := p.s[j]; b {
				case '*':
					if n := len(prog); n == 0 || prog[n-1]&pcStar == 0 {
						prog = append(prog, pcStar)
					}
				case '?':
					prog = append(prog, pcOne)
				default:
					lit(p.s[j : j+1])
				}
			}
		case partEsc:
			lit(p.s)
		case partVar:
			v, ok := resolveVar(p, ctx)
			if !ok {
				return nil
			}
			lit(v)
		}
	}
	return prog
}

// markResourceStars flags the stars of a Resource pattern that are not the last
// character of their ARN segment: the IAM User Guide lets only a segment-final
// star expand across colon boundaries. It reports whether any was flagged.
func markResourceStars(prog []pc) bool {
	any := false
	for i, c := range prog {
		if c&pcStar != 0 && i+1 < len(prog) && prog[i+1] != pc(':') {
			prog[i] |= pcNoColon
			any = true
		}
	}
	return any
}

func progString(prog []pc) string {
	b := make([]byte, len(prog))
	for i, c := range prog {
		b[i] = byte(c)
	}
	return string(b)
}

func lowerASCII(b byte) byte {
	if 'A' <= b && b <= 'Z' {
		return b + ('a' - 'A')
	}
	return b
}

// match reports whether s matches; ctx resolves policy variables.
func (p *pattern) match(s string, ctx map[string][]string) bool {
	switch p.kind {
	case mAny:
		return true
	case mExact:
		return len(s) == len(p.lit) && hasPrefix(s, p.lit, p.fold)
	case mPrefix:
		return len(s) >= len(p.lit) && hasPrefix(s, p.lit, p.fold)
	case mGlob:
		if p.dp {
			return globDP(p.prog, s, p.fold)
		}
		return glob(p.prog, s, p.fold)
	case mDynamic:
		var buf [128]pc
		prog := appendProg(buf[:0], p.parts, ctx, p.fold)
		if prog == nil {
			return false
		}
		if p.res && markResourceStars(prog) {
			return globDP(prog, s, p.fold)
		}
		return glob(prog, s, p.fold)
	}
	return false
}

// hasPrefix compares s's prefix with lit (already lower-cased when fold).
func hasPrefix(s, lit string, fold bool) bool {
	if !fold {
		return s[:len(lit)] == lit
	}
	for i := 0; i < len(lit); i++ {
		if lowerASCII(s[i]) != lit[i] {
			return false
		}
	}
	return true
}

// glob is the linear wildcard matcher with one backtrack point, correct when
// every star may match any character.
func glob(prog []pc, s string, fold bool) bool {
	pi, si := 0, 0
	starP, starS := -1, 0
	for si < len(s) {
		if pi < len(prog) {
			c := prog[pi]
			switch {
			case c&pcStar != 0:
				starP, starS = pi, si
				pi++
				continue
			case c&pcOne != 0:
				_, n := utf8.DecodeRuneInString(s[si:])
				pi++
				si += n
				continue
			default:
				b := s[si]
				if fold {
					b = lowerASCII(b)
				}
				if byte(c) == b {
					pi++
					si++
					continue
				}
			}
		}
		if starP < 0 {
			return false
		}
		pi = starP + 1
		starS++
		si = starS
	}
	for pi < len(prog) && prog[pi]&pcStar != 0 {
		pi++
	}
	return pi == len(prog)
}

// globDP decides patterns with colon-bound stars by dynamic programming over
// positions of s: O(len(prog)·len(s)), no backtracking blow-up.
func globDP(prog []pc, s string, fold bool) bool {
	n := len(s) + 1
	var buf [2 * 160]bool
	var prev, cur []bool
	if 2*n <= len(buf) {
		prev, cur = buf[:n], buf[n:2*n]
	} else {
		prev, cur = make([]bool, n), make([]bool, n)
	}
	prev[0] = true
	for _, c := range prog {
		switch {
		case c&pcStar != 0:
			noColon := c&pcNoColon != 0
			cur[0] = prev[0]
			for j := 1; j < n; j++ {
				cur[j] = prev[j] || cur[j-1] && !(noColon && s[j-1] == ':')
			}
		case c&pcOne != 0:
			clear(cur)
			for j := 0; j < n-1; j++ {
				if prev[j] {
					_, w := utf8.DecodeRuneInString(s[j:])
					cur[j+w] = true
				}
			}
		default:
			cur[0] = false
			for j := 1; j < n; j++ {
				b := s[j-1]
				if fold {
					b = lowerASCII(b)
				}
				cur[j] = prev[j-1] && b == byte(c)
			}
		}
		prev, cur = cur, prev
	}
	return prev[n-1]
}
