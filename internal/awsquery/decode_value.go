package awsquery

import (
	"cmp"
	"encoding/base64"
	"math"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kumo-cloud/kumo/internal/awserr"
)

// indexed is one list or map element with its 1-based wire index.
type indexed struct {
	i    int
	name string
	n    *node
}

// indexes returns the children of a list node sorted by index. Indexes need not
// be contiguous: AWS sorts by index and ignores gaps. A name that is not a plain
// positive decimal is not a parameter the operation takes.
func indexes(n *node, path string) ([]indexed, *awserr.Error) {
	if n == nil {
		return nil, nil
	}
	out := make([]indexed, 0, len(n.kids))
	for name, kid := range n.kids {
		i, ok := parseIndex(name)
		if !ok {
			return nil, awserr.UnknownParameter(echo(join(path, name)))
		}
		if i > maxListIndex {
			return nil, awserr.InvalidParameterValue("Index %s of parameter %s exceeds the limit of %d.", echo(name), echo(path), maxListIndex)
		}
		out = append(out, indexed{i, name, kid})
	}
	slices.SortFunc(out, func(a, b indexed) int { return cmp.Compare(a.i, b.i) })
	return out, nil
}

// parseIndex accepts 1, 2, … but not 0, 01 or +1, so that two spellings never
// name the same element. Long digit strings saturate instead of overflowing,
// so every all-digit index past the cap gets the same error.
func parseIndex(s string) (int, bool) {
	if s == "" || s[0] == '0' {
		return 0, false
	}
	i := 0
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return 0, false
		}
		if i <= maxListIndex {
			i = i*10 + int(c-'0')
		}
	}
	return i, true
}

func (d *decoder) list(n *node, path string, tp *typePlan, names *collNames, v reflect.Value) *awserr.Error {
	wrapper := ""
	if d.p == Query && !names.flat {
		wrapper = cmp.Or(names.member, "member")
	}
	items, path, err := d.container(n, path, wrapper)
	if err != nil {
		return err
	}
	idx, err := indexes(items, path)
	if err != nil {
		return err
	}
	s := reflect.MakeSlice(tp.typ, len(idx), len(idx))
	for i, it := range idx {
		if err := d.value(it.n, join(path, it.name), tp.elem, nestedNames, s.Index(i)); err != nil {
			return err
		}
	}
	v.Set(s)
	return nil
}

func (d *decoder) mapping(n *node, path string, tp *typePlan, names *collNames, v reflect.Value) *awserr.Error {
	wrapper := "entry"
	if names.flat {
		wrapper = ""
	}
	entries, path, err := d.container(n, path, wrapper)
	if err != nil {
		return err
	}
	idx, err := indexes(entries, path)
	if err != nil {
		return err
	}
	m := reflect.MakeMapWithSize(tp.typ, len(idx))
	for _, it := range idx {
		ep := join(path, it.name)
		if it.n.has {
			return awserr.UnknownParameter(echo(ep))
		}
		for _, k := range it.n.sortedKids() {
			if k != names.key && k != names.value {
				return awserr.UnknownParameter(echo(join(ep, k)))
			}
		}
		kn, vn := it.n.kids[names.key], it.n.kids[names.value]
		if kn == nil {
			return awserr.MissingParameter(echo(join(ep, names.key)))
		}
		if vn == nil {
			return awserr.MissingParameter(echo(join(ep, names.value)))
		}
		if kids := kn.sortedKids(); len(kids) > 0 {
			return awserr.UnknownParameter(echo(join(join(ep, names.key), kids[0])))
		}
		ev := reflect.New(tp.typ.Elem()).Elem()
		if err := d.value(vn, join(ep, names.value), tp.elem, nestedNames, ev); err != nil {
			return err
		}
		// A repeated key keeps the value with the highest index.
		m.SetMapIndex(reflect.ValueOf(kn.val).Convert(tp.typ.Key()), ev)
	}
	v.Set(m)
	return nil
}

// scalar parses one parameter value into v (or into a new pointer stored in v).
func (d *decoder) scalar(s, path string, tp *typePlan, v reflect.Value) *awserr.Error {
	t := v
	if tp.ptr {
		t = reflect.New(tp.typ).Elem()
	}
	switch tp.kind {
	case kindString:
		t.SetString(s)
	case kindBool:
		switch {
		case strings.EqualFold(s, "true"):
			t.SetBool(true)
		case strings.EqualFold(s, "false"):
			t.SetBool(false)
		default:
			return invalidValue(s, path, "Boolean")
		}
	case kindInt32, kindInt64:
		bits, want := 32, "Integer"
		if tp.kind == kindInt64 {
			bits, want = 64, "Long"
		}
		i, err := strconv.ParseInt(s, 10, bits)
		if err != nil {
			return invalidValue(s, path, want)
		}
		t.SetInt(i)
	case kindFloat64:
		f, ok := parseDouble(s)
		if !ok {
			return invalidValue(s, path, "Double")
		}
		t.SetFloat(f)
	case kindTime:
		ts, ok := parseTime(s)
		if !ok {
			return invalidValue(s, path, "DateTime")
		}
		t.Set(reflect.ValueOf(ts))
	case kindBlob:
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return invalidValue(s, path, "Base64")
		}
		t.SetBytes(b)
	default:
		return awserr.New(http.StatusInternalServerError, "InternalError", "awsquery: no scalar decoder for %s", tp.typ)
	}
	if tp.ptr {
		v.Set(t.Addr())
	}
	return nil
}

func invalidValue(s, path, want string) *awserr.Error {
	return awserr.InvalidParameterValue("Value (%s) for parameter %s is invalid. Expected: '%s'.", echo(s), echo(path), want)
}

// parseDouble accepts decimal and exponent notation plus the spellings the SDKs
// use for the special values; hex floats and Go-only forms are refused.
func parseDouble(s string) (float64, bool) {
	switch s {
	case "NaN":
		return math.NaN(), true
	case "Infinity":
		return math.Inf(1), true
	case "-Infinity":
		return math.Inf(-1), true
	}
	if s == "" || strings.Trim(s, "0123456789.eE+-") != "" {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil
}

// timeLayouts are tried in order; RFC3339Nano also accepts whole seconds.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999", // no zone: UTC, as botocore sometimes sends
	"2006-01-02",
	time.RFC1123, // the rfc822 timestampFormat
}

// parseTime accepts ISO 8601 with or without fractional seconds and with Z or
// an offset, and epoch seconds with an optional fraction.
func parseTime(s string) (time.Time, bool) {
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	if s == "" || strings.Trim(s, "0123456789.-") != "" {
		return time.Time{}, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.Abs(f) > 1e11 { // beyond year 5000: not a timestamp
		return time.Time{}, false
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(math.Round(frac*1e9))).UTC(), true
}

// echo shortens a client-supplied name or value before it goes into an error
// message, so an error never reflects a megabyte back.
func echo(s string) string {
	const limit = 256
	if len(s) <= limit {
		return s
	}
	cut := limit
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}
