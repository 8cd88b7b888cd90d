package workload_test

import (
	"testing"
	"time"

	"github.com/kumo-cloud/kumo/internal/billing"
	"github.com/kumo-cloud/kumo/internal/billing/ledger"
	"github.com/kumo-cloud/kumo/internal/billing/pricing"
	"github.com/kumo-cloud/kumo/internal/billing/workload"
)

// TestMonthRates: the benchmark's month rates with the real catalog, every
// kind of line the commitments make shows up, and each account gets a bill.
func TestMonthRates(t *testing.T) {
	from := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	u, err := workload.Month(300, from, pricing.Default())
	if err != nil {
		t.Fatal(err)
	}
	sources := map[billing.Source]int{}
	s := billing.NewSummarizer()
	err = ledger.Rate(billing.DefaultConfig(), ledger.NewPrices(pricing.Default()), u, func(li billing.LineItem) {
		sources[li.Source]++
		s.Add(li)
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []billing.Source{billing.SourceOnDemand, billing.SourceReservedInstance, billing.SourceSavingsPlanCovered, billing.SourceEBS} {
		if sources[want] == 0 {
			t.Errorf("no %s line items in %v", want, sources)
		}
	}
	if got := len(s.Months()); got != 3 {
		t.Errorf("%d account bills, want 3", got)
	}
}

func BenchmarkMonth10k(b *testing.B) {
	from := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	u, err := workload.Month(10_000, from, pricing.Default())
	if err != nil {
		b.Fatal(err)
	}
	p := ledger.NewPrices(pricing.Default())
	for b.Loop() {
		if err := ledger.Rate(billing.DefaultConfig(), p, u, func(billing.LineItem) {}); err != nil {
			b.Fatal(err)
		}
	}
}
