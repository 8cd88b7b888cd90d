package billing

import (
	"cmp"
	"fmt"
	"math/bits"
	"slices"
	"time"
)

// SavingsPlanType is the kind of Savings Plan.
type SavingsPlanType string

// Savings Plan types. EC2 Instance plans apply before Compute plans.
const (
	PlanEC2Instance SavingsPlanType = "EC2Instance"
	PlanCompute     SavingsPlanType = "Compute"
)

// SavingsPlan is an hourly dollar commitment. Eligible usage is priced at
// the plan's rates (from Prices) and draws the commitment down; the rest is
// On-Demand, and commitment left over is still paid.
type SavingsPlan struct {
	ID      string
	Account string
	Type    SavingsPlanType
	Region  string // EC2 Instance plans only
	Family  string // EC2 Instance plans only
	Payment PaymentOption
	// Commitment is dollars per hour of usage the plan covers.
	Commitment Money
	// Upfront is paid at Start (All and Partial Upfront).
	Upfront Money
	// RecurringHourly is the part of the commitment billed each hour:
	// required for Partial Upfront; No Upfront bills the whole commitment
	// and All Upfront nothing.
	RecurringHourly Money
	Start, End      time.Time
}

// planBook is the Savings Plans of a rating in the order they apply.
type planBook struct {
	byType [2][]*planState // EC2 Instance, then Compute
}

// planState is one Savings Plan in the current hour.
type planState struct {
	plan      *SavingsPlan
	commit    int64 // Commitment, 10^-10 dollars per hour
	recurring int64 // RecurringHourly, 10^-10 dollars per hour
	lease     span
	res       *Resource
	segs      [segments][]planCandidate

	secs    int64
	avail   Money // commitment left this hour
	charged Money // recurring fee given to covered usage this hour
}

// planCandidate is usage a plan may cover and the plan's rate for it.
type planCandidate struct {
	unit int32
	rate int64
}

func (r *rating) preparePlans() error {
	plans := make([]*SavingsPlan, len(r.u.SavingsPlans))
	for i := range plans {
		plans[i] = &r.u.SavingsPlans[i]
	}
	slices.SortFunc(plans, func(a, b *SavingsPlan) int {
		return cmp.Or(a.Start.Compare(b.Start), cmp.Compare(a.ID, b.ID))
	})
	for _, p := range plans {
		st, err := r.newPlanState(p)
		if err != nil {
			return err
		}
		if st == nil {
			continue
		}
		r.addPlanCandidates(st)
		t := 1
		if p.Type == PlanEC2Instance {
			t = 0
		}
		r.plans.byType[t] = append(r.plans.byType[t], st)
	}
	return nil
}

func (r *rating) newPlanState(p *SavingsPlan) (*planState, error) {
	if p.Type != PlanCompute && p.Type != PlanEC2Instance || !p.Start.Before(p.End) {
		return nil, fmt.Errorf("savings plan %s: needs a type and a term: %w", p.ID, ErrInvalidUsage)
	}
	commit, err := priceOf(p.Commitment, true)
	if err != nil {
		return nil, fmt.Errorf("savings plan %s commitment: %w", p.ID, err)
	}
	var recurring int64
	switch p.Payment {
	case NoUpfront:
		recurring = commit
	case PartialUpfront:
		if recurring, err = priceOf(p.RecurringHourly, true); err != nil || recurring > commit {
			return nil, fmt.Errorf("savings plan %s: partial upfront needs a recurring fee up to the commitment: %w", p.ID, ErrInvalidUsage)
		}
	case AllUpfront:
	default:
		return nil, fmt.Errorf("savings plan %s: payment option %q: %w", p.ID, p.Payment, ErrInvalidUsage)
	}
	res := &Resource{
		Payer: r.payer(p.Account), Account: p.Account, Service: ServiceSavingsPlans,
		UsageType: planUsageType(p), Region: p.Region, ResourceID: p.ID, Unit: UnitHours,
	}
	if start := unix(p.Start); start >= r.from && start < r.to && !p.Upfront.IsZero() {
		fee := *res
		fee.Unit = UnitCount
		r.upfronts = append(r.upfronts, LineItem{
			Resource: &fee, Start: hourTime(hourStart(start)), Source: SourceSavingsPlanUpfront,
			PurchaseType: PurchaseSavingsPlans, ReservationID: p.ID, Quantity: QuantityOf(1), Amount: p.Upfront,
		})
	}
	lease, ok := lifetime(p.Start, p.End, r.from, r.to)
	if !ok {
		return nil, nil
	}
	return &planState{plan: p, commit: commit, recurring: recurring, lease: lease, res: res}, nil
}

