package catalog

import (
	"slices"
	"sort"
)

// LocationType is the kind of location an offering is listed for, as
// DescribeInstanceTypeOfferings names it.
type LocationType string

// Location types.
const (
	LocationRegion             LocationType = "region"
	LocationAvailabilityZone   LocationType = "availability-zone"
	LocationAvailabilityZoneID LocationType = "availability-zone-id"
)

// Offering says that an instance type can be launched in a location.
type Offering struct {
	InstanceType string
	LocationType LocationType
	Location     string // region name, zone name or zone ID
}

// restriction limits a family to some regions and, within each, to its
// first zones in zone-ID order.
type restriction struct {
	regions []string
	zones   int // 0: every zone of a listed region
}

// restricted is the offering rule. Every instance type is offered in every
// zone of every region, except these families, which AWS sells only where
// it has installed the hardware: large GPU and Trainium training hosts,
// Inferentia2 and Mac minis. The region lists are plausible subsets of where
// AWS offers them, not a mirror of the live API.
var restricted = map[string]restriction{
	"p4d":  {regions: []string{"us-east-1", "us-west-2", "eu-central-1", "eu-west-1", "ap-northeast-1", "ap-northeast-2"}, zones: 2},
	"p5":   {regions: []string{"us-east-1", "us-east-2", "us-west-2", "eu-north-1", "ap-northeast-1", "ap-south-1", "sa-east-1"}, zones: 2},
	"trn1": {regions: []string{"us-east-1", "us-east-2", "us-west-2"}, zones: 2},
	"inf2": {regions: []string{"us-east-1", "us-east-2", "us-west-2", "eu-central-1", "eu-north-1", "eu-west-1", "eu-west-2", "eu-west-3", "ap-northeast-1", "ap-south-1", "ap-southeast-1", "ap-southeast-2", "sa-east-1"}},
	"mac1": {regions: []string{"us-east-1", "us-east-2", "us-west-2", "ca-central-1", "eu-central-1", "eu-west-1", "eu-west-2", "ap-northeast-1", "ap-northeast-2", "ap-south-1", "ap-southeast-1", "ap-southeast-2"}, zones: 3},
}

// offeredZones returns the zones of region where family is offered.
func offeredZones(family, region string) []Zone {
	zs := zonesByRegion[region]
	r, ok := restricted[family]
	if !ok {
		return zs
	}
	if !slices.Contains(r.regions, region) {
		return nil
	}
	if r.zones == 0 || r.zones >= len(zs) {
		return zs
	}
	byID := slices.Clone(zs)
	sort.Slice(byID, func(i, j int) bool { return byID[i].ID < byID[j].ID })
	return byID[:r.zones]
}

// Offerings returns every offering in a region: one region-level entry per
// instance type offered anywhere in it, and one entry per zone name and per
// zone ID. It returns nil for an unknown region. Entries are sorted by
// location type, location and instance type.
func Offerings(region string) []Offering {
	if _, ok := zonesByRegion[region]; !ok {
		return nil
	}
	var out []Offering
	for _, t := range instanceTypes {
		zs := offeredZones(t.Family, region)
		if len(zs) == 0 {
			continue
		}
		out = append(out, Offering{t.Name, LocationRegion, region})
		for _, z := range zs {
			out = append(out,
				Offering{t.Name, LocationAvailabilityZone, z.Name},
				Offering{t.Name, LocationAvailabilityZoneID, z.ID})
		}
	}
	order := map[LocationType]int{LocationRegion: 0, LocationAvailabilityZone: 1, LocationAvailabilityZoneID: 2}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.LocationType != b.LocationType {
			return order[a.LocationType] < order[b.LocationType]
		}
		if a.Location != b.Location {
			return a.Location < b.Location
		}
		return a.InstanceType < b.InstanceType
	})
	return out
}

// OfferedInZone reports whether an instance type can be launched in the
// zone with the given name ("us-east-1a"); unknown types and zones are not.
func OfferedInZone(instanceType, zoneName string) bool {
	t, ok := byName[instanceType]
	if !ok {
		return false
	}
	z, ok := LookupZone(zoneName)
	if !ok {
		return false
	}
	return slices.ContainsFunc(offeredZones(instanceTypes[t].Family, z.Region),
		func(o Zone) bool { return o.Name == zoneName })
}
