package catalog

import (
	"testing"
)

func TestOfferingsUnknownRegion(t *testing.T) {
	if got := Offerings("us-east-9"); got != nil {
		t.Errorf("Offerings(us-east-9) = %d entries, want nil", len(got))
	}
}

// TestOfferingsShape checks, in every region, that each type offered at
// region level is offered in matching zone names and zone IDs.
func TestOfferingsShape(t *testing.T) {
	for _, r := range Regions() {
		t.Run(r.Name, func(t *testing.T) {
			byType := map[string]map[LocationType]int{}
			for _, o := range Offerings(r.Name) {
				if byType[o.InstanceType] == nil {
					byType[o.InstanceType] = map[LocationType]int{}
				}
				byType[o.InstanceType][o.LocationType]++
				if _, ok := LookupInstanceType(o.InstanceType); !ok {
					t.Errorf("offering of unknown type %s", o.InstanceType)
				}
			}
			for name, n := range byType {
				if n[LocationRegion] != 1 || n[LocationAvailabilityZone] == 0 ||
					n[LocationAvailabilityZone] != n[LocationAvailabilityZoneID] {
					t.Errorf("%s: %v", name, n)
				}
			}
		})
	}
}

func TestOfferingRules(t *testing.T) {
	count := func(region, typ string, lt LocationType) int {
		n := 0
		for _, o := range Offerings(region) {
			if o.InstanceType == typ && o.LocationType == lt {
				n++
			}
		}
		return n
	}
	tests := []struct {
		region, typ string
		zones       int
	}{
		{"us-east-1", "m5.large", 6},
		{"af-south-1", "t3.micro", 3},
		{"us-east-1", "p5.48xlarge", 2},
		{"af-south-1", "p5.48xlarge", 0},
		{"us-east-1", "trn1.32xlarge", 2},
		{"eu-west-1", "trn1.2xlarge", 0},
		{"us-west-2", "inf2.xlarge", 4},
		{"me-south-1", "inf2.xlarge", 0},
		{"us-east-1", "mac1.metal", 3},
		{"sa-east-1", "mac1.metal", 0},
	}
	for _, tt := range tests {
		t.Run(tt.region+"/"+tt.typ, func(t *testing.T) {
			if got := count(tt.region, tt.typ, LocationAvailabilityZone); got != tt.zones {
				t.Errorf("offered in %d zones, want %d", got, tt.zones)
			}
			wantRegion := 0
			if tt.zones > 0 {
				wantRegion = 1
			}
			if got := count(tt.region, tt.typ, LocationRegion); got != wantRegion {
				t.Errorf("%d region-level offerings, want %d", got, wantRegion)
			}
		})
	}
}

func TestOfferedInZone(t *testing.T) {
	tests := []struct {
		typ, zone string
		want      bool
	}{
		{"t2.micro", "us-east-1f", true},
		{"p5.48xlarge", "us-east-1a", true},  // use1-az1: first by ID
		{"p5.48xlarge", "us-east-1f", false}, // use1-az6
		{"p5.48xlarge", "af-south-1a", false},
		{"no.such", "us-east-1a", false},
		{"t2.micro", "us-east-1z", false},
	}
	for _, tt := range tests {
		if got := OfferedInZone(tt.typ, tt.zone); got != tt.want {
			t.Errorf("OfferedInZone(%s, %s) = %v, want %v", tt.typ, tt.zone, got, tt.want)
		}
	}
}
