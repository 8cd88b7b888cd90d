package pricing

import "fmt"

// baseRegion is the region whose prices the tables hold.
const baseRegion = "us-east-1"

// regionM5Large is the Linux On-Demand price of m5.large in each region.
// A region's factor is that price over us-east-1's (0.096), so m5.large
// comes out at exactly the published regional price and every other type
// at an approximation: AWS's regional premium varies a little by family
// (GPU families run 5–10% above it in Asia and South America).
//
// Rows without a note are the published m5.large prices. Rows marked
// "est." are regions where m5.large is not sold or was not at hand; their
// level is estimated from the ratio of the region's published g5/g6/p5
// prices to us-east-1's, or from a neighbour, and is an approximation.
var regionM5Large = map[string]string{
	"us-east-1":      "0.096",
	"us-east-2":      "0.096",
	"us-west-1":      "0.112",
	"us-west-2":      "0.096",
	"ca-central-1":   "0.107",
	"ca-west-1":      "0.107", // est.: as ca-central-1
	"mx-central-1":   "0.106", // est.
	"sa-east-1":      "0.153",
	"eu-west-1":      "0.107",
	"eu-west-2":      "0.111",
	"eu-west-3":      "0.112",
	"eu-central-1":   "0.115",
	"eu-central-2":   "0.1265",
	"eu-north-1":     "0.102",
	"eu-south-1":     "0.112",
	"eu-south-2":     "0.101",  // est.: g6 ratio, at eu-north-1's level
	"il-central-1":   "0.1125", // est.: g5 ratio
	"me-south-1":     "0.118",
	"me-central-1":   "0.118", // est.: g5 ratio
	"af-south-1":     "0.127",
	"ap-east-1":      "0.132",
	"ap-east-2":      "0.124", // est.: as ap-northeast-1
	"ap-south-1":     "0.101",
	"ap-south-2":     "0.101", // est.: g6 prices equal ap-south-1's
	"ap-northeast-1": "0.124",
	"ap-northeast-2": "0.118",
	"ap-northeast-3": "0.124",
	"ap-southeast-1": "0.12",
	"ap-southeast-2": "0.12",
	"ap-southeast-3": "0.12",
	"ap-southeast-4": "0.12",  // est.: as ap-southeast-2
	"ap-southeast-5": "0.106", // est.: g6 ratio
	"ap-southeast-6": "0.12",  // est.: as ap-southeast-2
	"ap-southeast-7": "0.115", // est.
}

// defaultRegionFactors turns regionM5Large into price factors.
func defaultRegionFactors() (map[string]Factor, error) {
	base, err := ParseMoney(regionM5Large[baseRegion])
	if err != nil {
		return nil, err
	}
	out := make(map[string]Factor, len(regionM5Large))
	for region, s := range regionM5Large {
		p, err := ParseMoney(s)
		if err != nil {
			return nil, fmt.Errorf("region %s: %w", region, err)
		}
		out[region] = NewFactor(p.Units(), base.Units())
	}
	return out, nil
}

// RegionFactor returns the factor that scales us-east-1 instance and EBS
// prices to region (1 for us-east-1, 107/96 for eu-west-1).
func (c *Catalog) RegionFactor(region string) (Factor, error) {
	f, ok := c.regions[region]
	if !ok {
		return Factor{}, fmt.Errorf("price level of %s: %w", region, ErrUnknownRegion)
	}
	return f, nil
}

// regionalPlaces is the precision of a rate derived from us-east-1's: AWS
// publishes rates to at most six decimals, and a factor such as 107/96
// would otherwise leave ten.
const regionalPlaces = 6

// regional scales a us-east-1 rate to a region.
func regional(usEast1 Money, f Factor) Money {
	return usEast1.MulFactor(f).Round(regionalPlaces)
}
