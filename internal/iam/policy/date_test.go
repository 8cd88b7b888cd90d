package policy

import (
	"testing"
	"time"
)

func TestParseDate(t *testing.T) {
	utc := func(y, mo, d, h, mi, s, ns int) time.Time {
		return time.Date(y, time.Month(mo), d, h, mi, s, ns, time.UTC)
	}
	valid := []struct {
		in   string
		want time.Time
	}{
		{"2024", utc(1970, 1, 1, 0, 33, 44, 0)}, // digits alone are epoch seconds, as in IAM
		{"2024T", utc(2024, 1, 1, 0, 0, 0, 0)},
		{"2024-06", utc(2024, 6, 1, 0, 0, 0, 0)},
		{"2024-06-15", utc(2024, 6, 15, 0, 0, 0, 0)},
		{"2024-06-15T12", utc(2024, 6, 15, 12, 0, 0, 0)},
		{"2024-06-15t12:30", utc(2024, 6, 15, 12, 30, 0, 0)},
		{"2024-06-15T12:30:45Z", utc(2024, 6, 15, 12, 30, 45, 0)},
		{"2024-06-15T12:30:45z", utc(2024, 6, 15, 12, 30, 45, 0)},
		{"2024-06-15T12:30:45.5Z", utc(2024, 6, 15, 12, 30, 45, 500000000)},
		{"2024-06-15T12:30:45.123456789Z", utc(2024, 6, 15, 12, 30, 45, 123456789)},
		{"2024-06-15T14:30:45+02:00", utc(2024, 6, 15, 12, 30, 45, 0)},
		{"2024-06-15T14:30:45+0200", utc(2024, 6, 15, 12, 30, 45, 0)},
		{"2024-06-15T14:30:45+02", utc(2024, 6, 15, 12, 30, 45, 0)},
		{"2024-06-15T07:30:45-05:00", utc(2024, 6, 15, 12, 30, 45, 0)},
		{"2024-06-15T2:00:00Z", utc(2024, 6, 15, 2, 0, 0, 0)},
		{"1718454645", utc(2024, 6, 15, 12, 30, 45, 0)},
		{"0", utc(1970, 1, 1, 0, 0, 0, 0)},
	}
	for _, tt := range valid {
		got, ok := parseDate(tt.in)
		if !ok || !got.Equal(tt.want) {
			t.Errorf("parseDate(%q) = %v, %v; want %v", tt.in, got, ok, tt.want)
		}
	}
	for _, in := range []string{
		"", "yesterday", "2024-13-01", "2024-06-32", "2024-06-15-01", "2024-06-15T24:00:00Z",
		"2024-06-15T12:60", "2024-06-15T12:00:61Z", "2024-06-15T12:00:00.Z",
		"2024-06-15T12:00:00.1234567890Z", "2024-06-15T12:00:00+1", "2024-06-15T12:00:00+24:00",
		"2024-06-15T12:00:00+02:60", "2024-06-15T12:00:00:00", "9223372036854775808", "1e9", "2024-x",
	} {
		if got, ok := parseDate(in); ok {
			t.Errorf("parseDate(%q) = %v, want failure", in, got)
		}
	}
}

func TestKindString(t *testing.T) {
	for k, want := range map[Kind]string{Identity: "identity", Trust: "trust", Resource: "resource", Managed: "managed", Kind(9): "unknown"} {
		if k.String() != want {
			t.Errorf("Kind(%d).String() = %q, want %q", k, k.String(), want)
		}
	}
}
