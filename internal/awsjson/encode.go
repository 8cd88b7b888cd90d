package awsjson

import (
	"cmp"
	"encoding/base64"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
)

// Marshal returns the JSON body of out: nil, or a pointer to a generated
// output struct. Members are written in model order under their JSON keys;
// nil pointers, slices and maps are left out, while an empty non-nil list or
// map is written ([] or {}), which is what AWS sends for an empty result.
func Marshal(out any) ([]byte, error) {
	b := make([]byte, 0, 512)
	if out == nil {
		return append(b, "{}"...), nil
	}
	v := reflect.ValueOf(out)
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return append(b, "{}"...), nil
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return nil, fmt.Errorf("awsjson: cannot encode %T", out)
	}
	tp, err := planFor(v.Type())
	if err != nil {
		return nil, err
	}
	return appendStruct(b, tp.st, v), nil
}

func appendStruct(b []byte, sp *structPlan, v reflect.Value) []byte {
	b = append(b, '{')
	first := true
	for _, f := range sp.fields {
		fv := v.Field(f.index)
		if omitted(fv) {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = appendString(b, f.key)
		b = append(b, ':')
		b = appendValue(b, f.t, f.ts, fv)
	}
	return append(b, '}')
}

// omitted reports an unset member: a nil pointer, slice, map or blob.
func omitted(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Map:
		return v.IsNil()
	}
	return false
}

func appendValue(b []byte, tp *typePlan, ts string, v reflect.Value) []byte {
	if tp.ptr {
		if v.IsNil() {
			return append(b, "null"...)
		}
		v = v.Elem()
	}
	switch tp.kind {
	case kindStruct:
		return appendStruct(b, tp.st, v)
	case kindList:
		b = append(b, '[')
		for i := range v.Len() {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendValue(b, tp.elem, ts, v.Index(i))
		}
		return append(b, ']')
	case kindMap:
		keys := v.MapKeys()
		slices.SortFunc(keys, func(x, y reflect.Value) int { return cmp.Compare(x.String(), y.String()) })
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, k.String())
			b = append(b, ':')
			b = appendValue(b, tp.elem, ts, v.MapIndex(k))
		}
		return append(b, '}')
	case kindString:
		return appendString(b, v.String())
	case kindBool:
		return strconv.AppendBool(b, v.Bool())
	case kindInt32, kindInt64:
		return strconv.AppendInt(b, v.Int(), 10)
	case kindFloat64:
		return appendDouble(b, v.Float())
	case kindTime:
		return appendTime(b, ts, v.Interface().(time.Time))
	case kindBlob:
		b = append(b, '"')
		b = base64.StdEncoding.AppendEncode(b, v.Bytes())
		return append(b, '"')
	}
	return append(b, "null"...)
}

// appendTime writes epoch seconds as a number (with milliseconds when there
// are any) unless the member's timestampFormat asks for a string.
func appendTime(b []byte, format string, t time.Time) []byte {
	t = t.UTC()
	switch format {
	case "iso8601":
		b = append(b, '"')
		b = t.AppendFormat(b, "2006-01-02T15:04:05.999Z07:00")
		return append(b, '"')
	case "rfc822":
		b = append(b, '"')
		b = t.AppendFormat(b, "Mon, 02 Jan 2006 15:04:05 GMT")
		return append(b, '"')
	}
	return strconv.AppendFloat(b, float64(t.UnixMilli())/1e3, 'f', -1, 64)
}

// appendDouble writes plain decimals in the usual range and exponents outside
// it, and the special values as the strings the Smithy JSON protocols use.
func appendDouble(b []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, `"NaN"`...)
	case math.IsInf(f, 1):
		return append(b, `"Infinity"`...)
	case math.IsInf(f, -1):
		return append(b, `"-Infinity"`...)
	}
	if a := math.Abs(f); a != 0 && (a < 1e-6 || a >= 1e21) {
		return strconv.AppendFloat(b, f, 'e', -1, 64)
	}
	return strconv.AppendFloat(b, f, 'f', -1, 64)
}

// appendString writes s as a JSON string: quotes, backslashes and control
// characters escaped, invalid UTF-8 replaced by U+FFFD as encoding/json does.
func appendString(b []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, `\ufffd`...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}
