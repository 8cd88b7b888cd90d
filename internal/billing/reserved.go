package billing

import (
	"cmp"
	"fmt"
	"slices"
	"time"
)

// OfferingClass is a Reserved Instance's class. Both bill alike; the class
// shows in PURCHASE_TYPE.
type OfferingClass string

// Offering classes.
const (
	ClassStandard    OfferingClass = "standard"
	ClassConvertible OfferingClass = "convertible"
)

// PaymentOption is how a Reserved Instance or Savings Plan is paid.
type PaymentOption string

// Payment options.
const (
	AllUpfront     PaymentOption = "All Upfront"
	PartialUpfront PaymentOption = "Partial Upfront"
	NoUpfront      PaymentOption = "No Upfront"
)

// ReservedInstance is a purchase of Count reserved instances. An empty Zone
// means regional scope; a regional Linux/UNIX default-tenancy RI is size
// flexible within its family. A modification or exchange ends one record
// and starts another.
type ReservedInstance struct {
	ID           string
	Account      string
	InstanceType string
	Region       string
	Zone         string
	Platform     Platform
	Tenancy      Tenancy
	Count        int64
	Class        OfferingClass
	Payment      PaymentOption
	FixedPrice   Money // upfront, per instance
	HourlyFee    Money // recurring, per instance-hour, charged used or not
	Start, End   time.Time
}

// reservedBook is the RIs of a rating, grouped for the hourly allocation:
// zonal groups are applied before regional ones.
type reservedBook struct {
	zonal, regional []*riGroup
	all             []*riState
}

// Candidate segments, applied in this order by every group before the next
// segment: owners' usage before the family's, instances before empty
// Capacity Reservation slots.
const (
	segOwnInstances = iota
	segOtherInstances
	segOwnReservations
	segOtherReservations
	segments
)

// riGroup is the RIs of one owner that match the same usage, and that usage
// in the order they cover it.
type riGroup struct {
	owner string
	flex  bool
	ris   []*riState
	segs  [segments][]int32
}

// riState is one RI in the current hour.
type riState struct {
	ri       *ReservedInstance
	units    int64 // quarter units one reserved instance covers per second
	fee      int64 // HourlyFee in 10^-10 dollars
	lease    span
	purchase string
	res      *Resource

	secs    int64 // seconds of the RI's term in this hour
	cap     wide  // unit-seconds left this hour, at fineScale
	covered Money // share of the hour's fee given to covered usage
}

// riMatch is what usage must share with an RI to use it.
type riMatch struct {
	share        string
	zone         string // zonal RIs only
	region       string
	instanceType string // empty when size flexible
	family       string // size flexible only
	platform     Platform
	tenancy      Tenancy
}

func (r *rating) prepareReserved() error {
	ris := make([]*ReservedInstance, len(r.u.ReservedInstances))
	for i := range ris {
		ri := r.u.ReservedInstances[i]
		ri.Platform, ri.Tenancy = orLinux(ri.Platform), orDefault(ri.Tenancy)
		ris[i] = &ri
	}
	slices.SortFunc(ris, func(a, b *ReservedInstance) int {
		return cmp.Or(a.Start.Compare(b.Start), cmp.Compare(a.ID, b.ID))
	})
	type groupKey struct {
		m     riMatch
		owner string
	}
	groups := map[groupKey]*riGroup{}
	byMatch := map[riMatch][]*riGroup{}
	for _, ri := range ris {
		st, m, err := r.newRIState(ri)
		if err != nil {
			return err
		}
		if st == nil {
			continue
		}
		r.reserved.all = append(r.reserved.all, st)
		k := groupKey{m, ri.Account}
		g, ok := groups[k]
		if !ok {
			g = &riGroup{owner: ri.Account, flex: m.family != ""}
			groups[k] = g
			byMatch[m] = append(byMatch[m], g)
			if m.zone != "" {
				r.reserved.zonal = append(r.reserved.zonal, g)
			} else {
				r.reserved.regional = append(r.reserved.regional, g)
			}
		}
		g.ris = append(g.ris, st)
	}
	r.addRICandidates(byMatch)
	return nil
}

