package billing

// allocateHours shares each clock hour's On-Demand-priced usage among the
// Free Tier, Reserved Instances and Savings Plans, in that order, and bills
// what is left On-Demand. Commitments are hourly, so the hour is the unit of
// allocation: usage crossing an hour boundary is split.
func (r *rating) allocateHours() {
	a := &r.alloc
	startsAt := make([][]int32, a.hours)
	for i := range a.units {
		startsAt[a.units[i].first] = append(startsAt[a.units[i].first], int32(i))
	}
	var instances, reservations []int32
	free := r.newFreeTierState()
	for h := 0; h < a.hours; h++ {
		hs := a.firstHour + int64(h)*3600
		from, to := max(hs, r.from), min(hs+3600, r.to)
		for _, i := range startsAt[h] {
			if a.units[i].kind == instanceUnit {
				instances = append(instances, i)
			} else {
				reservations = append(reservations, i)
			}
		}
		instances = r.retire(instances, h)
		reservations = r.retire(reservations, h)
		r.meterHour(instances, reservations, from, to)
		free.apply(r, hs)
		r.applyReserved(hs, from, to)
		r.applyPlans(hs, from, to)
		r.chargeOnDemand(instances, hs)
		r.chargeOnDemand(reservations, hs)
	}
}

// retire drops units whose last billed hour has passed.
func (r *rating) retire(active []int32, h int) []int32 {
	kept := active[:0]
	for _, i := range active {
		if r.alloc.units[i].last >= h {
			kept = append(kept, i)
		}
	}
	return kept
}

// meterHour sets each active unit's usage for [from, to): billed seconds for
// instances, empty slot-seconds for reservations.
func (r *rating) meterHour(instances, reservations []int32, from, to int64) {
	units := r.alloc.units
	for _, i := range reservations {
		units[i].used = 0
	}
	for _, i := range instances {
		u := &units[i]
		u.rem = wideOf(u.billed.seconds(from, to)).mul(fineScale)
		if u.cr >= 0 {
			cr := &units[u.cr]
			lo, hi := max(from, cr.lease.from), min(to, cr.lease.to)
			if lo < hi {
				cr.used += u.actual.seconds(lo, hi)
			}
		}
	}
	for _, i := range reservations {
		u := &units[i]
		empty := u.slots*u.billed.seconds(from, to) - u.used
		u.rem = wideOf(max(empty, 0)).mul(fineScale)
	}
}

// chargeOnDemand bills what no commitment covered.
func (r *rating) chargeOnDemand(active []int32, hs int64) {
	for _, i := range active {
		u := &r.alloc.units[i]
		if u.rem.sign() == 0 {
			continue
		}
		cost := Money{u.rem.mul(u.od).quoRound(3600)}
		src := SourceOnDemand
		if u.kind == reservationUnit {
			src = SourceCapacityReservationUnused
		}
		r.emitUnit(u, hs, src, PurchaseOnDemand, "", hoursOf(u.rem), cost, cost)
		u.rem = wide{}
	}
}

// emitUnit emits one line item of a unit's hour.
func (r *rating) emitUnit(u *unit, hs int64, src Source, purchase, reservation string, q Quantity, amount, public Money) {
	r.emit(LineItem{
		Resource: u.res, Start: hourTime(hs), Source: src, PurchaseType: purchase,
		ReservationID: reservation, Quantity: q, Amount: amount, PublicCost: public,
	})
}

// publicCost is the On-Demand cost of instance-seconds (at fineScale) of u.
func (u *unit) publicCost(secondsFine wide) Money {
	return Money{secondsFine.mul(u.od).quoRound(3600)}
}
