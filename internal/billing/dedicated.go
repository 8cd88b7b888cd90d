package billing

import (
	"cmp"
	"fmt"
	"slices"
)

func (r *rating) prepareHosts() error {
	for i := range r.u.Hosts {
		h := &r.u.Hosts[i]
		price, err := priceOf(r.prices.HostHourly(h.Region, h.HostType))
		if err != nil {
			return fmt.Errorf("rate host %s (%s): %w", h.ID, h.HostType, err)
		}
		life := span{unix(h.Allocated), r.to}
		if !h.Released.IsZero() {
			life.to = max(unix(h.Released), life.from+60) // 60-second minimum
		}
		life, ok := clip(life, r.from, r.to)
		if !ok {
			continue
		}
		r.addFlat(flatCharge{
			source: SourceDedicatedHost,
			res: &Resource{
				Account: h.Account, Service: ServiceCompute,
				UsageType: usageType(h.Region, "HostUsage:"+h.HostType), Operation: "RunInstances",
				Region: h.Region, Zone: h.Zone, ResourceID: h.ID, InstanceType: h.HostType,
				Tags: h.Tags, Unit: UnitHours,
			},
			spans: []sizedSpan{{life, 1}}, price: price,
		})
	}
	return nil
}

// dedicatedKey is where the per-region dedicated fee is charged.
type dedicatedKey struct{ account, region string }

func (r *rating) addDedicatedRuns(in *Instance, actual []span) {
	if r.dedicated == nil {
		r.dedicated = map[dedicatedKey][]span{}
	}
	k := dedicatedKey{in.Account, in.Region}
	r.dedicated[k] = append(r.dedicated[k], actual...)
}

// prepareDedicatedFees charges each account the per-region fee for every
// second at least one of its dedicated instances runs in the region.
func (r *rating) prepareDedicatedFees() error {
	keys := make([]dedicatedKey, 0, len(r.dedicated))
	for k := range r.dedicated {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b dedicatedKey) int {
		return cmp.Or(cmp.Compare(a.account, b.account), cmp.Compare(a.region, b.region))
	})
	for _, k := range keys {
		price, err := priceOf(r.prices.DedicatedRegionFeeHourly(k.region))
		if err != nil {
			return fmt.Errorf("rate dedicated fee of %s in %s: %w", k.account, k.region, err)
		}
		c := flatCharge{
			source: SourceDedicatedFee,
			res: &Resource{
				Account: k.account, Service: ServiceCompute,
				UsageType: usageType(k.region, "DedicatedRegionFee"), Operation: "RunInstances",
				Region: k.region, Unit: UnitHours,
			},
			price: price,
		}
		for _, s := range mergeSpans(r.dedicated[k]) {
			c.spans = append(c.spans, sizedSpan{s, 1})
		}
		r.addFlat(c)
	}
	return nil
}
