package billing

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestBilledSpan(t *testing.T) {
	const start = 1_000_000 * 3600
	tests := []struct {
		name         string
		secs         int64
		hourly, spot bool
		interrupted  bool
		open         bool
		want         int64 // billed seconds; -1 for nothing
	}{
		{name: "per second", secs: 1234, want: 1234},
		{name: "60-second minimum", secs: 10, want: 60},
		{name: "zero-length run still pays the minimum", secs: 0, want: 60},
		{name: "hourly rounds up", hourly: true, secs: 3660, want: 7200},
		{name: "hourly minimum one hour", hourly: true, secs: 5, want: 3600},
		{name: "hourly whole hours stay", hourly: true, secs: 7200, want: 7200},
		{name: "spot provider first hour free", spot: true, interrupted: true, secs: 1800, want: -1},
		{name: "spot provider after an hour pays seconds", spot: true, interrupted: true, secs: 5400, want: 5400},
		{name: "spot user pays seconds", spot: true, secs: 1800, want: 1800},
		{name: "spot user minimum", spot: true, secs: 30, want: 60},
		{name: "spot hourly provider loses partial hour", spot: true, hourly: true, interrupted: true, secs: 5400, want: 3600},
		{name: "spot still running is billed", spot: true, interrupted: true, open: true, secs: 1800, want: 1800},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run{start: start, end: start + tt.secs, interrupted: tt.interrupted, open: tt.open}
			s, ok := billedSpan(r, tt.hourly, tt.spot)
			got := int64(-1)
			if ok {
				got = s.to - s.from
			}
			if got != tt.want {
				t.Fatalf("billed %d s, want %d", got, tt.want)
			}
		})
	}
}

func TestRunsOf(t *testing.T) {
	tr := []Transition{
		{At: at(10, 0, 0), State: StatePending},
		{At: at(10, 0, 30), State: StateRunning},
		{At: at(10, 5, 0), State: StateRunning}, // reboot: nothing new
		{At: at(10, 10, 0), State: StateStopping, Hibernating: true},
		{At: at(10, 11, 0), State: StateStopped},
		{At: at(10, 20, 0), State: StateRunning},
		{At: at(10, 30, 0), State: StateShuttingDown, Interrupted: true},
		{At: at(10, 31, 0), State: StateTerminated},
	}
	got, err := runsOf(tr, unix(at(12, 0, 0)))
	if err != nil {
		t.Fatal(err)
	}
	want := []run{
		{start: unix(at(10, 0, 30)), end: unix(at(10, 11, 0))},
		{start: unix(at(10, 20, 0)), end: unix(at(10, 30, 0)), interrupted: true},
	}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(run{})); diff != "" {
		t.Fatalf("runs (-want +got):\n%s", diff)
	}
	if _, err := runsOf([]Transition{tr[2], tr[1]}, 0); err == nil {
		t.Fatal("out-of-order transitions accepted")
	}
}

