package pricing

import (
	"errors"
	"testing"

	"github.com/kumo-cloud/kumo/internal/catalog"
)

// TestSpotBaselineBand checks every pool of two regions: 30–40% of the
// On-Demand compute price, stable across calls, and not the same in every
// zone.
func TestSpotBaselineBand(t *testing.T) {
	c := Default()
	for _, region := range []string{"us-east-1", "eu-west-1"} {
		for _, name := range c.sortedTypes() {
			od, err := c.OnDemand(Product{InstanceType: name, Region: region})
			if errors.Is(err, ErrNotOffered) {
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			low, high := od.MulRatio(30, 100).Round(6), od.MulRatio(40, 100).Round(6)
			seen := map[Money]bool{}
			for _, z := range catalog.Zones(region) {
				s, err := c.SpotBaseline(name, z.Name, Linux)
				if errors.Is(err, ErrNotOffered) {
					continue
				}
				if err != nil {
					t.Fatalf("%s in %s: %v", name, z.Name, err)
				}
				if s.Cmp(low) < 0 || s.Cmp(high) > 0 {
					t.Errorf("%s in %s: baseline %s outside [%s, %s]", name, z.Name, s, low, high)
				}
				if again, _ := c.SpotBaseline(name, z.Name, Linux); again != s {
					t.Errorf("%s in %s: baseline changed from %s to %s", name, z.Name, s, again)
				}
				seen[s] = true
			}
			if name == "m5.large" && len(seen) < 2 {
				t.Errorf("%s in %s: every zone has the same baseline", name, region)
			}
		}
	}
}

func TestSpotBaselineWindowsAddsLicense(t *testing.T) {
	c := Default()
	linux, err := c.SpotBaseline("m5.large", "us-east-1a", Linux)
	if err != nil {
		t.Fatal(err)
	}
	windows, err := c.SpotBaseline("m5.large", "us-east-1a", Windows)
	if err != nil {
		t.Fatal(err)
	}
	if d := windows.Sub(linux); d != MustParseMoney("0.092") {
		t.Errorf("Windows adds %s to the Spot baseline, want the 0.092 license", d)
	}
}

func TestSpotBaselineErrors(t *testing.T) {
	c := Default()
	for _, tc := range []struct {
		name, typ, zone string
		want            error
	}{
		{"unknown zone", "m5.large", "us-east-1z", ErrUnknownZone},
		{"unknown type", "m5.mega", "us-east-1a", ErrUnknownInstanceType},
		{"no spot for mac", "mac1.metal", "us-east-1a", ErrNotOffered},
		{"not sold in region", "p5.48xlarge", "eu-west-1a", ErrNotOffered},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := c.SpotBaseline(tc.typ, tc.zone, Linux); !errors.Is(err, tc.want) {
				t.Errorf("error %v, want %v", err, tc.want)
			}
		})
	}
}
