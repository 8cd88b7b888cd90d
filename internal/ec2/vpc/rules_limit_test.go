package vpc

import (
	"fmt"
	"testing"
)

func TestCheckLimit(t *testing.T) {
	v4 := func(n int) []Rule {
		rs := make([]Rule, n)
		for i := range rs {
			rs[i] = Rule{Protocol: "tcp", FromPort: int32(i), ToPort: int32(i), CIDRv4: "192.0.2.1/32"}
		}
		return rs
	}
	for _, tc := range []struct {
		quota, rules int
		ok           bool
	}{
		{quota: 0, rules: DefaultRulesPerGroup, ok: true},
		{quota: 0, rules: DefaultRulesPerGroup + 1, ok: false},
		{quota: MaxRulesPerGroup, rules: MaxRulesPerGroup, ok: true},
		{quota: MaxRulesPerGroup, rules: MaxRulesPerGroup + 1, ok: false},
		{quota: 5, rules: 6, ok: false},
	} {
		t.Run(fmt.Sprintf("quota %d rules %d", tc.quota, tc.rules), func(t *testing.T) {
			s := &Service{RulesPerGroup: tc.quota}
			if err := s.checkLimit(v4(tc.rules)); (err == nil) != tc.ok {
				t.Errorf("checkLimit: %v, want ok %v", err, tc.ok)
			}
		})
	}
}
