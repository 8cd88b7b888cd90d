// Package platform serves what the cloud itself offers: DescribeRegions,
// DescribeAvailabilityZones, DescribeAccountAttributes, DescribeInstanceTypes
// and DescribeInstanceTypeOfferings, from the catalog and the served regions.
package platform

import (
	"github.com/kumo-cloud/kumo/internal/catalog"
)

// ZonesPerRegion is how many availability zones Kumo serves in each region
// (us-east-1a..c by default), the first ones of the region in the catalog.
const ZonesPerRegion = 3

// ServedZones returns the availability zones Kumo serves in a region.
func ServedZones(region string) []catalog.Zone {
	zs := catalog.Zones(region)
	return zs[:min(len(zs), ZonesPerRegion)]
}

// Handlers serves the platform actions.
type Handlers struct {
	// Served lists the regions this Kumo serves.
	Served []string
}

func (h *Handlers) serves(region string) bool {
	for _, r := range h.Served {
		if r == region {
			return true
		}
	}
	return false
}
