package tags

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/kumo-cloud/kumo/internal/awserr"
)

// errCode is the AWS code of err, "" for nil.
func errCode(err error) string {
	if err == nil {
		return ""
	}
	if e, ok := awserr.As(err); ok {
		return e.Code
	}
	return "not an awserr: " + err.Error()
}

func numbered(n int) map[string]string {
	m := map[string]string{}
	for i := range n {
		m[fmt.Sprintf("k%02d", i)] = "v"
	}
	return m
}

func list(m map[string]string) []Tag { return Sorted(m) }

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		tags []Tag
		want string
	}{
		{"none", nil, ""},
		{"plain", []Tag{{"Name", "web"}, {"env", ""}}, ""},
		{"key of 128", []Tag{{strings.Repeat("k", 128), "v"}}, ""},
		{"key of 128 runes in 256 bytes", []Tag{{strings.Repeat("é", 128), "v"}}, ""},
		{"key of 129", []Tag{{strings.Repeat("k", 129), "v"}}, "InvalidParameterValue"},
		{"value of 256", []Tag{{"k", strings.Repeat("v", 256)}}, ""},
		{"value of 256 runes", []Tag{{"k", strings.Repeat("ü", 256)}}, ""},
		{"value of 257", []Tag{{"k", strings.Repeat("v", 257)}}, "InvalidParameterValue"},
		{"empty key", []Tag{{"", "v"}}, "InvalidParameterValue"},
		{"aws: prefix", []Tag{{"aws:cloudformation:stack-id", "v"}}, "InvalidParameterValue"},
		{"AwS: prefix", []Tag{{"AwS:x", "v"}}, "InvalidParameterValue"},
		{"aws without colon", []Tag{{"awsome", "v"}}, ""},
		{"aws: inside", []Tag{{"my-aws:x", "v"}}, ""},
		{"bad one after good ones", []Tag{{"a", "1"}, {"aws:b", "2"}}, "InvalidParameterValue"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := errCode(Validate(tt.tags)); got != tt.want {
				t.Errorf("Validate = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestApply(t *testing.T) {
	tests := []struct {
		name string
		have map[string]string
		add  []Tag
		want map[string]string
		err  string
	}{
		{"to nothing", nil, []Tag{{"a", "1"}}, map[string]string{"a": "1"}, ""},
		{"adds", map[string]string{"a": "1"}, []Tag{{"b", "2"}}, map[string]string{"a": "1", "b": "2"}, ""},
		{"overwrites", map[string]string{"a": "1"}, []Tag{{"a", "2"}}, map[string]string{"a": "2"}, ""},
		{"last of a key wins", nil, []Tag{{"a", "1"}, {"a", "2"}}, map[string]string{"a": "2"}, ""},
		{"empty value", map[string]string{"a": "1"}, []Tag{{"a", ""}}, map[string]string{"a": ""}, ""},
		{"fifty", numbered(49), []Tag{{"z", "v"}}, func() map[string]string { m := numbered(49); m["z"] = "v"; return m }(), ""},
		{"fifty-one", numbered(50), []Tag{{"z", "v"}}, nil, "TagLimitExceeded"},
		{"fifty-one at once", nil, list(numbered(51)), nil, "TagLimitExceeded"},
		{"overwrite at fifty", numbered(50), []Tag{{"k00", "w"}}, func() map[string]string { m := numbered(50); m["k00"] = "w"; return m }(), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := map[string]string{}
			for k, v := range tt.have {
				before[k] = v
			}
			got, err := Apply(tt.have, tt.add)
			if errCode(err) != tt.err {
				t.Fatalf("err %v, want %q", err, tt.err)
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(before, tt.have, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Apply modified its input (-before +after):\n%s", diff)
			}
		})
	}
}

func TestForType(t *testing.T) {
	kv := []Tag{{"k", "v"}}
	tests := []struct {
		name    string
		specs   []Spec
		typ     string
		creates []string
		want    map[string]string
		err     string
	}{
		{"none", nil, "key-pair", []string{"key-pair"}, nil, ""},
		{"one", []Spec{{"key-pair", kv}}, "key-pair", []string{"key-pair"}, map[string]string{"k": "v"}, ""},
		{"wrong type", []Spec{{"instance", kv}}, "key-pair", []string{"key-pair"}, nil, "InvalidParameterValue"},
		{"missing type", []Spec{{"", kv}}, "key-pair", []string{"key-pair"}, nil, "MissingParameter"},
		{"two specs merge", []Spec{{"key-pair", kv}, {"key-pair", []Tag{{"k", "w"}, {"j", "x"}}}}, "key-pair", []string{"key-pair"},
			map[string]string{"k": "w", "j": "x"}, ""},
		{"other created type is skipped", []Spec{{"volume", kv}, {"instance", []Tag{{"a", "b"}}}}, "instance", []string{"instance", "volume"},
			map[string]string{"a": "b"}, ""},
		{"other created type is still validated", []Spec{{"volume", []Tag{{"aws:x", "v"}}}}, "instance", []string{"instance", "volume"}, nil, "InvalidParameterValue"},
		{"bad tag", []Spec{{"key-pair", []Tag{{strings.Repeat("k", 129), "v"}}}}, "key-pair", []string{"key-pair"}, nil, "InvalidParameterValue"},
		{"over fifty", []Spec{{"key-pair", list(numbered(30))}, {"key-pair", list(map[string]string{"z1": "", "z2": ""})}, {"key-pair", list(numbered(51))}},
			"key-pair", []string{"key-pair"}, nil, "TagLimitExceeded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ForType(tt.specs, tt.typ, tt.creates...)
			if errCode(err) != tt.err {
				t.Fatalf("err %v, want %q", err, tt.err)
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestSorted(t *testing.T) {
	tests := []struct {
		name string
		in   map[string]string
		want []Tag
	}{
		{"nil", nil, []Tag{}},
		{"byte order", map[string]string{"b": "2", "a": "1", "B": "3", "": "e"}, []Tag{{"", "e"}, {"B", "3"}, {"a", "1"}, {"b", "2"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, Sorted(tt.in)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
