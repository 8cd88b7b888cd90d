package billing

import "fmt"

func (r *rating) prepareAddresses() error {
	for i := range r.u.Addresses {
		a := &r.u.Addresses[i]
		price, err := priceOf(r.prices.PublicIPv4Hourly(a.Region))
		if err != nil {
			return fmt.Errorf("rate address %s: %w", a.ID, err)
		}
		life, ok := lifetime(a.Allocated, a.Released, r.from, r.to)
		if !ok {
			continue
		}
		inUse, idle := splitUse(a.InUse, life)
		res := Resource{
			Account: a.Account, Service: ServiceVPC, Operation: "AllocateAddress",
			Region: a.Region, ResourceID: a.ID, Tags: a.Tags, Unit: UnitHours,
		}
		for _, part := range []struct {
			name  string
			spans []span
		}{{"PublicIPv4:InUseAddress", inUse}, {"PublicIPv4:IdleAddress", idle}} {
			if len(part.spans) == 0 {
				continue
			}
			c := flatCharge{source: SourcePublicIPv4, res: &Resource{}, price: price}
			*c.res = res
			c.res.UsageType = usageType(a.Region, part.name)
			for _, s := range part.spans {
				c.spans = append(c.spans, sizedSpan{s, 1})
			}
			r.addFlat(c)
		}
	}
	return nil
}

// splitUse splits life into the in-use intervals and the idle rest.
func splitUse(use []Interval, life span) (inUse, idle []span) {
	for _, iv := range use {
		if s, ok := lifetime(iv.From, iv.To, life.from, life.to); ok {
			inUse = append(inUse, s)
		}
	}
	inUse = mergeSpans(inUse)
	t := life.from
	for _, s := range inUse {
		if s.from > t {
			idle = append(idle, span{t, s.from})
		}
		t = s.to
	}
	if t < life.to {
		idle = append(idle, span{t, life.to})
	}
	return inUse, idle
}
