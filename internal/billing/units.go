package billing

import (
	"cmp"
	"fmt"
	"slices"
)

// unitKind tells the two kinds of usage that compete for RIs, Savings Plans
// and the Free Tier each hour.
type unitKind uint8

const (
	instanceUnit    unitKind = iota // an On-Demand instance
	reservationUnit                 // a Capacity Reservation's empty slots
)

// unit is one stream of On-Demand-priced usage that the hourly allocation
// shares out among commitments. Its rem is the usage of the current hour
// not yet covered, in instance-seconds at fineScale.
type unit struct {
	kind   unitKind
	res    *Resource
	owner  string
	share  string
	payer  string
	key    RateKey
	zone   string
	family string
	nf     int64 // normalization factor in quarter units; 1 when none
	flex   bool  // Linux, default tenancy, known factor: size-flexible RIs apply
	od     int64 // On-Demand price per hour, 10^-10 dollars

	billed spanCursor
	actual spanCursor // instances: seconds actually running, to fill a reservation
	crID   string
	cr     int32 // instances: the reservation unit they fill, or -1
	slots  int64 // reservations: InstanceCount
	lease  span  // reservations: active period in the window
	used   int64 // reservations: instance-seconds filled this hour

	freeTier    bool
	first, last int // hour indexes of the first and last billed second
	rem         wide
}

// spanCursor walks sorted spans one clock hour at a time.
type spanCursor struct {
	spans []span
	i     int
}

// seconds returns the seconds of the spans inside [from, to) and forgets
// spans that end by to; calls must move forward in time.
func (c *spanCursor) seconds(from, to int64) int64 {
	var s int64
	for j := c.i; j < len(c.spans) && c.spans[j].from < to; j++ {
		s += c.spans[j].overlap(from, to)
	}
	for c.i < len(c.spans) && c.spans[c.i].to <= to {
		c.i++
	}
	return s
}

// allocation is the usage that shares commitments, indexed for the hourly
// loop.
type allocation struct {
	units     []unit
	firstHour int64 // the clock hour containing the window start
	hours     int
	byShare   map[string][]int32
	crIndex   map[string]int32
}

func (r *rating) hourIndex(t int64) int { return int((hourStart(t) - r.alloc.firstHour) / 3600) }

// prepareInstances meters every instance: On-Demand ones become units,
// Spot ones are priced from their pool, and dedicated ones feed the
// per-region fee.
func (r *rating) prepareInstances() error {
	a := &r.alloc
	a.firstHour = hourStart(r.from)
	a.hours = int((r.to - a.firstHour + 3599) / 3600)
	a.byShare = map[string][]int32{}
	order := make([]int, len(r.u.Instances))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(x, y int) int {
		return cmp.Compare(r.u.Instances[x].ID, r.u.Instances[y].ID)
	})
	for _, i := range order {
		inst := r.u.Instances[i]
		inst.Platform, inst.Tenancy = orLinux(inst.Platform), orDefault(inst.Tenancy)
		if inst.Market == "" {
			inst.Market = MarketOnDemand
		}
		in := &inst
		billed, actual, err := r.cfg.meterInstance(in, r.from, r.to)
		if err != nil {
			return err
		}
		if in.Tenancy == TenancyDedicated {
			r.addDedicatedRuns(in, actual)
		}
		switch {
		case len(billed) == 0 || in.Tenancy == TenancyHost:
			// Instances on a Dedicated Host are paid for by the host.
		case in.Market == MarketSpot:
			if err := r.prepareSpot(in, billed); err != nil {
				return err
			}
		default:
			if err := r.addInstanceUnit(in, billed, actual); err != nil {
				return err
			}
		}
	}
	return nil
}

