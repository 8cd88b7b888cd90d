package pricing

import (
	"fmt"
	"hash/fnv"

	"github.com/kumo-cloud/kumo/internal/catalog"
)

// Spot baselines sit between 30% and 40% of the On-Demand compute price,
// where long-run AWS Spot prices for current families mostly sit. Each pool
// gets its own point in that band from a hash of its type and zone, so
// pools differ (as AWS's do) yet every Kumo server computes the same value.
const (
	spotFloorPermille = 300
	spotBandPermille  = 100
)

// SpotBaseline returns the long-term Spot price of a pool (instance type ×
// availability zone) for a platform: the price the Spot market starts from
// and drifts around as free capacity changes. The market itself lives
// elsewhere. The platform license is added in full, as AWS's Windows Spot
// prices include it. The result is rounded to 1e-6 dollars, the precision
// DescribeSpotPriceHistory prints ("0.031200").
func (c *Catalog) SpotBaseline(instanceType, zone string, platform Platform) (Money, error) {
	price, err := c.spotBaseline(instanceType, zone, platform)
	if err != nil {
		return Money{}, fmt.Errorf("spot baseline of %s %s in %s: %w", instanceType, platform, zone, err)
	}
	return price, nil
}

func (c *Catalog) spotBaseline(instanceType, zone string, platform Platform) (Money, error) {
	z, ok := catalog.LookupZone(zone)
	if !ok {
		return Money{}, ErrUnknownZone
	}
	t, ok := c.types[instanceType]
	if !ok {
		return Money{}, ErrUnknownInstanceType
	}
	if !t.spot || !catalog.OfferedInZone(instanceType, zone) {
		return Money{}, ErrNotOffered
	}
	compute, license, err := c.rateParts(Product{InstanceType: instanceType, Region: z.Region, Platform: platform})
	if err != nil {
		return Money{}, err
	}
	return compute.MulRatio(spotPermille(instanceType, zone), 1000).Add(license).Round(6), nil
}

// spotPermille places a pool in the baseline band.
func spotPermille(instanceType, zone string) int64 {
	h := fnv.New64a()
	h.Write([]byte(instanceType + "@" + zone))
	return spotFloorPermille + int64(h.Sum64()%(spotBandPermille+1))
}
