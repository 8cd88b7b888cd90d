package billing

import (
	"fmt"
	"sort"
)

// spotInstance is a Spot instance's billed time and its pool's prices.
type spotInstance struct {
	res     *Resource
	billed  []span
	history []spotPoint
}

type spotPoint struct {
	at    int64
	price int64
}

// prepareSpot loads the price history of the instance's pool; there must be
// a price in effect from its first billed second.
func (r *rating) prepareSpot(in *Instance, billed []span) error {
	hist := r.prices.SpotHistory(in.Zone, in.InstanceType, in.Platform)
	points := make([]spotPoint, 0, len(hist))
	for i, h := range hist {
		p, err := priceOf(h.Price, true)
		if err != nil {
			return fmt.Errorf("rate spot instance %s: %w", in.ID, err)
		}
		if i > 0 && h.At.Before(hist[i-1].At) {
			return fmt.Errorf("rate spot instance %s: price history out of order: %w", in.ID, ErrInvalidUsage)
		}
		points = append(points, spotPoint{unix(h.At), p})
	}
	if len(points) == 0 || points[0].at > billed[0].from {
		return fmt.Errorf("rate spot instance %s: no spot price for %s in %s at %s: %w",
			in.ID, in.InstanceType, in.Zone, hourTime(billed[0].from), ErrNoPrice)
	}
	r.spot = append(r.spot, spotInstance{
		res: &Resource{
			Payer: r.payer(in.Account), Account: in.Account, Service: ServiceCompute,
			UsageType: instanceUsageType(in.Region, MarketSpot, in.Tenancy, in.InstanceType),
			Operation: in.Platform.Operation(), Region: in.Region, Zone: in.Zone,
			ResourceID: in.ID, InstanceType: in.InstanceType, Tags: in.Tags, Unit: UnitHours,
		},
		billed:  billed,
		history: points,
	})
	return nil
}

// emitSpot bills each Spot second at the pool price in effect that second:
// one line item per hour and price.
func (r *rating) emitSpot() {
	for i := range r.spot {
		si := &r.spot[i]
		hist := si.history
		for _, s := range si.billed {
			k := sort.Search(len(hist), func(j int) bool { return hist[j].at > s.from }) - 1
			var hour, price, secs int64
			flush := func() {
				if secs > 0 {
					cost := hourlyAmount(price, secs)
					r.emit(LineItem{
						Resource: si.res, Start: hourTime(hour), Source: SourceSpot, PurchaseType: PurchaseSpot,
						Quantity: secondsToHours(secs), Amount: cost, PublicCost: cost,
					})
				}
				secs = 0
			}
			for t := s.from; t < s.to; {
				for k+1 < len(hist) && hist[k+1].at <= t {
					k++
				}
				h := hourStart(t)
				end := min(h+3600, s.to)
				if k+1 < len(hist) {
					end = min(end, hist[k+1].at)
				}
				if h != hour || hist[k].price != price {
					flush()
				}
				hour, price, secs = h, hist[k].price, secs+end-t
				t = end
			}
			flush()
		}
	}
}
