package billing

import (
	"cmp"
	"slices"
	"time"
)

// freeTierState counts each billing family's Free Tier seconds in the
// current month. AWS gives an organization one Free Tier, so the count is
// per payer and the 12 months run from the payer's creation.
type freeTierState struct {
	month   int // year*12 + month of the hour being billed
	used    map[string]int64
	expires map[string]int64 // payer → end of eligibility (Unix seconds)
	order   []int32          // eligible units by resource ID, for a stable order
}

func (r *rating) newFreeTierState() *freeTierState {
	f := &freeTierState{month: -1, used: map[string]int64{}, expires: map[string]int64{}}
	if r.cfg.FreeTier.HoursPerMonth == 0 {
		return f
	}
	for i := range r.alloc.units {
		u := &r.alloc.units[i]
		if !u.freeTier {
			continue
		}
		a, ok := r.accounts[u.payer]
		if !ok || a.Created.IsZero() {
			u.freeTier = false // no creation date, no Free Tier
			continue
		}
		f.expires[u.payer] = unix(a.Created.AddDate(0, r.cfg.FreeTier.Months, 0))
		f.order = append(f.order, int32(i))
	}
	slices.SortFunc(f.order, func(x, y int32) int {
		return cmp.Compare(r.alloc.units[x].res.ResourceID, r.alloc.units[y].res.ResourceID)
	})
	return f
}

// apply makes eligible usage of the hour free until the family's monthly
// hours run out, possibly part-way through an instance's hour.
func (f *freeTierState) apply(r *rating, hs int64) {
	if len(f.order) == 0 {
		return
	}
	t := time.Unix(hs, 0).UTC()
	if m := t.Year()*12 + int(t.Month()); m != f.month {
		first := f.month == -1
		f.month = m
		clear(f.used)
		if first { // the window's first month continues the caller's count
			for payer, s := range r.u.FreeTierSecondsUsed {
				f.used[payer] = s
			}
		}
	}
	allowance := r.cfg.FreeTier.HoursPerMonth * 3600
	for _, i := range f.order {
		u := &r.alloc.units[i]
		if u.rem.sign() == 0 || hs >= f.expires[u.payer] {
			continue
		}
		left := allowance - f.used[u.payer]
		if left <= 0 {
			continue
		}
		secs := u.rem.quoRound(fineScale).lo // whole seconds: nothing applied before
		take := min(int64(secs), left)
		f.used[u.payer] += take
		covered := wideOf(take).mul(fineScale)
		u.rem = u.rem.sub(covered)
		r.emitUnit(u, hs, SourceFreeTier, PurchaseOnDemand, "", hoursOf(covered), Money{}, u.publicCost(covered))
	}
}
