package pricing

import (
	"errors"
	"testing"

	"github.com/kumo-cloud/kumo/internal/catalog"
)

func TestNormalizationFactor(t *testing.T) {
	c := Default()
	for name, want := range map[string]string{
		"t3.nano": "0.25", "t2.micro": "0.5", "t2.small": "1", "m6g.medium": "2",
		"m5.large": "4", "m5.xlarge": "8", "c5.9xlarge": "72", "c5.18xlarge": "144",
		"m5.24xlarge": "192", "m7i.48xlarge": "384", "inf1.6xlarge": "48",
		// metal is the family's largest size, whatever its vCPUs.
		"m5.metal": "192", "m6i.metal": "256", "i3.metal": "128",
		// mac1 has no other size: 2 units per vCPU.
		"mac1.metal": "24",
	} {
		t.Run(name, func(t *testing.T) {
			got, err := c.NormalizationFactor(name)
			if err != nil {
				t.Fatal(err)
			}
			if got.Cmp(mustFactor(want)) != 0 {
				t.Errorf("NormalizationFactor = %s, want %s", got, want)
			}
		})
	}
	if _, err := c.NormalizationFactor("m5.gigantic"); !errors.Is(err, ErrUnknownInstanceType) {
		t.Errorf("unknown type: error %v", err)
	}
}

func TestEveryCatalogTypeHasNormalizationFactor(t *testing.T) {
	c := Default()
	for _, it := range catalog.InstanceTypes() {
		if f, err := c.NormalizationFactor(it.Name); err != nil || f.Cmp(Factor{}) <= 0 {
			t.Errorf("%s: factor %v, error %v", it.Name, f, err)
		}
	}
}

func TestNormalizationRejectsUnknownSize(t *testing.T) {
	types := map[string]typeInfo{"m5.enormous": {name: "m5.enormous", family: "m5", vcpus: 2}}
	if _, err := normalizationQuarters(types); err == nil {
		t.Error("unknown size accepted")
	}
	types = map[string]typeInfo{
		"m7i.metal-24xl": {name: "m7i.metal-24xl", family: "m7i", vcpus: 96},
	}
	q, err := normalizationQuarters(types)
	if err != nil || q["m7i.metal-24xl"] != 768 {
		t.Errorf("metal-24xl: %d quarters, error %v; want 768 (as 24xlarge)", q["m7i.metal-24xl"], err)
	}
}
