package pricing

import (
	"errors"
	"testing"

	"github.com/kumo-cloud/kumo/internal/catalog"
)

func TestEveryCatalogRegionHasFactor(t *testing.T) {
	c := Default()
	for _, r := range catalog.Regions() {
		f, err := c.RegionFactor(r.Name)
		if err != nil {
			t.Errorf("%s: %v", r.Name, err)
			continue
		}
		// AWS regions sit between par and about 1.7 × us-east-1.
		if f.Float64() < 1 || f.Float64() > 1.7 {
			t.Errorf("%s: factor %s outside [1, 1.7]", r.Name, f)
		}
	}
	for region := range regionM5Large {
		if _, ok := catalog.LookupRegion(region); !ok {
			t.Errorf("regionM5Large: %s is not a catalog region", region)
		}
	}
}

func TestRegionalPrices(t *testing.T) {
	c := Default()
	for _, tc := range []struct {
		typ, region, want string
	}{
		{"m5.large", "us-east-1", "0.096"},
		{"m5.large", "us-west-2", "0.096"},
		{"m5.large", "eu-west-1", "0.107"}, // published, exactly
		{"m5.large", "ap-northeast-1", "0.124"},
		{"m5.large", "sa-east-1", "0.153"},
		{"m5.xlarge", "eu-west-1", "0.214"},
		{"c5.large", "eu-west-1", "0.094740"}, // 0.085 × 107/96, to 6 places
		{"t3.micro", "af-south-1", "0.013758"},
	} {
		t.Run(tc.typ+"/"+tc.region, func(t *testing.T) {
			got, err := c.OnDemand(Product{InstanceType: tc.typ, Region: tc.region})
			if err != nil {
				t.Fatal(err)
			}
			if got != MustParseMoney(tc.want) {
				t.Errorf("OnDemand = %s, want %s", got, tc.want)
			}
		})
	}
}

func TestRegionFactorErrors(t *testing.T) {
	if _, err := Default().RegionFactor("us-north-9"); !errors.Is(err, ErrUnknownRegion) {
		t.Errorf("error %v, want ErrUnknownRegion", err)
	}
}
