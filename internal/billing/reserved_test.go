package billing

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func ri(id, typ, zone string, count int64, fee string) ReservedInstance {
	return ReservedInstance{
		ID: id, Account: "111111111111", InstanceType: typ, Region: "us-east-1", Zone: zone,
		Platform: PlatformLinux, Tenancy: TenancyDefault, Count: count, Class: ClassStandard,
		Payment: NoUpfront, HourlyFee: money(fee),
		Start: march, End: march.Add(365 * 24 * time.Hour),
	}
}

func TestReservedInstances(t *testing.T) {
	dedicated := ran("i-ded", "m5.large", at(10, 0, 0), at(11, 0, 0))
	dedicated.Tenancy = TenancyDedicated
	member := ran("i-member", "m5.large", at(10, 0, 0), at(11, 0, 0))
	member.Account = "222222222222"
	memberRI := ri("ri-member", "m5.large", "", 1, "0.06")
	memberRI.Account = "222222222222"
	accounts := []Account{{ID: "111111111111"}, {ID: "222222222222", Payer: "111111111111"}}

	tests := []struct {
		name      string
		instances []Instance
		ris       []ReservedInstance
		accounts  []Account
		want      map[Source]tally
	}{
		{
			name: "four m4.xlarge for 15 minutes each share one RI",
			instances: []Instance{
				ran("i-1", "m4.xlarge", at(10, 0, 0), at(10, 15, 0)),
				ran("i-2", "m4.xlarge", at(10, 15, 0), at(10, 30, 0)),
				ran("i-3", "m4.xlarge", at(10, 30, 0), at(10, 45, 0)),
				ran("i-4", "m4.xlarge", at(10, 45, 0), at(11, 0, 0)),
			},
			ris:  []ReservedInstance{ri("ri-1", "m4.xlarge", "us-east-1a", 1, "0.12")},
			want: map[Source]tally{SourceReservedInstance: {"1", "0.12"}},
		},
		{
			name: "four m4.xlarge for the full hour: one covered, three On-Demand",
			instances: []Instance{
				ran("i-1", "m4.xlarge", at(10, 0, 0), at(11, 0, 0)),
				ran("i-2", "m4.xlarge", at(10, 0, 0), at(11, 0, 0)),
				ran("i-3", "m4.xlarge", at(10, 0, 0), at(11, 0, 0)),
				ran("i-4", "m4.xlarge", at(10, 0, 0), at(11, 0, 0)),
			},
			ris: []ReservedInstance{ri("ri-1", "m4.xlarge", "", 1, "0.12")},
			want: map[Source]tally{
				SourceReservedInstance: {"1", "0.12"},
				SourceOnDemand:         {"3", "0.60"},
			},
		},
		{
			name:      "a c4.large regional RI covers half of a c4.xlarge hour",
			instances: []Instance{ran("i-1", "c4.xlarge", at(10, 0, 0), at(11, 0, 0))},
			ris:       []ReservedInstance{ri("ri-1", "c4.large", "", 1, "0.06")},
			want: map[Source]tally{
				SourceReservedInstance: {"0.5", "0.06"},
				SourceOnDemand:         {"0.5", "0.0995"},
			},
		},
		{
			name: "size flexibility covers the smallest size first",
			instances: []Instance{
				ran("i-big", "m5.2xlarge", at(10, 0, 0), at(11, 0, 0)),
				ran("i-small", "m5.large", at(10, 0, 0), at(11, 0, 0)),
			},
			ris: []ReservedInstance{ri("ri-1", "m5.xlarge", "", 1, "0.12")},
			// 8 units: 4 for the m5.large, 4 of the m5.2xlarge's 16.
			want: map[Source]tally{
				SourceReservedInstance: {"1.25", "0.12"},
				SourceOnDemand:         {"0.75", "0.288"},
			},
		},
		{
			name:      "unused hours of an RI are billed",
			instances: []Instance{ran("i-1", "m5.large", at(10, 0, 0), at(10, 30, 0))},
			ris:       []ReservedInstance{ri("ri-1", "m5.large", "", 2, "0.06")},
			want: map[Source]tally{
				SourceReservedInstance: {"0.5", "0.03"},
				SourceRIUnused:         {"1.5", "0.09"},
			},
		},
		{
			name:      "default-tenancy RIs do not cover dedicated instances",
			instances: []Instance{dedicated},
			ris:       []ReservedInstance{ri("ri-1", "m5.large", "", 1, "0.06")},
			want: map[Source]tally{
				SourceOnDemand:     {"1", "0.106"},
				SourceRIUnused:     {"1", "0.06"},
				SourceDedicatedFee: {"1", "2.00"},
			},
		},
		{
			name:      "zonal before regional",
			instances: []Instance{ran("i-1", "m5.large", at(10, 0, 0), at(11, 0, 0))},
			ris: []ReservedInstance{
				ri("ri-regional", "m5.large", "", 1, "0.05"),
				ri("ri-zonal", "m5.large", "us-east-1a", 1, "0.06"),
			},
			want: map[Source]tally{
				SourceReservedInstance: {"1", "0.06"},
				SourceRIUnused:         {"1", "0.05"},
			},
		},
		{
			name:      "zonal RIs need the zone",
			instances: []Instance{ran("i-1", "m5.large", at(10, 0, 0), at(11, 0, 0))},
			ris:       []ReservedInstance{ri("ri-1", "m5.large", "us-east-1b", 1, "0.06")},
			want: map[Source]tally{
				SourceOnDemand: {"1", "0.096"},
				SourceRIUnused: {"1", "0.06"},
			},
		},
		{
			name:      "the owner's usage first",
			instances: []Instance{ran("i-a", "m5.large", at(10, 0, 0), at(11, 0, 0)), member},
			ris:       []ReservedInstance{memberRI},
			accounts:  accounts,
			want: map[Source]tally{
				SourceReservedInstance: {"1", "0.06"},
				SourceOnDemand:         {"1", "0.096"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			items := rateUsage(t, testPrices(), &Usage{
				From: at(10, 0, 0), To: at(11, 0, 0), Accounts: tt.accounts,
				Instances: tt.instances, ReservedInstances: tt.ris,
			})
			if diff := cmp.Diff(tt.want, bySource(items)); diff != "" {
				t.Fatalf("totals by source (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReservedInstanceSharing(t *testing.T) {
	member := ran("i-member", "m5.large", at(10, 0, 0), at(11, 0, 0))
	member.Account = "222222222222"
	loner := ran("i-loner", "m5.large", at(10, 0, 0), at(11, 0, 0))
	loner.Account = "333333333333"
	items := rateUsage(t, testPrices(), &Usage{
		From: at(10, 0, 0), To: at(11, 0, 0),
		Accounts: []Account{
			{ID: "111111111111"}, {ID: "222222222222", Payer: "111111111111"},
			{ID: "333333333333", Payer: "111111111111", NoSharing: true},
		},
		Instances:         []Instance{member, loner},
		ReservedInstances: []ReservedInstance{ri("ri-1", "m5.large", "", 2, "0.06")},
	})
	got := map[string]Source{}
	for _, li := range items {
		got[li.ResourceID+" "+li.Account] = li.Source
	}
	want := map[string]Source{
		"i-member 222222222222": SourceReservedInstance,
		"i-loner 333333333333":  SourceOnDemand,
		"ri-1 111111111111":     SourceRIUnused,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("sources (-want +got):\n%s", diff)
	}
}

func TestReservedInstanceFees(t *testing.T) {
	allUp := ri("ri-all", "m5.large", "", 1, "0")
	allUp.Payment, allUp.FixedPrice = AllUpfront, money("500")
	allUp.Start = at(10, 30, 0)
	allUp.End = allUp.Start.Add(365 * 24 * time.Hour)
	items := rateUsage(t, testPrices(), &Usage{
		From: at(10, 0, 0), To: at(12, 0, 0),
		Instances:         []Instance{ran("i-1", "m5.large", at(10, 0, 0), at(12, 0, 0))},
		ReservedInstances: []ReservedInstance{allUp},
	})
	want := map[Source]tally{
		SourceRIUpfront:        {"1", "500.00"},
		SourceReservedInstance: {"1.5", "0.00"}, // from 10:30, the purchase
		SourceOnDemand:         {"0.5", "0.048"},
	}
	if diff := cmp.Diff(want, bySource(items)); diff != "" {
		t.Fatalf("totals by source (-want +got):\n%s", diff)
	}
}
