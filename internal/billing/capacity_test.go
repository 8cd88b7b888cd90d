package billing

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func reservation(count int64) CapacityReservation {
	return CapacityReservation{
		ID: "cr-1", Account: "111111111111", InstanceType: "m5.large", Platform: PlatformLinux,
		Region: "us-east-1", Zone: "us-east-1a", Tenancy: TenancyDefault, Count: count,
		Start: at(9, 0, 0),
	}
}

func inReservation(n int) []Instance {
	var out []Instance
	for i := range n {
		in := ran(fmt.Sprintf("i-%02d", i), "m5.large", at(10, 0, 0), at(11, 0, 0))
		in.CapacityReservationID = "cr-1"
		out = append(out, in)
	}
	return out
}

func TestCapacityReservations(t *testing.T) {
	tests := []struct {
		name      string
		cr        CapacityReservation
		instances []Instance
		ris       []ReservedInstance
		want      map[Source]tally
	}{
		{
			name:      "reserve 20, run 15: 15 instances and 5 empty slots",
			cr:        reservation(20),
			instances: inReservation(15),
			want: map[Source]tally{
				SourceOnDemand:                  {"15", "1.44"},
				SourceCapacityReservationUnused: {"5", "0.48"},
			},
		},
		{
			name: "an instance running half the hour leaves half a slot",
			cr:   reservation(1),
			instances: func() []Instance {
				in := ran("i-1", "m5.large", at(10, 0, 0), at(10, 30, 0))
				in.CapacityReservationID = "cr-1"
				return []Instance{in}
			}(),
			want: map[Source]tally{
				SourceOnDemand:                  {"0.5", "0.048"},
				SourceCapacityReservationUnused: {"0.5", "0.048"},
			},
		},
		{
			name:      "regional RIs cover instances first, then empty slots",
			cr:        reservation(3),
			instances: inReservation(1),
			ris:       []ReservedInstance{ri("ri-1", "m5.large", "", 2, "0.06")},
			want: map[Source]tally{
				SourceReservedInstance:          {"2", "0.12"},
				SourceCapacityReservationUnused: {"1", "0.096"},
			},
		},
		{
			name: "zonal RIs do not cover empty slots",
			cr:   reservation(2),
			ris:  []ReservedInstance{ri("ri-1", "m5.large", "us-east-1a", 1, "0.06")},
			want: map[Source]tally{
				SourceRIUnused:                  {"1", "0.06"},
				SourceCapacityReservationUnused: {"2", "0.192"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			items := rateUsage(t, testPrices(), &Usage{
				From: at(10, 0, 0), To: at(11, 0, 0), Instances: tt.instances,
				CapacityReservations: []CapacityReservation{tt.cr}, ReservedInstances: tt.ris,
			})
			if diff := cmp.Diff(tt.want, bySource(items)); diff != "" {
				t.Fatalf("totals by source (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCapacityReservationUsageType(t *testing.T) {
	items := rateUsage(t, testPrices(), &Usage{
		From: at(10, 0, 0), To: at(11, 0, 0), CapacityReservations: []CapacityReservation{reservation(1)},
	})
	if len(items) != 1 || items[0].UsageType != "UnusedBox:m5.large" || items[0].ResourceID != "cr-1" {
		t.Fatalf("items = %+v, want one UnusedBox:m5.large line for cr-1", items)
	}
}