// planUsageType names the plan's fee as AWS does: "ComputeSP:1yrNoUpfront".
func planUsageType(p *SavingsPlan) string {
	term := "1yr"
	if p.End.Sub(p.Start) > 2*365*24*time.Hour {
		term = "3yr"
	}
	pay := map[PaymentOption]string{AllUpfront: "AllUpfront", PartialUpfront: "PartialUpfront", NoUpfront: "NoUpfront"}[p.Payment]
	return string(p.Type) + "SP:" + term + pay
}

// addPlanCandidates lists the usage the plan may cover, ordered as AWS
// applies a plan: highest savings percentage first, then lowest plan rate.
func (r *rating) addPlanCandidates(st *planState) {
	p := st.plan
	units := r.alloc.units
	for _, i := range r.alloc.byShare[r.shareKey(p.Account)] {
		u := &units[i]
		if p.Type == PlanEC2Instance && (u.key.Region != p.Region || u.family != p.Family) {
			continue
		}
		rate, ok := r.prices.SavingsPlanHourly(p, u.key)
		if !ok {
			continue
		}
		pu, isPrice := rate.priceUnits()
		if !isPrice || pu < 0 {
			continue
		}
		s := segmentOf(u, p.Account)
		st.segs[s] = append(st.segs[s], planCandidate{unit: i, rate: pu})
	}
	for s := range st.segs {
		slices.SortFunc(st.segs[s], func(a, b planCandidate) int {
			ua, ub := &units[a.unit], &units[b.unit]
			return cmp.Or(compareSavings(a.rate, ua.od, b.rate, ub.od), cmp.Compare(a.rate, b.rate),
				cmp.Compare(ua.res.ResourceID, ub.res.ResourceID))
		})
	}
}

// compareSavings orders rate/od ratios ascending, i.e. savings percentage
// descending, exactly: a/b < c/d ⇔ a·d < c·b.
func compareSavings(rateA, odA, rateB, odB int64) int {
	if odA == 0 || odB == 0 {
		return cmp.Compare(odB, odA) // usage without a price saves nothing: last
	}
	h1, l1 := bits.Mul64(uint64(rateA), uint64(odB))
	h2, l2 := bits.Mul64(uint64(rateB), uint64(odA))
	return cmp.Or(cmp.Compare(h1, h2), cmp.Compare(l1, l2))
}

// applyPlans draws each active plan's hourly commitment down with uncovered
// usage, EC2 Instance plans first, owners' usage before the family's, then
// bills each plan's unused commitment.
func (r *rating) applyPlans(hs, from, to int64) {
	for _, plans := range r.plans.byType {
		for _, st := range plans {
			st.secs = st.lease.overlap(from, to)
			st.avail = hourlyAmount(st.commit, st.secs)
			st.charged = Money{}
		}
		for s := range segments {
			for _, st := range plans {
				if st.avail.Sign() > 0 {
					st.cover(r, s, hs)
				}
			}
		}
		for _, st := range plans {
			if st.secs > 0 && st.avail.Sign() > 0 {
				r.emit(LineItem{
					Resource: st.res, Start: hourTime(hs), Source: SourceSavingsPlanUnused,
					PurchaseType: PurchaseSavingsPlans, ReservationID: st.plan.ID,
					Quantity: Quantity{st.avail.v.mulQuoFloor(3600, st.commit)},
					Amount:   hourlyAmount(st.recurring, st.secs).Sub(st.charged),
				})
			}
		}
	}
}

// cover applies the plan to one segment of its candidates. The usage that
// exhausts the commitment is split: the covered part takes exactly what was
// left, the rest stays for the next plan or On-Demand.
func (st *planState) cover(r *rating, seg int, hs int64) {
	for _, c := range st.segs[seg] {
		u := &r.alloc.units[c.unit]
		if u.rem.sign() == 0 {
			continue
		}
		cost := Money{u.rem.mul(c.rate).quoRound(3600)}
		secs := u.rem
		if cost.Cmp(st.avail) > 0 {
			secs = mulDivFloor(u.rem, st.avail.v, cost.v)
			cost = st.avail
		}
		st.avail = st.avail.Sub(cost)
		u.rem = u.rem.sub(secs)
		amount := st.recurringShare(cost)
		r.emitUnit(u, hs, SourceSavingsPlanCovered, PurchaseSavingsPlans, st.plan.ID, hoursOf(secs), amount, u.publicCost(secs))
		if st.avail.Sign() == 0 {
			return
		}
	}
}

// recurringShare is the part of the hour's recurring fee that covered usage
// costing cost at plan rates carries. When the commitment is used up the
// last share takes whatever the floor roundings left, so the hour's shares
// add up to exactly the recurring fee.
func (st *planState) recurringShare(cost Money) Money {
	var share Money
	switch {
	case st.recurring == 0:
	case st.avail.Sign() == 0:
		share = hourlyAmount(st.recurring, st.secs).Sub(st.charged)
	case st.recurring == st.commit:
		share = cost
	default:
		share = Money{cost.v.mulQuoFloor(st.recurring, st.commit)}
	}
	st.charged = st.charged.Add(share)
	return share
}