func (r *rating) addInstanceUnit(in *Instance, billed, actual []span) error {
	key := RateKey{in.Region, in.InstanceType, in.Platform, in.Tenancy}
	od, err := priceOf(r.prices.OnDemandHourly(key))
	if err != nil {
		return fmt.Errorf("rate instance %s (%s %s): %w", in.ID, in.InstanceType, in.Platform, err)
	}
	u := r.newUnit(instanceUnit, in.Account, key, in.Zone, od)
	u.billed = spanCursor{spans: billed}
	u.actual = spanCursor{spans: actual}
	u.crID = in.CapacityReservationID
	u.freeTier = in.FreeTierEligible && r.cfg.freeTierType(in.InstanceType) &&
		in.Platform == PlatformLinux && in.Tenancy == TenancyDefault
	u.first, u.last = r.hourIndex(billed[0].from), r.hourIndex(billed[len(billed)-1].to-1)
	for _, s := range billed {
		u.last = max(u.last, r.hourIndex(s.to-1))
	}
	u.res = &Resource{
		Service: ServiceCompute, UsageType: instanceUsageType(in.Region, MarketOnDemand, in.Tenancy, in.InstanceType),
		Operation: in.Platform.Operation(), ResourceID: in.ID, Tags: in.Tags,
	}
	r.addUnit(u, in.Region, in.Zone, in.InstanceType)
	return nil
}

// orLinux and orDefault read an unset platform or tenancy as AWS's
// defaults.
func orLinux(p Platform) Platform {
	if p == "" {
		return PlatformLinux
	}
	return p
}

func orDefault(t Tenancy) Tenancy {
	if t == "" {
		return TenancyDefault
	}
	return t
}

// newUnit fills what instances and reservations have in common.
func (r *rating) newUnit(kind unitKind, account string, key RateKey, zone string, od int64) unit {
	family, _ := splitType(key.InstanceType)
	nf, known := r.cfg.NormalizationFactor(key.InstanceType)
	if !known {
		nf = 1
	}
	return unit{
		kind: kind, owner: account, share: r.shareKey(account), payer: r.payer(account),
		key: key, zone: zone, family: family, nf: nf, od: od, cr: -1,
		flex: known && key.Platform == PlatformLinux && key.Tenancy == TenancyDefault,
	}
}

func (r *rating) addUnit(u unit, region, zone, instanceType string) {
	u.res.Payer, u.res.Account = u.payer, u.owner
	u.res.Region, u.res.Zone, u.res.InstanceType = region, zone, instanceType
	u.res.Unit = UnitHours
	a := &r.alloc
	a.byShare[u.share] = append(a.byShare[u.share], int32(len(a.units)))
	a.units = append(a.units, u)
}

// prepareCapacityReservations makes each reservation a unit whose usage is
// its empty slots, and links the instances that fill it.
func (r *rating) prepareCapacityReservations() error {
	a := &r.alloc
	a.crIndex = map[string]int32{}
	for i := range r.u.CapacityReservations {
		c := r.u.CapacityReservations[i]
		c.Platform, c.Tenancy = orLinux(c.Platform), orDefault(c.Tenancy)
		cr := &c
		lease, ok := lifetime(cr.Start, cr.End, r.from, r.to)
		if !ok || cr.Count <= 0 {
			continue
		}
		key := RateKey{cr.Region, cr.InstanceType, cr.Platform, cr.Tenancy}
		od, err := priceOf(r.prices.OnDemandHourly(key))
		if err != nil {
			return fmt.Errorf("rate capacity reservation %s (%s): %w", cr.ID, cr.InstanceType, err)
		}
		u := r.newUnit(reservationUnit, cr.Account, key, cr.Zone, od)
		u.billed = spanCursor{spans: []span{lease}}
		u.slots, u.lease = cr.Count, lease
		u.first, u.last = r.hourIndex(lease.from), r.hourIndex(lease.to-1)
		u.res = &Resource{
			Service: ServiceCompute, UsageType: unusedReservationUsageType(cr.Region, cr.Tenancy, cr.InstanceType),
			Operation: cr.Platform.Operation(), ResourceID: cr.ID, Tags: cr.Tags,
		}
		a.crIndex[cr.ID] = int32(len(a.units))
		r.addUnit(u, cr.Region, cr.Zone, cr.InstanceType)
	}
	for i := range a.units {
		if u := &a.units[i]; u.kind == instanceUnit && u.crID != "" {
			if j, ok := a.crIndex[u.crID]; ok {
				u.cr = j
			}
		}
	}
	return nil
}
