package awsjson

import (
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kumo-cloud/kumo/internal/awserr"
)

// Test types cover every wire kind; Node is recursive as ce's Expression is.
type (
	Node struct {
		Name  *string `aws:"Name,req"`
		Kids  []Node  `aws:"Kids"`
		Inner *Node   `aws:"Inner"`
	}
	Wire struct {
		Str    *string            `aws:"Str"`
		Loc    *string            `aws:"Loc,loc=renamed"`
		Bool   *bool              `aws:"Bool"`
		I32    *int32             `aws:"I32"`
		I64    *int64             `aws:"I64"`
		F64    *float64           `aws:"F64"`
		Epoch  *time.Time         `aws:"Epoch"`
		ISO    *time.Time         `aws:"ISO,ts=iso8601"`
		HTTP   *time.Time         `aws:"HTTP,ts=rfc822"`
		Blob   []byte             `aws:"Blob"`
		List   []string           `aws:"List"`
		Map    map[string]string  `aws:"Map"`
		Times  []time.Time        `aws:"Times,ts=iso8601"`
		Nodes  map[string][]*Node `aws:"Nodes"`
		Node   *Node              `aws:"Node"`
		Needed *string            `aws:"needed,req"`
		plain  int
	}
)

func ptr[T any](v T) *T { return &v }

var (
	t0   = time.Date(2024, 3, 1, 12, 30, 0, 0, time.UTC)
	t0ms = t0.Add(250 * time.Millisecond)
)