func TestOnDemandMetering(t *testing.T) {
	suse := ran("i-suse", "m5.large", at(10, 0, 0), at(11, 1, 0))
	suse.Platform = PlatformSUSE
	open := ran("i-open", "m5.large", at(11, 30, 0))
	tests := []struct {
		name string
		in   Instance
		want map[time.Time]tally // OnDemand per hour
	}{
		{
			name: "60-second minimum",
			in:   ran("i-1", "m5.large", at(10, 0, 0), at(10, 0, 10)),
			want: map[time.Time]tally{at(10, 0, 0): {"0.0166666667", "0.0016"}},
		},
		{
			name: "stop and start twice in an hour",
			in: ran("i-1", "m5.large", at(10, 0, 0), at(10, 10, 0), at(10, 20, 0), at(10, 20, 30),
				at(10, 40, 0), at(10, 50, 0)),
			want: map[time.Time]tally{at(10, 0, 0): {"0.35", "0.0336"}},
		},
		{
			name: "split at the hour boundary",
			in:   ran("i-1", "m5.large", at(10, 30, 0), at(11, 30, 0)),
			want: map[time.Time]tally{at(10, 0, 0): {"0.5", "0.048"}, at(11, 0, 0): {"0.5", "0.048"}},
		},
		{
			name: "minimum crossing the hour",
			in:   ran("i-1", "m5.large", at(10, 59, 50), at(10, 59, 55)),
			want: map[time.Time]tally{at(10, 0, 0): {"0.0027777778", "0.0002666667"}, at(11, 0, 0): {"0.0138888889", "0.0013333333"}},
		},
		{
			name: "SUSE rounds partial hours up",
			in:   suse,
			want: map[time.Time]tally{at(10, 0, 0): {"1", "0.126"}, at(11, 0, 0): {"1", "0.126"}},
		},
		{
			name: "still running at the window end",
			in:   open,
			want: map[time.Time]tally{at(11, 0, 0): {"0.5", "0.048"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			items := rateUsage(t, testPrices(), &Usage{From: at(0, 0, 0), To: at(12, 0, 0), Instances: []Instance{tt.in}})
			got := map[time.Time]tally{}
			for _, li := range items {
				if li.Source != SourceOnDemand {
					t.Fatalf("unexpected %s line", li.Source)
				}
				got[li.Start] = tally{li.Quantity.String(), li.Amount.String()}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Fatalf("On-Demand by hour (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLineItemShape(t *testing.T) {
	in := ran("i-1", "m5.large", at(10, 0, 0), at(11, 0, 0))
	in.Platform = PlatformWindows
	in.Region, in.Zone = "us-east-1", "us-east-1b"
	in.Tags = map[string]string{"team": "web"}
	items := rateUsage(t, testPrices(), &Usage{From: at(0, 0, 0), To: at(12, 0, 0), Instances: []Instance{in}})
	want := []LineItem{{
		Resource: &Resource{
			Payer: in.Account, Account: in.Account, Service: ServiceCompute, UsageType: "BoxUsage:m5.large",
			Operation: "RunInstances:0002", Region: "us-east-1", Zone: "us-east-1b", ResourceID: "i-1",
			InstanceType: "m5.large", Tags: in.Tags, Unit: UnitHours,
		},
		Start: at(10, 0, 0), Source: SourceOnDemand, PurchaseType: PurchaseOnDemand,
		Quantity: QuantityOf(1), Amount: money("0.188"), PublicCost: money("0.188"),
	}}
	if diff := cmp.Diff(want, items, cmp.AllowUnexported(Money{}, Quantity{}, wide{})); diff != "" {
		t.Fatalf("line items (-want +got):\n%s", diff)
	}
}

func TestMonthBoundary(t *testing.T) {
	in := ran("i-1", "m5.large", april.Add(-30*time.Minute), april.Add(90*time.Minute))
	s := NewSummarizer()
	e, _ := New(DefaultConfig(), testPrices())
	if err := e.Rate(&Usage{From: march, To: may, Instances: []Instance{in}}, s.Add); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range s.Months() {
		got = append(got, m.Month.Format("2006-01")+" "+m.Total.String()+" due "+m.Due.String())
	}
	want := []string{"2026-03 0.048 due 0.05", "2026-04 0.144 due 0.14"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("monthly totals (-want +got):\n%s", diff)
	}
}

func TestMissingPriceIsAnError(t *testing.T) {
	in := ran("i-1", "x9.huge", at(10, 0, 0), at(11, 0, 0))
	e, _ := New(DefaultConfig(), testPrices())
	emitted := 0
	err := e.Rate(&Usage{From: at(0, 0, 0), To: at(12, 0, 0), Instances: []Instance{in}}, func(LineItem) { emitted++ })
	if err == nil || emitted != 0 {
		t.Fatalf("Rate = %v with %d items, want ErrNoPrice and nothing emitted", err, emitted)
	}
}

func TestNormalizationFactor(t *testing.T) {
	cfg := DefaultConfig()
	tests := map[string]int64{
		"t3.nano": 1, "m5.large": 16, "c4.xlarge": 32, "m5.24xlarge": 768, "m5.metal": 768,
		"m7i.metal-48xl": 1536, "u-6tb1.112xlarge": 3584, "x9.metal": 0, "weird": 0,
	}
	for typ, want := range tests {
		got, ok := cfg.NormalizationFactor(typ)
		if got != want || ok != (want != 0) {
			t.Errorf("NormalizationFactor(%s) = %d, %v; want %d", typ, got, ok, want)
		}
	}
}
