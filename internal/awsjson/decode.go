package awsjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/kumo-cloud/kumo/internal/awserr"
)

// Decode fills in, a pointer to a generated input struct, from the JSON body
// of a request in protocol p. An empty body is an empty object.
//
// Any error is an *awserr.Error: a body that is not JSON, or a value of the
// wrong type, is a 400 SerializationException for awsJson and a
// ValidationException for restJson; missing required members are a 400
// ValidationException listing every one in AWS's wording ("1 validation error
// detected: Value null at 'timePeriod' failed to satisfy constraint: Member
// must not be null"); InternalError when in is not a pointer to a wire struct.
func Decode(p Protocol, body []byte, in any) error {
	if err := decode(p, body, in); err != nil {
		return err
	}
	return nil
}

func decode(p Protocol, body []byte, in any) *awserr.Error {
	rv := reflect.ValueOf(in)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		return awserr.New(http.StatusInternalServerError, "InternalError", "awsjson: cannot decode into %T", in)
	}
	tp, err := planFor(rv.Type().Elem())
	if err != nil {
		return awserr.New(http.StatusInternalServerError, "InternalError", "%v", err)
	}
	d := &decoder{p: p}
	if len(bytes.TrimSpace(body)) == 0 {
		d.structure(nil, "", tp.st, rv.Elem())
		return d.result()
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return d.malformed(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return d.fail("The request body has data after its JSON value.")
	}
	obj, ok := doc.(map[string]any)
	if !ok {
		return d.fail("The request body must be a JSON object, not %s.", describe(doc))
	}
	d.structure(obj, "", tp.st, rv.Elem())
	return d.result()
}

// decoder walks the decoded document against the plan. The first type error
// ends the walk; missing required members are collected, as AWS lists them
// all.
type decoder struct {
	p       Protocol
	err     *awserr.Error
	missing []string
}

func (d *decoder) result() *awserr.Error {
	if d.err != nil {
		return d.err
	}
	if len(d.missing) == 0 {
		return nil
	}
	return validationError(d.missing)
}

// validationError words missing members as AWS's request validation does.
func validationError(paths []string) *awserr.Error {
	var b strings.Builder
	b.WriteString(strconv.Itoa(len(paths)))
	if len(paths) == 1 {
		b.WriteString(" validation error detected: ")
	} else {
		b.WriteString(" validation errors detected: ")
	}
	for i, p := range paths {
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "Value null at '%s' failed to satisfy constraint: Member must not be null", p)
	}
	return awserr.BadRequest("ValidationException", "%s", b.String())
}

// fail records a type error in the protocol's code.
func (d *decoder) fail(format string, args ...any) *awserr.Error {
	code := "SerializationException"
	if d.p == RESTJSON {
		code = "ValidationException"
	}
	if d.err == nil {
		d.err = awserr.BadRequest(code, format, args...)
	}
	return d.err
}

func (d *decoder) malformed(err error) *awserr.Error {
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		return d.fail("The request body is not valid JSON: %s at offset %d.", syn.Error(), syn.Offset)
	}
	return d.fail("The request body is not valid JSON.")
}

func (d *decoder) typeError(path, want string, got any) {
	d.fail("Expected %s at '%s', found %s.", want, echo(path), describe(got))
}

// join builds the member paths of error messages: dotted, lowerCamel, with
// list elements as name.N.member, as AWS's validation messages write them.
func join(path, name string) string {
	name = lowerFirst(name)
	if path == "" {
		return name
	}
	return path + "." + name
}

func lowerFirst(s string) string {
	if s != "" && s[0] >= 'A' && s[0] <= 'Z' {
		return string(s[0]+'a'-'A') + s[1:]
	}
	return s
}

func (d *decoder) structure(obj map[string]any, path string, sp *structPlan, v reflect.Value) {
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	slices.Sort(keys) // the first error reported does not depend on map order
	for _, k := range keys {
		f := sp.byKey[k]
		val := obj[k]
		if f == nil || val == nil {
			continue // unknown members and nulls are ignored
		}
		if d.value(val, join(path, f.key), f.t, f.ts, v.Field(f.index)); d.err != nil {
			return
		}
	}
	// Required members are checked only in structures that were sent at all,
	// which is how AWS treats optional structures with required children.
	for _, f := range sp.required {
		switch fv := v.Field(f.index); fv.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Map:
			if fv.IsNil() {
				d.missing = append(d.missing, join(path, f.key))
			}
		}
	}
}

// value decodes one JSON value into v, whose type tp describes.
func (d *decoder) value(val any, path string, tp *typePlan, ts string, v reflect.Value) {
	switch tp.kind {
	case kindStruct:
		obj, ok := val.(map[string]any)
		if !ok {
			d.typeError(path, "an object", val)
			return
		}
		if tp.ptr {
			v.Set(reflect.New(tp.typ))
			v = v.Elem()
		}
		d.structure(obj, path, tp.st, v)
	case kindList:
		arr, ok := val.([]any)
		if !ok {
			d.typeError(path, "an array", val)
			return
		}
		s := reflect.MakeSlice(tp.typ, 0, len(arr))
		for i, el := range arr {
			if el == nil {
				continue
			}
			ev := reflect.New(tp.typ.Elem()).Elem()
			if d.value(el, fmt.Sprintf("%s.%d.member", path, i+1), tp.elem, ts, ev); d.err != nil {
				return
			}
			s = reflect.Append(s, ev)
		}
		v.Set(s)
	case kindMap:
		obj, ok := val.(map[string]any)
		if !ok {
			d.typeError(path, "an object", val)
			return
		}
		m := reflect.MakeMapWithSize(tp.typ, len(obj))
		for k, el := range obj {
			if el == nil {
				continue
			}
			ev := reflect.New(tp.typ.Elem()).Elem()
			if d.value(el, path+"."+echo(k)+".member", tp.elem, ts, ev); d.err != nil {
				return
			}
			m.SetMapIndex(reflect.ValueOf(k).Convert(tp.typ.Key()), ev)
		}
		v.Set(m)
	default:
		d.scalar(val, path, tp, ts, v)
	}
}