func TestDecode(t *testing.T) {
	for _, tc := range []struct {
		name string
		body string
		want Wire
	}{
		{"scalars", `{"needed":"x","Str":"s","renamed":"l","Bool":true,"I32":-7,"I64":9007199254740993,"F64":1.5,"Blob":"aGk="}`,
			Wire{Needed: ptr("x"), Str: ptr("s"), Loc: ptr("l"), Bool: ptr(true), I32: ptr[int32](-7), I64: ptr[int64](9007199254740993), F64: ptr(1.5), Blob: []byte("hi")}},
		{"timestamps in every form", `{"needed":"x","Epoch":1709296200.25,"ISO":"2024-03-01T12:30:00Z","HTTP":"Fri, 01 Mar 2024 12:30:00 GMT","Times":["2024-03-01T12:30:00.250Z",1709296200]}`,
			Wire{Needed: ptr("x"), Epoch: &t0ms, ISO: &t0, HTTP: &t0, Times: []time.Time{t0ms, t0}}},
		{"special doubles", `{"needed":"x","F64":"-Infinity"}`, Wire{Needed: ptr("x"), F64: ptr(math.Inf(-1))}},
		{"collections, nulls dropped", `{"needed":"x","List":["a",null,"b"],"Map":{"k":"v","n":null},"Nodes":{"t":[{"Name":"n"}]}}`,
			Wire{Needed: ptr("x"), List: []string{"a", "b"}, Map: map[string]string{"k": "v"}, Nodes: map[string][]*Node{"t": {{Name: ptr("n")}}}}},
		{"empty collections are set", `{"needed":"x","List":[],"Map":{}}`, Wire{Needed: ptr("x"), List: []string{}, Map: map[string]string{}}},
		{"recursion", `{"needed":"x","Node":{"Name":"a","Kids":[{"Name":"b","Inner":{"Name":"c"}}]}}`,
			Wire{Needed: ptr("x"), Node: &Node{Name: ptr("a"), Kids: []Node{{Name: ptr("b"), Inner: &Node{Name: ptr("c")}}}}}},
		{"unknown members and nulls ignored", `{"needed":"x","Bogus":{"deep":[1,2]},"Str":null,"plain":3,"Loc":"not the key"}`, Wire{Needed: ptr("x")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got Wire
			if err := Decode(JSON11, []byte(tc.body), &got); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(Wire{}), cmp.Comparer(func(a, b float64) bool {
				return a == b || math.IsNaN(a) && math.IsNaN(b)
			})); diff != "" {
				t.Errorf("-want +got:\n%s", diff)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		p          Protocol
		code, msg  string
	}{
		{"not json", `{"needed":`, JSON11, "SerializationException", "not valid JSON"},
		{"not an object", `["needed"]`, JSON11, "SerializationException", "must be a JSON object, not an array"},
		{"trailing data", `{"needed":"x"} {}`, JSON11, "SerializationException", "data after its JSON value"},
		{"string for int", `{"needed":"x","I32":"7"}`, JSON11, "SerializationException", "Expected an integer at 'i32', found a string."},
		{"fraction for int", `{"needed":"x","I64":1.5}`, JSON11, "SerializationException", "Expected a long integer at 'i64', found 1.5."},
		{"int32 overflow", `{"needed":"x","I32":2147483648}`, JSON11, "SerializationException", "'i32'"},
		{"number for string", `{"needed":"x","Str":1}`, JSON11, "SerializationException", "Expected a string at 'str', found a number."},
		{"nested path", `{"needed":"x","Node":{"Name":"a","Kids":[{"Name":"b"},{"Name":false}]}}`, JSON11, "SerializationException", "at 'node.kids.2.member.name'"},
		{"bad base64", `{"needed":"x","Blob":"%%%"}`, JSON11, "SerializationException", "a base64 string"},
		{"bad timestamp", `{"needed":"x","Epoch":"yesterday"}`, JSON11, "SerializationException", "a timestamp"},
		{"restJson type error", `{"needed":1}`, RESTJSON, "ValidationException", "Expected a string at 'needed'"},
		{"missing required", `{}`, JSON11, "ValidationException",
			"1 validation error detected: Value null at 'needed' failed to satisfy constraint: Member must not be null"},
		{"empty body misses required too", ``, RESTJSON, "ValidationException", "Value null at 'needed'"},
		{"required null", `{"needed":null}`, JSON11, "ValidationException", "Value null at 'needed'"},
		{"every missing member listed", `{"Node":{"Kids":[{}]}}`, JSON11, "ValidationException",
			"3 validation errors detected: Value null at 'node.kids.1.member.name' failed to satisfy constraint: Member must not be null; " +
				"Value null at 'node.name' failed to satisfy constraint: Member must not be null; " +
				"Value null at 'needed' failed to satisfy constraint: Member must not be null"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got Wire
			err := Decode(tc.p, []byte(tc.body), &got)
			ae, ok := awserr.As(err)
			if !ok || ae.Code != tc.code || ae.Status != http.StatusBadRequest || !strings.Contains(ae.Message, tc.msg) {
				t.Errorf("Decode(%s) = %v, want 400 %s containing %q", tc.body, err, tc.code, tc.msg)
			}
		})
	}
}

func TestDecodeNotAWireStruct(t *testing.T) {
	var s string
	if ae, _ := awserr.As(Decode(JSON11, []byte(`{}`), &s)); ae == nil || ae.Code != "InternalError" {
		t.Errorf("decode into *string: %v", ae)
	}
	type bad struct {
		X *string `aws:"X,qn=Y"`
	}
	if ae, _ := awserr.As(Decode(JSON11, []byte(`{}`), &bad{})); ae == nil || ae.Code != "InternalError" {
		t.Errorf("a query tag option must be refused: %v", ae)
	}
}

func TestMarshal(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   any
		want string
	}{
		{"nil", nil, `{}`},
		{"nil pointer", (*Wire)(nil), `{}`},
		{"unset members omitted", &Wire{}, `{}`},
		{"model order and keys", &Wire{Needed: ptr("n"), Loc: ptr("l"), Str: ptr("s")}, `{"Str":"s","renamed":"l","needed":"n"}`},
		{"scalars", &Wire{Bool: ptr(false), I32: ptr[int32](0), I64: ptr[int64](-1), F64: ptr(0.1), Blob: []byte("hi")},
			`{"Bool":false,"I32":0,"I64":-1,"F64":0.1,"Blob":"aGk="}`},
		{"timestamps", &Wire{Epoch: &t0ms, ISO: &t0ms, HTTP: &t0, Times: []time.Time{t0}},
			`{"Epoch":1709296200.25,"ISO":"2024-03-01T12:30:00.25Z","HTTP":"Fri, 01 Mar 2024 12:30:00 GMT","Times":["2024-03-01T12:30:00Z"]}`},
		{"whole seconds", &Wire{Epoch: &t0}, `{"Epoch":1709296200}`},
		{"special and large doubles", &Wire{F64: ptr(math.NaN())}, `{"F64":"NaN"}`},
		{"exponent", &Wire{F64: ptr(1e300)}, `{"F64":1e+300}`},
		{"empty collections written", &Wire{List: []string{}, Map: map[string]string{}}, `{"List":[],"Map":{}}`},
		{"maps sorted", &Wire{Map: map[string]string{"b": "2", "a": "1"}}, `{"Map":{"a":"1","b":"2"}}`},
		{"escaping", &Wire{Str: ptr("q\"b\\n\n\x01<é>\xff")}, `{"Str":"q\"b\\n\n\u0001<é>\ufffd"}`},
		{"nested", &Wire{Nodes: map[string][]*Node{"k": {{Name: ptr("a"), Kids: []Node{{Name: ptr("b")}}}, nil}}},
			`{"Nodes":{"k":[{"Name":"a","Kids":[{"Name":"b"}]},null]}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Marshal(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Errorf("Marshal = %s\n          want %s", got, tc.want)
			}
		})
	}
}

// What Marshal writes, Decode reads back unchanged.
func TestRoundTrip(t *testing.T) {
	in := Wire{Needed: ptr("n"), Str: ptr("ü\"\n"), Bool: ptr(true), I64: ptr[int64](math.MaxInt64), F64: ptr(-2.5e-9),
		Epoch: &t0ms, ISO: &t0ms, HTTP: &t0, Blob: []byte{0, 1, 255}, List: []string{"x"},
		Node: &Node{Name: ptr("a"), Inner: &Node{Name: ptr("b")}}}
	b, err := Marshal(&in)
	if err != nil {
		t.Fatal(err)
	}
	var out Wire
	if err := Decode(JSON10, b, &out); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(in, out, cmp.AllowUnexported(Wire{})); diff != "" {
		t.Errorf("round trip of %s (-in +out):\n%s", b, diff)
	}
}

func TestWriteError(t *testing.T) {
	e := awserr.BadRequest("ValidationException", `bad "x"`)
	for _, tc := range []struct {
		p        Protocol
		body, ct string
	}{
		{JSON11, `{"__type":"ValidationException","message":"bad \"x\""}`, "application/x-amz-json-1.1"},
		{JSON10, `{"__type":"ValidationException","message":"bad \"x\""}`, "application/x-amz-json-1.0"},
		{RESTJSON, `{"message":"bad \"x\""}`, "application/json"},
	} {
		t.Run(tc.p.String(), func(t *testing.T) {
			s := &Service{Protocol: tc.p}
			var b strings.Builder
			h := http.Header{}
			s.SetErrorHeaders(h, e)
			s.WriteError(&b, e, "rid")
			if b.String() != tc.body || h.Get("Content-Type") != tc.ct || h.Get("X-Amzn-ErrorType") != "ValidationException" {
				t.Errorf("got %s %v, want %s with %s", b.String(), h, tc.body, tc.ct)
			}
		})
	}
}
