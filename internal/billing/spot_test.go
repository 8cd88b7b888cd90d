package billing

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// spotRun is a Spot m5.large in us-east-1a running from 10:00 for d, ended
// by the provider or by the user.
func spotRun(d time.Duration, byProvider bool) Instance {
	in := ran("i-spot", "m5.large", at(10, 0, 0), at(10, 0, 0).Add(d))
	in.Market = MarketSpot
	for i := range in.Transitions {
		if in.Transitions[i].State == StateStopping {
			in.Transitions[i].State = StateShuttingDown
			in.Transitions[i].Interrupted = byProvider
		}
	}
	return in
}

// The pool's price is 0.03 until 10:20, 0.04 until 11:10, then 0.05.
func TestSpot(t *testing.T) {
	tests := []struct {
		name string
		in   Instance
		want map[time.Time][]tally // lines per hour
	}{
		{
			name: "interrupted by the provider at minute 30: free",
			in:   spotRun(30*time.Minute, true),
			want: map[time.Time][]tally{},
		},
		{
			name: "interrupted by the provider at minute 90: the seconds at their prices",
			in:   spotRun(90*time.Minute, true),
			want: map[time.Time][]tally{
				at(10, 0, 0): {{"0.3333333333", "0.01"}, {"0.6666666667", "0.0266666667"}},
				at(11, 0, 0): {{"0.1666666667", "0.0066666667"}, {"0.3333333333", "0.0166666667"}},
			},
		},
		{
			name: "stopped by the user at minute 30: billed, split at the price change",
			in:   spotRun(30*time.Minute, false),
			want: map[time.Time][]tally{
				at(10, 0, 0): {{"0.3333333333", "0.01"}, {"0.1666666667", "0.0066666667"}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			items := rateUsage(t, testPrices(), &Usage{From: at(0, 0, 0), To: at(13, 0, 0), Instances: []Instance{tt.in}})
			got := map[time.Time][]tally{}
			for _, li := range items {
				if li.Source != SourceSpot || li.UsageType != "SpotUsage:m5.large" || li.PurchaseType != PurchaseSpot {
					t.Fatalf("unexpected line %+v", li)
				}
				got[li.Start] = append(got[li.Start], tally{li.Quantity.String(), li.Amount.String()})
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Fatalf("spot lines (-want +got):\n%s", diff)
			}
		})
	}
}

// Ninety minutes at 0.03, 0.04 and 0.05 add up to exactly six cents though
// every line is a repeating decimal.
func TestSpotTotalIsExact(t *testing.T) {
	items := rateUsage(t, testPrices(), &Usage{From: at(0, 0, 0), To: at(13, 0, 0), Instances: []Instance{spotRun(90*time.Minute, true)}})
	if got := sum(items); got.Cmp(money("0.06")) != 0 {
		t.Fatalf("total = %s, want exactly 0.06", got.Rat())
	}
}

func TestSpotNeedsAPrice(t *testing.T) {
	in := spotRun(2*time.Hour, false)
	in.Zone = "us-east-1f"
	e, _ := New(DefaultConfig(), testPrices())
	err := e.Rate(&Usage{From: at(0, 0, 0), To: at(13, 0, 0), Instances: []Instance{in}}, func(LineItem) {})
	if !errors.Is(err, ErrNoPrice) {
		t.Fatalf("Rate = %v, want ErrNoPrice", err)
	}
}
