package ledger_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kumo-cloud/kumo/internal/billing"
	"github.com/kumo-cloud/kumo/internal/billing/ledger"
	"github.com/kumo-cloud/kumo/internal/billing/pricing"
)

func TestPrices(t *testing.T) {
	cat := pricing.Default()
	p := ledger.NewPrices(cat)
	linux := func(region, typ string) billing.RateKey {
		return billing.RateKey{Region: region, InstanceType: typ, Platform: billing.PlatformLinux, Tenancy: billing.TenancyDefault}
	}
	oneYear := &billing.SavingsPlan{Type: billing.PlanCompute, Payment: billing.NoUpfront,
		Start: from, End: from.Add(365 * 24 * time.Hour)}
	threeYears := &billing.SavingsPlan{Type: billing.PlanCompute, Payment: billing.NoUpfront,
		Start: from, End: from.Add(3 * 365 * 24 * time.Hour)}
	catalogSP := func(term pricing.Term) string {
		m, err := cat.SavingsPlanRate(pricing.ComputeSP, term, pricing.NoUpfront, pricing.Product{InstanceType: "m5.large", Region: "us-east-1"})
		if err != nil {
			t.Fatal(err)
		}
		return m.String()
	}
	host, err := cat.DedicatedHost("m5", "us-east-1")
	if err != nil {
		t.Fatal(err)
	}
	spot, err := cat.SpotBaseline("m5.large", "us-east-1a", pricing.Linux)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		got  func() (billing.Money, bool)
		want string // "" when there is no price
	}{
		{"on-demand", func() (billing.Money, bool) { return p.OnDemandHourly(linux("us-east-1", "m5.large")) }, "0.096"},
		{"on-demand windows", func() (billing.Money, bool) {
			return p.OnDemandHourly(billing.RateKey{Region: "us-east-1", InstanceType: "m5.large", Platform: billing.PlatformWindows, Tenancy: billing.TenancyDefault})
		}, "0.188"},
		{"on-demand in another region", func() (billing.Money, bool) { return p.OnDemandHourly(linux("eu-west-1", "m5.large")) }, "0.107"},
		{"unknown type", func() (billing.Money, bool) { return p.OnDemandHourly(linux("us-east-1", "m9.huge")) }, ""},
		{"a platform the catalog does not price", func() (billing.Money, bool) {
			return p.OnDemandHourly(billing.RateKey{Region: "us-east-1", InstanceType: "m5.large", Platform: billing.PlatformRHELHA, Tenancy: billing.TenancyDefault})
		}, ""},
		{"gp3", func() (billing.Money, bool) { return p.VolumeGBMonth("us-east-1", "gp3") }, "0.08"},
		{"unknown volume type", func() (billing.Money, bool) { return p.VolumeGBMonth("us-east-1", "gp9") }, ""},
		{"snapshots", func() (billing.Money, bool) { return p.SnapshotGBMonth("us-east-1") }, "0.05"},
		{"snapshots in an unknown region", func() (billing.Money, bool) { return p.SnapshotGBMonth("mars-north-1") }, ""},
		{"public IPv4", func() (billing.Money, bool) { return p.PublicIPv4Hourly("us-east-1") }, "0.005"},
		{"dedicated fee", func() (billing.Money, bool) { return p.DedicatedRegionFeeHourly("us-east-1") }, "2"},
		{"host by family", func() (billing.Money, bool) { return p.HostHourly("us-east-1", "m5") }, host.String()},
		{"host by type", func() (billing.Money, bool) { return p.HostHourly("us-east-1", "m5.large") }, host.String()},
		{"1-year savings plan", func() (billing.Money, bool) { return p.SavingsPlanHourly(oneYear, linux("us-east-1", "m5.large")) }, catalogSP(pricing.Term1Year)},
		{"3-year savings plan", func() (billing.Money, bool) { return p.SavingsPlanHourly(threeYears, linux("us-east-1", "m5.large")) }, catalogSP(pricing.Term3Years)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, ok := tc.got()
			switch {
			case tc.want == "" && ok:
				t.Errorf("price %s, want none", m)
			case tc.want != "" && (!ok || m.Cmp(billing.MustParseMoney(tc.want)) != 0):
				t.Errorf("price %s (%v), want %s", m, ok, tc.want)
			}
		})
	}
	if err := p.Misses(); err == nil || !strings.Contains(err.Error(), "m9.huge") || !strings.Contains(err.Error(), "mars-north-1") {
		t.Errorf("misses %v, want the catalog's reasons for m9.huge and mars-north-1", err)
	}

	// Rate resets the misses and explains its own.
	u := &billing.Usage{From: from, To: to, Instances: []billing.Instance{{ID: "i-1", Account: acct, InstanceType: "m9.huge",
		Region: "eu-west-1", Transitions: []billing.Transition{tr(billing.StateRunning, from)}}}}
	err = ledger.Rate(billing.DefaultConfig(), p, u, func(billing.LineItem) { t.Error("a line item despite a missing price") })
	if err == nil || !strings.Contains(err.Error(), "m9.huge Linux/UNIX default in eu-west-1: unknown instance type") ||
		strings.Contains(err.Error(), "mars-north-1") || !errors.Is(err, billing.ErrNoPrice) {
		t.Errorf("rate: %v, want the catalog's reason for m9.huge in eu-west-1 alone", err)
	}

	h := p.SpotHistory("us-east-1a", "m5.large", billing.PlatformLinux)
	if len(h) != 1 || h[0].Price.Cmp(billing.MustParseMoney(spot.String())) != 0 || h[0].At.After(from) {
		t.Errorf("spot history %+v, want the baseline %s from before any window", h, spot)
	}
	p.Spot = func(string, string, billing.Platform) []billing.SpotPrice {
		return []billing.SpotPrice{{At: from, Price: billing.MustParseMoney("0.03")}}
	}
	if h := p.SpotHistory("us-east-1a", "m5.large", billing.PlatformLinux); len(h) != 1 || h[0].Price.Cmp(billing.MustParseMoney("0.03")) != 0 {
		t.Errorf("spot history %+v, want the market's", h)
	}
}
