package catalog

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRegions(t *testing.T) {
	rs := Regions()
	if len(rs) != len(regionTable) || len(rs) < 30 {
		t.Fatalf("%d regions, want all %d commercial regions", len(rs), len(regionTable))
	}
	seen := map[string]bool{}
	for i, r := range rs {
		if i > 0 && rs[i-1].Name >= r.Name {
			t.Errorf("regions not sorted: %s before %s", rs[i-1].Name, r.Name)
		}
		if seen[r.Name] {
			t.Errorf("duplicate region %s", r.Name)
		}
		seen[r.Name] = true
		if r.Endpoint != "ec2."+r.Name+".amazonaws.com" {
			t.Errorf("%s endpoint %q", r.Name, r.Endpoint)
		}
		switch r.OptInStatus {
		case OptInNotRequired, NotOptedIn:
		default:
			t.Errorf("%s opt-in status %q", r.Name, r.OptInStatus)
		}
		if r.Description == "" {
			t.Errorf("%s has no description", r.Name)
		}
	}
}

func TestLookupRegion(t *testing.T) {
	got, ok := LookupRegion("us-east-1")
	want := Region{Name: "us-east-1", Endpoint: "ec2.us-east-1.amazonaws.com",
		OptInStatus: OptInNotRequired, Description: "US East (N. Virginia)"}
	if !ok || got != want {
		t.Errorf("LookupRegion(us-east-1) = %+v, %v; want %+v", got, ok, want)
	}
	if r, _ := LookupRegion("af-south-1"); r.OptInStatus != NotOptedIn {
		t.Errorf("af-south-1 opt-in %q, want %q", r.OptInStatus, NotOptedIn)
	}
	if _, ok := LookupRegion("us-east-9"); ok {
		t.Error("LookupRegion(us-east-9) found a region")
	}
}

func TestZones(t *testing.T) {
	for _, r := range Regions() {
		t.Run(r.Name, func(t *testing.T) {
			zs := Zones(r.Name)
			if len(zs) < 2 {
				t.Fatalf("%d zones", len(zs))
			}
			ids, names := map[string]bool{}, map[string]bool{}
			for _, z := range zs {
				if ids[z.ID] || names[z.Name] {
					t.Errorf("duplicate zone %s / %s", z.Name, z.ID)
				}
				ids[z.ID], names[z.Name] = true, true
				if len(z.Name) != len(r.Name)+1 || !strings.HasPrefix(z.Name, r.Name) {
					t.Errorf("zone name %q not region + letter", z.Name)
				}
				if !strings.Contains(z.ID, "-az") {
					t.Errorf("zone ID %q", z.ID)
				}
				if z.Region != r.Name || z.GroupName != r.Name || z.NetworkBorderGroup != r.Name ||
					z.Type != ZoneTypeAvailabilityZone || z.State != ZoneStateAvailable || z.OptInStatus != OptInNotRequired {
					t.Errorf("zone %+v", z)
				}
			}
		})
	}
}

func TestZonesUSEast1(t *testing.T) {
	var got []string
	for _, z := range Zones("us-east-1") {
		got = append(got, z.Name+"="+z.ID)
	}
	want := []string{"us-east-1a=use1-az1", "us-east-1b=use1-az2", "us-east-1c=use1-az3",
		"us-east-1d=use1-az4", "us-east-1e=use1-az5", "us-east-1f=use1-az6"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("us-east-1 zones (-want +got):\n%s", diff)
	}
	if Zones("us-east-9") != nil {
		t.Error("Zones of an unknown region not nil")
	}
	z, ok := LookupZone("ap-northeast-1a")
	if !ok || z.ID != "apne1-az4" {
		t.Errorf("LookupZone(ap-northeast-1a) = %+v, %v", z, ok)
	}
	if _, ok := LookupZone("us-east-1z"); ok {
		t.Error("LookupZone(us-east-1z) found a zone")
	}
}
