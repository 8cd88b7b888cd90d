package billing

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func freeTierInstance(id, typ string, times ...time.Time) Instance {
	in := ran(id, typ, times...)
	in.FreeTierEligible = true
	return in
}

// Two micro instances all March use 750 free hours by 16 March 15:00; the
// remaining 369 hours each are On-Demand.
func TestFreeTierExhaustsMidMonth(t *testing.T) {
	items := rateUsage(t, testPrices(), &Usage{
		From: march, To: april,
		Accounts: []Account{{ID: "111111111111", Created: march.AddDate(0, -2, 0)}},
		Instances: []Instance{
			freeTierInstance("i-t2", "t2.micro", march),
			freeTierInstance("i-t3", "t3.micro", march),
		},
	})
	want := map[Source]tally{
		SourceFreeTier: {"750", "0.00"},
		SourceOnDemand: {"738", "8.118"}, // 369 × (0.0116 + 0.0104)
	}
	if diff := cmp.Diff(want, bySource(items)); diff != "" {
		t.Fatalf("totals by source (-want +got):\n%s", diff)
	}
	first := only(items, func(li LineItem) bool { return li.Source == SourceOnDemand })[0].Start
	if want := time.Date(2026, 3, 16, 15, 0, 0, 0, time.UTC); !first.Equal(want) {
		t.Fatalf("first On-Demand hour %s, want %s", first, want)
	}
}

func TestFreeTier(t *testing.T) {
	young := []Account{{ID: "111111111111", Created: march}}
	tests := []struct {
		name     string
		accounts []Account
		in       Instance
		used     map[string]int64
		want     map[Source]tally
	}{
		{
			name:     "eligible usage is free",
			accounts: young,
			in:       freeTierInstance("i-1", "t2.micro", at(10, 0, 0), at(12, 0, 0)),
			want:     map[Source]tally{SourceFreeTier: {"2", "0.00"}},
		},
		{
			name:     "the allowance runs out part-way through an hour",
			accounts: young,
			in:       freeTierInstance("i-1", "t2.micro", at(10, 0, 0), at(12, 0, 0)),
			used:     map[string]int64{"111111111111": 750*3600 - 1800},
			want: map[Source]tally{
				SourceFreeTier: {"0.5", "0.00"},
				SourceOnDemand: {"1.5", "0.0174"},
			},
		},
		{
			name:     "accounts older than 12 months pay",
			accounts: []Account{{ID: "111111111111", Created: march.AddDate(-1, 0, -1)}},
			in:       freeTierInstance("i-1", "t2.micro", at(10, 0, 0), at(11, 0, 0)),
			want:     map[Source]tally{SourceOnDemand: {"1", "0.0116"}},
		},
		{
			name:     "other types pay",
			accounts: young,
			in:       freeTierInstance("i-1", "t3.medium", at(10, 0, 0), at(11, 0, 0)),
			want:     map[Source]tally{SourceOnDemand: {"1", "0.0416"}},
		},
		{
			name:     "launches the caller marks ineligible pay",
			accounts: young,
			in:       ran("i-1", "t2.micro", at(10, 0, 0), at(11, 0, 0)),
			want:     map[Source]tally{SourceOnDemand: {"1", "0.0116"}},
		},
		{
			name:     "members share the payer's Free Tier",
			accounts: []Account{{ID: "999999999999", Created: march}, {ID: "111111111111", Payer: "999999999999"}},
			in:       freeTierInstance("i-1", "t2.micro", at(10, 0, 0), at(11, 0, 0)),
			used:     map[string]int64{"999999999999": 750 * 3600},
			want:     map[Source]tally{SourceOnDemand: {"1", "0.0116"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			items := rateUsage(t, testPrices(), &Usage{
				From: at(0, 0, 0), To: at(13, 0, 0), Accounts: tt.accounts,
				Instances: []Instance{tt.in}, FreeTierSecondsUsed: tt.used,
			})
			if diff := cmp.Diff(tt.want, bySource(items)); diff != "" {
				t.Fatalf("totals by source (-want +got):\n%s", diff)
			}
		})
	}
}
