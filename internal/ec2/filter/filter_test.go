package filter

import (
	"testing"

	"github.com/kumo-cloud/kumo/internal/awserr"
)

func TestWildcard(t *testing.T) {
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"abc", "abc", true},
		{"abc", "abd", false},
		{"a*", "abc", true},
		{"*c", "abc", true},
		{"a*c", "abbbc", true},
		{"a?c", "abc", true},
		{"a?c", "ac", false},
		{"*", "", true},
		{"", "", true},
		{"", "a", false},
		{`a\*`, "a*", true},
		{`a\*`, "ab", false},
		{`a\?`, "a?", true},
		{"*a*b*c*", "xxaxxbxxcxx", true},
		{"*a*b*c*", "xxaxxcxxbxx", false},
		{"my-key-*", "my-key-1", true},
		{"ключ*", "ключ-1", true},
		{"a**", "a", true},
	}
	for _, tt := range tests {
		if got := Wildcard(tt.pattern, tt.s); got != tt.want {
			t.Errorf("Wildcard(%q, %q) = %v, want %v", tt.pattern, tt.s, got, tt.want)
		}
	}
}

func TestSet(t *testing.T) {
	fields := func(name string) []string {
		return map[string][]string{"key-name": {"prod-web"}, "key-pair-id": {"key-0123"}}[name]
	}
	tags := map[string]string{"env": "prod", "team": "web"}
	tests := []struct {
		name    string
		filters []Filter
		want    bool
	}{
		{"none", nil, true},
		{"exact", []Filter{{"key-name", []string{"prod-web"}}}, true},
		{"or values", []Filter{{"key-name", []string{"x", "prod-*"}}}, true},
		{"and filters", []Filter{{"key-name", []string{"prod-web"}}, {"key-pair-id", []string{"nope"}}}, false},
		{"tag", []Filter{{"tag:env", []string{"prod"}}}, true},
		{"tag wildcard", []Filter{{"tag:env", []string{"pr*"}}}, true},
		{"tag missing key", []Filter{{"tag:owner", []string{"*"}}}, false},
		{"tag-key", []Filter{{"tag-key", []string{"team"}}}, true},
		{"tag-value", []Filter{{"tag-value", []string{"web"}}}, true},
		{"tag-value miss", []Filter{{"tag-value", []string{"dev"}}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := New(tt.filters, []string{"key-name", "key-pair-id"}, true)
			if err != nil {
				t.Fatal(err)
			}
			if got := s.Match(fields, tags); got != tt.want {
				t.Errorf("Match = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestNewRejectsUnknownFilter(t *testing.T) {
	for _, f := range []Filter{{"bogus", []string{"x"}}, {"tag:", []string{"x"}}, {"", []string{"x"}}} {
		_, err := New([]Filter{f}, []string{"key-name"}, true)
		if e, ok := awserr.As(err); !ok || e.Code != "InvalidParameterValue" {
			t.Errorf("New(%q) = %v, want InvalidParameterValue", f.Name, err)
		}
	}
	if _, err := New([]Filter{{"tag:env", []string{"x"}}}, nil, false); err == nil {
		t.Error("tag filter on an untaggable resource: want error")
	}
}
