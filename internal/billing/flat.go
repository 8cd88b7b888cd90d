package billing

import (
	"cmp"
	"slices"
)

// flatCharge is a resource billed at one price for as long as it exists,
// whatever instances do: volumes, snapshots, addresses, hosts and the
// dedicated per-region fee.
type flatCharge struct {
	source  Source
	res     *Resource
	spans   []sizedSpan
	price   int64 // per hour, or per GB-month when monthly
	monthly bool
}

// sizedSpan is a period billed for size units (GiB, or 1).
type sizedSpan struct {
	span
	size int64
}

func (r *rating) addFlat(c flatCharge) {
	c.res.Payer = r.payer(c.res.Account)
	r.flat = append(r.flat, c)
}

// emitFlat bills flat charges hour by hour: hourly prices per second, GB-month
// prices per second of the hour's month.
func (r *rating) emitFlat() {
	for i := range r.flat {
		c := &r.flat[i]
		for _, s := range c.spans {
			if s.size == 0 {
				continue
			}
			forEachHour(s.span, func(hour, secs int64) {
				li := LineItem{Resource: c.res, Start: hourTime(hour), Source: c.source, PurchaseType: PurchaseOnDemand}
				if c.monthly {
					ms := r.monthSeconds(hour)
					li.Quantity = Quantity{wideOf(s.size * secs).mul(quantityScale).quoRound(ms)}
					li.Amount = Money{wideOf(c.price).mul(s.size * secs).mul(fineScale).quoRound(ms)}
				} else {
					li.Quantity = secondsToHours(s.size * secs)
					li.Amount = hourlyAmount(c.price*s.size, secs)
				}
				li.PublicCost = li.Amount
				r.emit(li)
			})
		}
	}
}

// mergeSpans sorts spans and joins the ones that touch or overlap.
func mergeSpans(spans []span) []span {
	slices.SortFunc(spans, func(a, b span) int { return cmp.Compare(a.from, b.from) })
	var out []span
	for _, s := range spans {
		if n := len(out); n > 0 && s.from <= out[n-1].to {
			out[n-1].to = max(out[n-1].to, s.to)
			continue
		}
		out = append(out, s)
	}
	return out
}
