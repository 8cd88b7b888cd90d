package pricing

import (
	"errors"
	"testing"

	"github.com/kumo-cloud/kumo/internal/catalog"
)

func TestParsePlatform(t *testing.T) {
	for in, want := range map[string]Platform{
		"":                         Linux,
		"Linux/UNIX":               Linux,
		"Linux/UNIX (Amazon VPC)":  Linux,
		"linux":                    Linux,
		"Windows":                  Windows,
		"windows":                  Windows,
		"Red Hat Enterprise Linux": RHEL,
		"RHEL":                     RHEL,
		"SUSE Linux":               SUSE,
		"sles":                     SUSE,
		"Ubuntu Pro":               UbuntuPro,
		"ubuntu-pro":               UbuntuPro,
	} {
		t.Run(in, func(t *testing.T) {
			got, err := ParsePlatform(in)
			if err != nil || got != want {
				t.Errorf("ParsePlatform(%q) = %q, %v; want %q", in, got, err, want)
			}
		})
	}
	if _, err := ParsePlatform("Plan 9"); !errors.Is(err, ErrUnknownPlatform) {
		t.Errorf("unknown platform: error %v", err)
	}
	for _, p := range Platforms() {
		if got, err := ParsePlatform(string(p)); err != nil || got != p {
			t.Errorf("ParsePlatform(%q) does not round-trip: %q, %v", p, got, err)
		}
	}
}

func TestBilledPerSecond(t *testing.T) {
	for p, want := range map[Platform]bool{Linux: true, Windows: true, RHEL: true, UbuntuPro: true, SUSE: false} {
		if got := p.BilledPerSecond(); got != want {
			t.Errorf("%s BilledPerSecond = %v, want %v", p, got, want)
		}
	}
}

// TestPlatformPrices pins the license model. Windows prices are AWS's
// published us-east-1 prices; the others follow the documented
// approximations.
func TestPlatformPrices(t *testing.T) {
	c := Default()
	for _, tc := range []struct {
		typ      string
		platform Platform
		region   string
		want     string
	}{
		{"m5.large", Windows, "us-east-1", "0.188"},
		{"c5.large", Windows, "us-east-1", "0.177"},
		{"m5.large", Windows, "eu-west-1", "0.199"}, // regional Linux + same license
		{"t2.micro", Windows, "us-east-1", "0.0162"},
		{"t3.nano", Windows, "us-east-1", "0.0098"},
		{"t3.micro", Windows, "us-east-1", "0.0196"},
		{"t3.medium", Windows, "us-east-1", "0.06"},
		{"t3.large", Windows, "us-east-1", "0.1108"},
		{"t3.2xlarge", Windows, "us-east-1", "0.48"},
		{"c5.xlarge", RHEL, "us-east-1", "0.2276"},  // 0.17 + 0.0576
		{"c5.4xlarge", RHEL, "us-east-1", "0.8528"}, // 0.68 + 0.1728
		{"m5.large", RHEL, "us-east-1", "0.1248"},   // 0.096 + 2 × 0.0144
		{"t3.micro", SUSE, "us-east-1", "0.0404"},   // small fee
		{"m5.xlarge", SUSE, "us-east-1", "0.292"},   // large fee
		{"m5.large", UbuntuPro, "us-east-1", "0.0995"},
		{"m6g.large", RHEL, "us-east-1", "0.1058"}, // Graviton runs RHEL
		{"m5.large", Linux, "us-east-1", "0.096"},
	} {
		t.Run(tc.typ+"/"+string(tc.platform)+"/"+tc.region, func(t *testing.T) {
			got, err := c.OnDemand(Product{InstanceType: tc.typ, Region: tc.region, Platform: tc.platform})
			if err != nil {
				t.Fatal(err)
			}
			if got != MustParseMoney(tc.want) {
				t.Errorf("OnDemand = %s, want %s", got, tc.want)
			}
		})
	}
}

func TestPlatformNotOffered(t *testing.T) {
	c := Default()
	for _, tc := range []struct {
		typ      string
		platform Platform
	}{
		{"m6g.large", Windows},
		{"t4g.micro", Windows},
		{"c7g.medium", Windows},
		{"mac1.metal", Windows},
		{"mac1.metal", RHEL},
	} {
		t.Run(tc.typ+"/"+string(tc.platform), func(t *testing.T) {
			_, err := c.OnDemand(Product{InstanceType: tc.typ, Region: "us-east-1", Platform: tc.platform})
			if !errors.Is(err, ErrNotOffered) {
				t.Errorf("error %v, want ErrNotOffered", err)
			}
		})
	}
}

// TestEveryBurstableHasBaseline: Windows on a T type needs its baseline.
func TestEveryBurstableHasBaseline(t *testing.T) {
	for _, it := range catalog.InstanceTypes() {
		if it.Burstable && it.Processor.Architectures[0] == catalog.ArchX8664 {
			if _, ok := burstableBaseline[it.Name]; !ok {
				t.Errorf("%s: no baseline CPU share in burstableBaseline", it.Name)
			}
		}
	}
}