// newRIState checks an RI, queues its upfront fee and returns its hourly
// state and match, or nil when its term misses the window.
func (r *rating) newRIState(ri *ReservedInstance) (*riState, riMatch, error) {
	if ri.Count <= 0 || !ri.Start.Before(ri.End) {
		return nil, riMatch{}, fmt.Errorf("reserved instance %s: needs a positive count and term: %w", ri.ID, ErrInvalidUsage)
	}
	fee, err := priceOf(ri.HourlyFee, true)
	if err != nil {
		return nil, riMatch{}, fmt.Errorf("reserved instance %s hourly fee: %w", ri.ID, err)
	}
	purchase := PurchaseStandardReserved
	if ri.Class == ClassConvertible {
		purchase = PurchaseConvertibleReserved
	}
	res := &Resource{
		Payer: r.payer(ri.Account), Account: ri.Account, Service: ServiceCompute,
		UsageType: usageType(ri.Region, "HeavyUsage:"+ri.InstanceType), Operation: ri.Platform.Operation(),
		Region: ri.Region, Zone: ri.Zone, ResourceID: ri.ID, InstanceType: ri.InstanceType, Unit: UnitHours,
	}
	if start := unix(ri.Start); start >= r.from && start < r.to && !ri.FixedPrice.IsZero() {
		fee := *res
		fee.Unit = UnitCount
		r.upfronts = append(r.upfronts, LineItem{
			Resource: &fee, Start: hourTime(hourStart(start)), Source: SourceRIUpfront, PurchaseType: purchase,
			ReservationID: ri.ID, Quantity: QuantityOf(ri.Count), Amount: Money{ri.FixedPrice.v.mul(ri.Count)},
		})
	}
	lease, ok := lifetime(ri.Start, ri.End, r.from, r.to)
	if !ok {
		return nil, riMatch{}, nil
	}
	family, _ := splitType(ri.InstanceType)
	nf, known := r.cfg.NormalizationFactor(ri.InstanceType)
	if !known {
		nf = 1
	}
	m := riMatch{share: r.shareKey(ri.Account), region: ri.Region, platform: ri.Platform, tenancy: ri.Tenancy}
	switch {
	case ri.Zone != "":
		m.zone, m.instanceType = ri.Zone, ri.InstanceType
	case known && ri.Platform == PlatformLinux && ri.Tenancy == TenancyDefault:
		m.family = family
	default:
		m.instanceType = ri.InstanceType
	}
	return &riState{ri: ri, units: nf, fee: fee, lease: lease, purchase: purchase, res: res}, m, nil
}

// addRICandidates lists, for every group, the usage it may cover: zonal RIs
// the instances in their zone (not empty reservation slots), regional RIs
// any matching usage in the region.
func (r *rating) addRICandidates(byMatch map[riMatch][]*riGroup) {
	if len(byMatch) == 0 {
		return
	}
	for i := range r.alloc.units {
		u := &r.alloc.units[i]
		base := riMatch{share: u.share, region: u.key.Region, platform: u.key.Platform, tenancy: u.key.Tenancy}
		if u.kind == instanceUnit {
			zonal := base
			zonal.zone, zonal.instanceType = u.zone, u.key.InstanceType
			addCandidate(byMatch[zonal], u, int32(i))
		}
		regional := base
		if u.flex {
			regional.family = u.family
		} else {
			regional.instanceType = u.key.InstanceType
		}
		addCandidate(byMatch[regional], u, int32(i))
	}
	units := r.alloc.units
	for _, g := range append(r.reserved.zonal, r.reserved.regional...) {
		for s := range g.segs {
			slices.SortFunc(g.segs[s], func(a, b int32) int {
				ua, ub := &units[a], &units[b]
				if g.flex && ua.nf != ub.nf {
					return cmp.Compare(ua.nf, ub.nf) // smallest size first
				}
				return cmp.Compare(ua.res.ResourceID, ub.res.ResourceID)
			})
		}
	}
}

func addCandidate(groups []*riGroup, u *unit, i int32) {
	for _, g := range groups {
		g.segs[segmentOf(u, g.owner)] = append(g.segs[segmentOf(u, g.owner)], i)
	}
}

func segmentOf(u *unit, owner string) int {
	s := segOwnInstances
	if u.owner != owner {
		s = segOtherInstances
	}
	if u.kind == reservationUnit {
		s += segOwnReservations
	}
	return s
}

// applyReserved lets every RI active in the hour cover up to 3600 seconds
// (times its units) of matching usage, zonal before regional, then bills the
// rest of each RI's hourly fee as unused.
func (r *rating) applyReserved(hs, from, to int64) {
	b := &r.reserved
	for _, st := range b.all {
		st.secs = st.lease.overlap(from, to)
		st.cap = wideOf(st.ri.Count * st.units * st.secs).mul(fineScale)
		st.covered = Money{}
	}
	for _, phase := range [][]*riGroup{b.zonal, b.regional} {
		for s := range segments {
			for _, g := range phase {
				g.cover(r, s, hs)
			}
		}
	}
	for _, st := range b.all {
		if st.secs == 0 || st.cap.sign() == 0 {
			continue
		}
		r.emit(LineItem{
			Resource: st.res, Start: hourTime(hs), Source: SourceRIUnused, PurchaseType: st.purchase,
			ReservationID: st.ri.ID, Quantity: hoursOf(st.cap.quoRound(st.units)),
			Amount: hourlyAmount(st.fee*st.ri.Count, st.secs).Sub(st.covered),
		})
	}
}

// cover applies the group's RIs, oldest first, to one segment of its
// candidates. A size-flexible RI may cover part of an instance's hour.
func (g *riGroup) cover(r *rating, seg int, hs int64) {
	cands := g.segs[seg]
	k := 0
	for _, st := range g.ris {
		for st.cap.sign() > 0 && k < len(cands) {
			u := &r.alloc.units[cands[k]]
			if u.rem.sign() == 0 {
				k++
				continue
			}
			take := minWide(u.rem.mul(u.nf), st.cap)
			st.cap = st.cap.sub(take)
			secs := take.quoRound(u.nf)
			u.rem = u.rem.sub(secs)
			amount := Money{take.mul(st.fee).quoRound(st.units * 3600)}
			st.covered = st.covered.Add(amount)
			r.emitUnit(u, hs, SourceReservedInstance, st.purchase, st.ri.ID, hoursOf(secs), amount, u.publicCost(secs))
		}
	}
}
