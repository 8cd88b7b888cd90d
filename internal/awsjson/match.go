package awsjson

import (
	"cmp"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// Action returns the operation a request names: for awsJson the part of
// X-Amz-Target after TargetPrefix (the whole header when the prefix is not
// there; "" for anything but a POST), for restJson the Known operation whose
// method and requestUri match the request ("" when none does). The name may
// not exist; Known says.
func (s *Service) Action(method string, u *url.URL, target string) string {
	if s.Protocol != RESTJSON {
		if method != http.MethodPost {
			return ""
		}
		if op, ok := strings.CutPrefix(target, s.TargetPrefix+"."); ok && s.TargetPrefix != "" {
			return op
		}
		return target
	}
	s.routesOnce.Do(s.buildRoutes)
	segs := splitPath(u.EscapedPath())
	query := u.Query()
	for _, r := range s.routes {
		if r.method == method && r.match(segs, query) {
			return r.name
		}
	}
	return ""
}

// route is one restJson requestUri, split for matching.
type route struct {
	name, method string
	segs         []string    // literal segments, "{x}" or "{x+}"
	query        [][2]string // literal query keys and values ("" value: key present)
	literals     int         // literal path segments, for precedence
}

func (s *Service) buildRoutes() {
	for name, h := range s.Known {
		path, rawQuery, _ := strings.Cut(h.RequestURI, "?")
		r := route{name: name, method: h.Method, segs: splitPath(path)}
		for _, seg := range r.segs {
			if !isLabel(seg) {
				r.literals++
			}
		}
		for part := range strings.SplitSeq(rawQuery, "&") {
			if part != "" {
				k, v, _ := strings.Cut(part, "=")
				r.query = append(r.query, [2]string{k, v})
			}
		}
		s.routes = append(s.routes, r)
	}
	// The most specific pattern wins: more literal query parts, then more
	// literal segments; the name breaks ties so that routing is stable.
	slices.SortFunc(s.routes, func(a, b route) int {
		return cmp.Or(cmp.Compare(len(b.query), len(a.query)), cmp.Compare(b.literals, a.literals),
			cmp.Compare(len(a.segs), len(b.segs)), cmp.Compare(a.name, b.name))
	})
}

func (r *route) match(segs []string, query url.Values) bool {
	for _, q := range r.query {
		vals, ok := query[q[0]]
		if !ok || q[1] != "" && !slices.Contains(vals, q[1]) {
			return false
		}
	}
	for i, p := range r.segs {
		if strings.HasSuffix(p, "+}") && isLabel(p) {
			return i == len(r.segs)-1 && len(segs) > i // a greedy label takes the rest
		}
		if i >= len(segs) {
			return false
		}
		if isLabel(p) {
			if segs[i] == "" {
				return false
			}
			continue
		}
		if p != segs[i] {
			return false
		}
	}
	return len(segs) == len(r.segs)
}

func isLabel(seg string) bool {
	return len(seg) > 2 && seg[0] == '{' && seg[len(seg)-1] == '}'
}

// splitPath splits "/a/b" into [a b]; "/" is no segment at all.
func splitPath(p string) []string {
	p = strings.TrimPrefix(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}
