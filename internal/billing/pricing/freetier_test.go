package pricing

import (
	"testing"

	"github.com/kumo-cloud/kumo/internal/catalog"
)

func TestFreeTierMatchesCatalog(t *testing.T) {
	ft := FreeTierAllowance()
	if ft.HoursPerMonth != 750 || ft.Months != 12 {
		t.Errorf("allowance %+v, want 750 hours a month for 12 months", ft)
	}
	for _, name := range ft.InstanceTypes {
		it, ok := catalog.LookupInstanceType(name)
		if !ok || !it.FreeTierEligible {
			t.Errorf("%s: not a Free Tier eligible catalog type", name)
		}
	}
	for _, it := range catalog.InstanceTypes() {
		if it.FreeTierEligible && !contains(ft.InstanceTypes, it.Name) {
			t.Errorf("%s: the catalog marks it Free Tier eligible but the allowance omits it", it.Name)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
