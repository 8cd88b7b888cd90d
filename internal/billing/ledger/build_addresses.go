package ledger

import (
	"strings"
	"time"

	"github.com/kumo-cloud/kumo/internal/billing"
	"github.com/kumo-cloud/kumo/internal/billing/usage"
)

// buildAddresses turns one public IPv4 address's events, in time order,
// into engine addresses: one per period from created to deleted. The meter
// records an instance's auto-assigned address under the instance's id, in
// use for as long as the instance holds it. It does not record when an
// Elastic IP is associated, so an Elastic IP bills as idle throughout: the
// price is the same, only the usage type differs.
func buildAddresses(evs []usage.Event, from, to time.Time) ([]billing.Address, error) {
	var out []billing.Address
	open := -1 // index in out of the period under way
	for i := range evs {
		e := &evs[i]
		if e.Region == "" {
			return nil, badEvent(e, "no region")
		}
		at := e.Time.UTC()
		switch e.State {
		case usage.Created:
			if open >= 0 {
				continue // already allocated
			}
			out = append(out, billing.Address{ID: e.ID, Account: e.Account, Region: e.Region, Allocated: at, Tags: e.Tags})
			open = len(out) - 1
		case usage.Deleted:
			if open >= 0 {
				out[open].Released = at
			}
			open = -1
		default:
			return nil, badEvent(e, "unknown state "+e.State)
		}
	}
	kept := out[:0]
	for _, a := range out {
		if !a.Allocated.Before(to) || !a.Released.IsZero() && !a.Released.After(from) {
			continue
		}
		if strings.HasPrefix(a.ID, "i-") {
			a.InUse = []billing.Interval{{From: a.Allocated, To: a.Released}}
		}
		kept = append(kept, a)
	}
	return kept, nil
}
