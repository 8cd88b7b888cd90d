package awsquery

import (
	"cmp"
	"encoding/base64"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"time"
	"unsafe"
)

// encoder writes struct members as XML elements; ec2 selects the EC2 flavour
// (lowerCamel names, <item> list elements, millisecond timestamps).
type encoder struct {
	x   *xmlWriter
	ec2 bool
}

// body resolves out (nil, or a pointer to a wire struct) to its plan and value.
func body(out any) (*structPlan, reflect.Value, error) {
	if out == nil {
		return nil, reflect.Value{}, nil
	}
	v := reflect.ValueOf(out)
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return nil, reflect.Value{}, nil
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return nil, reflect.Value{}, fmt.Errorf("awsquery: cannot encode %T", out)
	}
	tp, err := planFor(v.Type())
	if err != nil {
		return nil, reflect.Value{}, err
	}
	return tp.st, v, nil
}

func (e *encoder) fields(sp *structPlan, v reflect.Value) {
	// Most fields of a big output (Instance has ~90) are nil. Checking the
	// pointer word in place skips them without building a reflect.Value, which
	// halves the cost of a DescribeInstances page.
	var base unsafe.Pointer
	if v.CanAddr() {
		base = v.Addr().UnsafePointer()
	}
	for _, f := range sp.fields {
		if base != nil && f.nilable && *(*unsafe.Pointer)(unsafe.Add(base, f.offset)) == nil {
			continue
		}
		name := f.queryElem
		if e.ec2 {
			name = f.ec2Elem
		}
		e.member(name, f.t, &f.coll, f.ts, v.Field(f.index))
	}
}

// member writes one value as element name. Nil pointers, slices and maps are
// omitted; an empty but non-nil list is an empty wrapper, which is what AWS
// sends for an empty result set.
func (e *encoder) member(name string, tp *typePlan, names *collNames, ts string, v reflect.Value) {
	if tp.ptr {
		if v.IsNil() {
			return
		}
		v = v.Elem()
	}
	switch tp.kind {
	case kindList:
		e.list(name, tp, names, ts, v)
	case kindMap:
		e.mapping(name, tp, names, ts, v)
	case kindStruct:
		e.x.open(name)
		e.fields(tp.st, v)
		e.x.close(name)
	default:
		if tp.kind == kindBlob && v.IsNil() {
			return
		}
		e.x.open(name)
		e.scalar(tp, ts, v)
		e.x.close(name)
	}
}

func (e *encoder) list(name string, tp *typePlan, names *collNames, ts string, v reflect.Value) {
	if v.IsNil() {
		return
	}
	if !e.ec2 && names.flat {
		for i := range v.Len() {
			e.member(name, tp.elem, nestedNames, ts, v.Index(i))
		}
		return
	}
	if v.Len() == 0 {
		e.x.empty(name)
		return
	}
	item := "item"
	if !e.ec2 {
		item = cmp.Or(names.member, "member")
	}
	e.x.open(name)
	for i := range v.Len() {
		e.member(item, tp.elem, nestedNames, ts, v.Index(i))
	}
	e.x.close(name)
}

// mapping writes map entries sorted by key so that responses are stable.
func (e *encoder) mapping(name string, tp *typePlan, names *collNames, ts string, v reflect.Value) {
	if v.IsNil() {
		return
	}
	keys := v.MapKeys()
	slices.SortFunc(keys, func(a, b reflect.Value) int { return cmp.Compare(a.String(), b.String()) })
	entry := func(k reflect.Value) {
		e.x.element(names.key, k.String())
		e.member(names.value, tp.elem, nestedNames, ts, v.MapIndex(k))
	}
	if names.flat {
		for _, k := range keys {
			e.x.open(name)
			entry(k)
			e.x.close(name)
		}
		return
	}
	if len(keys) == 0 {
		e.x.empty(name)
		return
	}
	e.x.open(name)
	for _, k := range keys {
		e.x.open("entry")
		entry(k)
		e.x.close("entry")
	}
	e.x.close(name)
}

func (e *encoder) scalar(tp *typePlan, ts string, v reflect.Value) {
	b := e.x.buf
	switch tp.kind {
	case kindString:
		b = appendEscaped(b, v.String())
	case kindBool:
		b = strconv.AppendBool(b, v.Bool())
	case kindInt32, kindInt64:
		b = strconv.AppendInt(b, v.Int(), 10)
	case kindFloat64:
		b = appendDouble(b, v.Float())
	case kindTime:
		b = e.appendTime(b, ts, timeOf(v))
	case kindBlob:
		b = base64.StdEncoding.AppendEncode(b, v.Bytes())
	}
	e.x.buf = b
}

// timeOf avoids the allocation of v.Interface() for addressable values, which
// every generated *time.Time field is.
func timeOf(v reflect.Value) time.Time {
	if v.CanAddr() {
		return *v.Addr().Interface().(*time.Time)
	}
	return v.Interface().(time.Time)
}

func (e *encoder) appendTime(b []byte, format string, t time.Time) []byte {
	t = t.UTC()
	switch format {
	case "unixTimestamp":
		return strconv.AppendFloat(b, float64(t.UnixMilli())/1e3, 'f', -1, 64)
	case "rfc822":
		return t.AppendFormat(b, "Mon, 02 Jan 2006 15:04:05 GMT")
	}
	return appendISO8601(b, t, e.ec2)
}

// appendISO8601 writes 2006-01-02T15:04:05Z, or 2006-01-02T15:04:05.000Z with
// millis, for t in UTC; a fixed layout needs none of time.AppendFormat's
// parsing, and timestamps are in every instance of a Describe page.
func appendISO8601(b []byte, t time.Time, millis bool) []byte {
	year, month, day := t.Date()
	if year < 0 || year > 9999 {
		return t.AppendFormat(b, time.RFC3339) // let time deal with the odd cases
	}
	hour, minute, sec := t.Clock()
	b = appendDigits(b, year, 4)
	b = append(b, '-')
	b = appendDigits(b, int(month), 2)
	b = append(b, '-')
	b = appendDigits(b, day, 2)
	b = append(b, 'T')
	b = appendDigits(b, hour, 2)
	b = append(b, ':')
	b = appendDigits(b, minute, 2)
	b = append(b, ':')
	b = appendDigits(b, sec, 2)
	if millis {
		b = append(b, '.')
		b = appendDigits(b, t.Nanosecond()/1e6, 3)
	}
	return append(b, 'Z')
}

func appendDigits(b []byte, v, width int) []byte {
	var d [4]byte
	for i := width - 1; i >= 0; i-- {
		d[i] = byte('0' + v%10)
		v /= 10
	}
	return append(b, d[:width]...)
}

// appendDouble writes plain decimals in the usual range and exponents outside
// it, and the SDK spellings of the special values.
func appendDouble(b []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, "NaN"...)
	case math.IsInf(f, 1):
		return append(b, "Infinity"...)
	case math.IsInf(f, -1):
		return append(b, "-Infinity"...)
	}
	if a := math.Abs(f); a != 0 && (a < 1e-6 || a >= 1e21) {
		return strconv.AppendFloat(b, f, 'e', -1, 64)
	}
	return strconv.AppendFloat(b, f, 'f', -1, 64)
}
