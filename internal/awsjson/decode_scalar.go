package awsjson

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"reflect"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/kumo-cloud/kumo/internal/awserr"
)

// scalar decodes one JSON scalar into v (or into a new pointer stored in v).
func (d *decoder) scalar(val any, path string, tp *typePlan, ts string, v reflect.Value) {
	t := v
	if tp.ptr {
		t = reflect.New(tp.typ).Elem()
	}
	switch tp.kind {
	case kindString:
		s, ok := val.(string)
		if !ok {
			d.typeError(path, "a string", val)
			return
		}
		t.SetString(s)
	case kindBool:
		b, ok := val.(bool)
		if !ok {
			d.typeError(path, "a boolean", val)
			return
		}
		t.SetBool(b)
	case kindInt32, kindInt64:
		bits, want := 32, "an integer"
		if tp.kind == kindInt64 {
			bits, want = 64, "a long integer"
		}
		n, ok := val.(json.Number)
		if !ok {
			d.typeError(path, want, val)
			return
		}
		i, err := strconv.ParseInt(string(n), 10, bits)
		if err != nil {
			d.fail("Expected %s at '%s', found %s.", want, echo(path), echo(string(n)))
			return
		}
		t.SetInt(i)
	case kindFloat64:
		f, ok := parseDouble(val)
		if !ok {
			d.typeError(path, "a number", val)
			return
		}
		t.SetFloat(f)
	case kindTime:
		tm, ok := parseTime(val)
		if !ok {
			d.typeError(path, "a timestamp", val)
			return
		}
		t.Set(reflect.ValueOf(tm))
	case kindBlob:
		s, ok := val.(string)
		var b []byte
		var err error
		if ok {
			b, err = base64.StdEncoding.DecodeString(s)
		}
		if !ok || err != nil {
			d.typeError(path, "a base64 string", val)
			return
		}
		t.SetBytes(b)
	default:
		d.err = awserr.New(http.StatusInternalServerError, "InternalError", "awsjson: no scalar decoder for %s", tp.typ)
		return
	}
	if tp.ptr {
		v.Set(t.Addr())
	}
}

// parseDouble accepts a JSON number or the strings the Smithy JSON protocols
// use for the special values.
func parseDouble(val any) (float64, bool) {
	switch x := val.(type) {
	case json.Number:
		f, err := strconv.ParseFloat(string(x), 64)
		return f, err == nil
	case string:
		switch x {
		case "NaN":
			return math.NaN(), true
		case "Infinity":
			return math.Inf(1), true
		case "-Infinity":
			return math.Inf(-1), true
		}
	}
	return 0, false
}

// parseTime accepts epoch seconds (a number, with an optional fraction) and
// the date-time and http-date strings of the other timestampFormats, whatever
// the member's format: what a client meant is never in doubt.
func parseTime(val any) (time.Time, bool) {
	switch x := val.(type) {
	case json.Number:
		f, err := strconv.ParseFloat(string(x), 64)
		if err != nil || math.IsNaN(f) || math.Abs(f) > 1e11 { // beyond year 5000: not a timestamp
			return time.Time{}, false
		}
		sec, frac := math.Modf(f)
		return time.Unix(int64(sec), int64(math.Round(frac*1e9))).UTC(), true
	case string:
		for _, layout := range []string{time.RFC3339Nano, time.RFC1123} {
			if t, err := time.Parse(layout, x); err == nil {
				return t.UTC(), true
			}
		}
	}
	return time.Time{}, false
}

// describe names the JSON type of a decoded value for error messages.
func describe(val any) string {
	switch val.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	case string:
		return "a string"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", val)
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
