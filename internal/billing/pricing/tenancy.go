package pricing

import (
	"fmt"
	"strings"
)

// Tenancy is an instance's placement tenancy, with EC2's values.
type Tenancy string

// Tenancies.
const (
	TenancyDefault   Tenancy = "default"
	TenancyDedicated Tenancy = "dedicated"
	TenancyHost      Tenancy = "host"
)

// ParseTenancy accepts EC2's tenancy values; the empty string is default.
func ParseTenancy(s string) (Tenancy, error) {
	switch t := Tenancy(strings.ToLower(strings.TrimSpace(s))); t {
	case "":
		return TenancyDefault, nil
	case TenancyDefault, TenancyDedicated, TenancyHost:
		return t, nil
	}
	return "", fmt.Errorf("parse tenancy %q: %w", s, ErrUnknownTenancy)
}

// dedicatedRegionFee is AWS's charge for each hour in which any dedicated
// instance of an account runs in a region, whatever their number.
var dedicatedRegionFee = Dollars(2)

// DedicatedRegionFee returns the hourly per-region fee for dedicated
// instances ($2). Per-instance dedicated rates equal default-tenancy rates
// in this catalog, so the fee is the whole premium.
func (c *Catalog) DedicatedRegionFee() Money { return dedicatedRegionFee }

// hostPremium prices a Dedicated Host at 1.1 × the family's dearest size.
// AWS's published host prices sit there: m5 $5.069 against m5.24xlarge
// $4.608, c5 $4.493 against c5.24xlarge $4.08, r5 $6.653 against
// r5.24xlarge $6.048.
var hostPremium = NewFactor(11, 10)

// explicitHostPrices lists us-east-1 host prices that the rule above does
// not give. A mac1 host is the Mac mini itself.
var explicitHostPrices = map[string]string{
	"mac1": "1.083",
}

// DedicatedHost returns the hourly price of a Dedicated Host of a family in
// a region, billed per second (60 s minimum) from allocation to release,
// whatever runs on it. Instances on the host pay only their platform
// license (OnDemand with TenancyHost).
func (c *Catalog) DedicatedHost(family, region string) (Money, error) {
	price, err := c.dedicatedHost(family, region)
	if err != nil {
		return Money{}, fmt.Errorf("dedicated host price of %s in %s: %w", family, region, err)
	}
	return price, nil
}

func (c *Catalog) dedicatedHost(family, region string) (Money, error) {
	factor, ok := c.regions[region]
	if !ok {
		return Money{}, ErrUnknownRegion
	}
	var dearest Money
	known, sold := false, false
	for name, t := range c.types {
		if t.family != family {
			continue
		}
		known = true
		if !t.dedicatedHosts {
			return Money{}, ErrNotOffered
		}
		sold = sold || c.offered[region][name]
		if p, ok := c.base[name]; ok && p.Cmp(dearest) > 0 {
			dearest = p
		}
	}
	switch {
	case !known:
		return Money{}, fmt.Errorf("%w: no instance family %q", ErrUnknownInstanceType, family)
	case !sold:
		return Money{}, ErrNotOffered
	}
	if s, ok := c.hosts[family]; ok {
		return regional(s, factor), nil
	}
	if dearest.IsZero() {
		return Money{}, ErrNoPrice
	}
	return regional(dearest.MulFactor(hostPremium), factor), nil
}
