package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/kumo-cloud/kumo/internal/billing"
	"github.com/kumo-cloud/kumo/internal/billing/ledger"
	"github.com/kumo-cloud/kumo/internal/billing/pricing"
	"github.com/kumo-cloud/kumo/internal/billing/workload"
)

// billedInstances is the size of the billing row's month (DESIGN §7).
const billedInstances = 10_000

// billingRow rates a month of 10,000 instances with Reserved Instances and
// Savings Plans. It runs in this process: the engine is pure, so the row
// measures the rating, not the API or the store.
func (e *benchEnv) billingRow() bench {
	return bench{
		name:   "Billing: one month, 10,000 instances, RIs + Savings Plans",
		unit:   "s",
		budget: lessThan(2),
		run: func(ctx context.Context) (result, error) {
			from := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
			cat := pricing.Default()
			u, err := workload.Month(billedInstances, from, cat)
			if err != nil {
				return result{}, err
			}
			var secs []float64
			lines := 0
			for range max(e.cfg.runs, 1) {
				if ctx.Err() != nil {
					return result{}, ctx.Err()
				}
				lines = 0
				s := billing.NewSummarizer()
				t0 := time.Now()
				err := ledger.Rate(billing.DefaultConfig(), ledger.NewPrices(cat), u, func(li billing.LineItem) { lines++; s.Add(li) })
				if err != nil {
					return result{}, err
				}
				if len(s.Months()) != 3 {
					return result{}, fmt.Errorf("billing: %d account bills, want 3", len(s.Months()))
				}
				secs = append(secs, time.Since(t0).Seconds())
			}
			runs := make([]string, len(secs))
			for i, v := range secs {
				runs[i] = formatNumber(v)
			}
			return result{value: median(secs), how: fmt.Sprintf("in process: the ledger rates March 2026 (744 h) for %s instances in three accounts of one organization "+
				"(most running all month, a fifth office hours only, 2%% Windows, each with a gp3 volume), %d Reserved Instances (regional, zonal, size-flexible), "+
				"an EC2 Instance and a Compute Savings Plan and a Capacity Reservation, at the built-in catalog's prices, into %s hourly line items and three monthly bills; "+
				"median of runs (s per run: %s)",
				formatInt(billedInstances), len(u.ReservedInstances), formatInt(lines), strings.Join(runs, ", "))}, nil
		},
	}
}
