package pricing

import "fmt"

// instance resolves the instance type and region of a product and checks
// that AWS sells the type there.
func (c *Catalog) instance(instanceType, region string) (typeInfo, Factor, error) {
	t, ok := c.types[instanceType]
	if !ok {
		return typeInfo{}, Factor{}, ErrUnknownInstanceType
	}
	f, ok := c.regions[region]
	if !ok {
		return typeInfo{}, Factor{}, ErrUnknownRegion
	}
	if !c.offered[region][instanceType] {
		return typeInfo{}, Factor{}, ErrNotOffered
	}
	return t, f, nil
}

// rateParts returns the two parts of a product's On-Demand hourly rate:
// the compute part, which commitments discount and regions scale, and the
// platform license part, which neither touches. Dedicated tenancy costs
// what default does (the regional fee is separate); on a Dedicated Host the
// host carries the compute price and instances pay only their license.
func (c *Catalog) rateParts(p Product) (compute, license Money, err error) {
	t, region, err := c.instance(p.InstanceType, p.Region)
	if err != nil {
		return Money{}, Money{}, err
	}
	tenancy, err := ParseTenancy(string(p.Tenancy))
	if err != nil {
		return Money{}, Money{}, err
	}
	platform, err := ParsePlatform(string(p.Platform))
	if err != nil {
		return Money{}, Money{}, err
	}
	if license, err = licenseHourly(platform, t); err != nil {
		return Money{}, Money{}, err
	}
	if tenancy == TenancyHost {
		return Money{}, license, nil
	}
	base, ok := c.base[t.name]
	if !ok {
		return Money{}, Money{}, ErrNoPrice
	}
	return regional(base, region), license, nil
}

// OnDemand returns the On-Demand hourly rate of a product: the regional
// compute price plus the platform license. It excludes the $2/hour regional
// fee of dedicated instances (DedicatedRegionFee), which is charged once
// per region, not per instance.
func (c *Catalog) OnDemand(p Product) (Money, error) {
	compute, license, err := c.rateParts(p)
	if err != nil {
		return Money{}, fmt.Errorf("on-demand price of %s: %w", p, err)
	}
	return compute.Add(license), nil
}
