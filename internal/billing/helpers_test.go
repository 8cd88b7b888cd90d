package billing

import (
	"testing"
	"time"
)

// March 2026 has 31 days, April 30: tests cross both kinds of month end.
var (
	march = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	april = time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	may   = time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
)

// at returns a time on 10 March 2026 at hh:mm:ss UTC; hours past 23 run
// into the next days.
func at(hh, mm, ss int) time.Time {
	return time.Date(2026, 3, 10, hh, mm, ss, 0, time.UTC)
}

func money(s string) Money { return MustParseMoney(s) }

func linux(region, instanceType string) RateKey {
	return RateKey{region, instanceType, PlatformLinux, TenancyDefault}
}

// testPrices are us-east-1 reference prices, plus a few invented ones the
// worked examples need.
func testPrices() *PriceTable {
	od := map[RateKey]Money{}
	for typ, p := range map[string]string{
		"t2.micro": "0.0116", "t3.micro": "0.0104", "m4.xlarge": "0.20", "c4.large": "0.10",
		"c4.xlarge": "0.199", "m5.large": "0.096", "m5.xlarge": "0.192", "m5.2xlarge": "0.384",
		"m5.8xlarge": "1.536", "c5.large": "0.085", "r5.large": "0.126", "t3.medium": "0.0416",
	} {
		od[linux("us-east-1", typ)] = money(p)
	}
	od[RateKey{"us-east-1", "m5.large", PlatformSUSE, TenancyDefault}] = money("0.126")
	od[RateKey{"us-east-1", "m5.large", PlatformWindows, TenancyDefault}] = money("0.188")
	od[RateKey{"us-east-1", "m5.large", PlatformLinux, TenancyDedicated}] = money("0.106")
	return &PriceTable{
		OnDemand: od,
		Spot: map[SpotPool][]SpotPrice{
			{"us-east-1a", "m5.large", PlatformLinux}: {
				{at(0, 0, 0), money("0.03")},
				{at(10, 20, 0), money("0.04")},
				{at(11, 10, 0), money("0.05")},
			},
		},
		SavingsPlans:       map[string]map[RateKey]Money{},
		Volumes:            map[RegionKey]Money{{"us-east-1", "gp3"}: money("0.08"), {"us-east-2", "gp3"}: money("0.08")},
		Snapshots:          map[string]Money{"us-east-1": money("0.05")},
		PublicIPv4:         map[string]Money{"us-east-1": money("0.005")},
		Hosts:              map[RegionKey]Money{{"us-east-1", "m5"}: money("5.069")},
		DedicatedRegionFee: map[string]Money{"us-east-1": money("2.00")},
	}
}

// ran is an instance that runs over each [start, stop) pair.
func ran(id, typ string, times ...time.Time) Instance {
	in := Instance{
		ID: id, Account: "111111111111", InstanceType: typ, Region: "us-east-1", Zone: "us-east-1a",
		Platform: PlatformLinux, Tenancy: TenancyDefault, Market: MarketOnDemand,
	}
	in.Transitions = append(in.Transitions, Transition{At: times[0].Add(-30 * time.Second), State: StatePending})
	for i := 0; i < len(times); i += 2 {
		in.Transitions = append(in.Transitions, Transition{At: times[i], State: StateRunning})
		if i+1 < len(times) {
			in.Transitions = append(in.Transitions, Transition{At: times[i+1], State: StateStopping},
				Transition{At: times[i+1].Add(20 * time.Second), State: StateStopped})
		}
	}
	return in
}

func rateUsage(t *testing.T, p Prices, u *Usage) []LineItem {
	t.Helper()
	e, err := New(DefaultConfig(), p)
	if err != nil {
		t.Fatal(err)
	}
	items, err := e.LineItems(u)
	if err != nil {
		t.Fatalf("rate: %v", err)
	}
	return items
}

// tally is what a set of line items adds up to.
type tally struct {
	Quantity string
	Amount   string
}

// bySource totals line items per source, formatted for comparison.
func bySource(items []LineItem) map[Source]tally {
	q := map[Source]Quantity{}
	a := map[Source]Money{}
	for _, li := range items {
		q[li.Source] = q[li.Source].Add(li.Quantity)
		a[li.Source] = a[li.Source].Add(li.Amount)
	}
	out := map[Source]tally{}
	for s := range q {
		out[s] = tally{q[s].String(), a[s].String()}
	}
	return out
}

func sum(items []LineItem) Money {
	var m Money
	for _, li := range items {
		m = m.Add(li.Amount)
	}
	return m
}

func only(items []LineItem, keep func(LineItem) bool) []LineItem {
	var out []LineItem
	for _, li := range items {
		if keep(li) {
			out = append(out, li)
		}
	}
	return out
}
