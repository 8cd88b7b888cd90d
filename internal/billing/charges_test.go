package billing

import (
	"math/big"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestVolumes(t *testing.T) {
	gp3 := func(created, deleted time.Time, resizes ...Resize) Volume {
		return Volume{
			ID: "vol-1", Account: "111111111111", Region: "us-east-1", Zone: "us-east-1a",
			VolumeType: "gp3", SizeGiB: 100, Created: created, Deleted: deleted, Resizes: resizes,
		}
	}
	tests := []struct {
		name     string
		from, to time.Time
		vol      Volume
		want     *big.Rat
		lines    int
	}{
		{
			name: "100 GB gp3 for all of a 30-day month is $8.00",
			from: april, to: may, vol: gp3(april.Add(-time.Hour), time.Time{}),
			want: big.NewRat(8, 1), lines: 720,
		},
		{
			name: "a day of a 31-day month is 1/31 of the month",
			from: march, to: april, vol: gp3(at(0, 0, 0), at(24, 0, 0)),
			want: big.NewRat(8, 31), lines: 24,
		},
		{
			name: "across the month end each side uses its month's length",
			from: march, to: may, vol: gp3(april.Add(-12*time.Hour), april.Add(12*time.Hour)),
			// 8 × 12/744 + 8 × 12/720
			want: new(big.Rat).Add(big.NewRat(8*12, 744), big.NewRat(8*12, 720)), lines: 24,
		},
		{
			name: "a resize changes the size from that second",
			from: april, to: may, vol: gp3(april, time.Time{}, Resize{At: april.AddDate(0, 0, 15), SizeGiB: 200}),
			want: big.NewRat(12, 1), lines: 720,
		},
		{
			name: "volumes bill whatever the instance does, per second",
			from: march, to: april, vol: gp3(at(10, 0, 0), at(10, 0, 1)),
			want: big.NewRat(8, 31*86400), lines: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			items := rateUsage(t, testPrices(), &Usage{From: tt.from, To: tt.to, Volumes: []Volume{tt.vol}})
			if got := sum(items).Rat(); got.Cmp(tt.want) != 0 || len(items) != tt.lines {
				t.Fatalf("total %s over %d lines, want exactly %s over %d", got, len(items), tt.want, tt.lines)
			}
			if items[0].UsageType != "EBS:VolumeUsage.gp3" || items[0].Unit != UnitGBMonths || items[0].Service != ServiceEC2Other {
				t.Fatalf("line %+v", items[0])
			}
		})
	}
}

func TestStorageAddressesAndHosts(t *testing.T) {
	u := &Usage{
		From: at(10, 0, 0), To: at(12, 0, 0),
		Snapshots: []Snapshot{{ID: "snap-1", Account: "111111111111", Region: "us-east-1", StoredGiB: 744, Created: march}},
		Addresses: []Address{{
			ID: "eipalloc-1", Account: "111111111111", Region: "us-east-1", Allocated: at(10, 0, 0),
			Released: at(11, 0, 0), InUse: []Interval{{From: at(10, 0, 0), To: at(10, 30, 0)}},
		}},
		Hosts: []Host{{
			ID: "h-1", Account: "111111111111", Region: "us-east-1", Zone: "us-east-1a", HostType: "m5",
			Allocated: at(11, 0, 0), Released: at(11, 0, 10),
		}},
	}
	items := rateUsage(t, testPrices(), u)
	got := map[string]tally{}
	for _, li := range items {
		k := li.Start.Format("15:04") + " " + li.UsageType
		got[k] = tally{li.Quantity.String(), li.Amount.String()}
	}
	want := map[string]tally{
		// 744 GB for an hour of a 744-hour month is one GB-month.
		"10:00 EBS:SnapshotUsage":       {"1", "0.05"},
		"11:00 EBS:SnapshotUsage":       {"1", "0.05"},
		"10:00 PublicIPv4:InUseAddress": {"0.5", "0.0025"},
		"10:00 PublicIPv4:IdleAddress":  {"0.5", "0.0025"},
		"11:00 HostUsage:m5":            {"0.0166666667", "0.0844833333"}, // the 60-second minimum
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("lines (-want +got):\n%s", diff)
	}
}

// Dedicated instances pay their own rate plus $2 for every hour any of them
// runs in the region, counted once however many run.
func TestDedicatedFee(t *testing.T) {
	a := ran("i-a", "m5.large", at(10, 0, 0), at(10, 40, 0))
	b := ran("i-b", "m5.large", at(10, 20, 0), at(11, 0, 0))
	c := ran("i-c", "m5.large", at(11, 30, 0), at(11, 45, 0))
	for _, in := range []*Instance{&a, &b, &c} {
		in.Tenancy = TenancyDedicated
	}
	items := rateUsage(t, testPrices(), &Usage{From: at(10, 0, 0), To: at(12, 0, 0), Instances: []Instance{a, b, c}})
	want := map[Source]tally{
		SourceOnDemand:     {"1.5833333333", "0.1678333333"},
		SourceDedicatedFee: {"1.25", "2.50"},
	}
	if diff := cmp.Diff(want, bySource(items)); diff != "" {
		t.Fatalf("totals by source (-want +got):\n%s", diff)
	}
	if ut := only(items, func(li LineItem) bool { return li.Source == SourceOnDemand })[0].UsageType; ut != "DedicatedUsage:m5.large" {
		t.Fatalf("usage type %q", ut)
	}
}

func TestRegionPrefix(t *testing.T) {
	items := rateUsage(t, testPrices(), &Usage{From: april, To: april.Add(time.Hour), Volumes: []Volume{{
		ID: "vol-2", Account: "1", Region: "us-east-2", VolumeType: "gp3", SizeGiB: 1, Created: april,
	}}})
	if items[0].UsageType != "USE2-EBS:VolumeUsage.gp3" {
		t.Fatalf("usage type %q", items[0].UsageType)
	}
}
