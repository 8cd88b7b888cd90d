package catalog

import (
	"fmt"
	"slices"
	"strings"
)

// Region is an AWS commercial region.
type Region struct {
	Name        string // "us-east-1"
	Endpoint    string // "ec2.us-east-1.amazonaws.com"
	OptInStatus string // OptInNotRequired, NotOptedIn or OptedIn
	Description string // "US East (N. Virginia)", as the AWS SDK partition data names it
}

// Zone is an availability zone of a region.
type Zone struct {
	Name               string // "us-east-1a"
	ID                 string // "use1-az1"
	Region             string
	Type               string // ZoneTypeAvailabilityZone
	GroupName          string // the region name
	NetworkBorderGroup string // the region name
	State              string // ZoneStateAvailable
	OptInStatus        string // OptInNotRequired: every standard AZ is
}

// Opt-in statuses as DescribeRegions and DescribeAvailabilityZones print
// them. Regions launched after March 2019 are NotOptedIn until an account
// enables them; the serving layer reports OptedIn for the regions it serves.
const (
	OptInNotRequired = "opt-in-not-required"
	NotOptedIn       = "not-opted-in"
	OptedIn          = "opted-in"
)

// Zone type and state values.
const (
	ZoneTypeAvailabilityZone = "availability-zone"
	ZoneStateAvailable       = "available"
)

// regionSpec is one row of the region table. zones lists letter=number
// pairs: "a=1 c=3" makes <region>a with ID <prefix>-az1 and <region>c with
// ID <prefix>-az3.
//
// AWS maps zone names to zone IDs independently for each account; only the
// IDs name physical zones. The catalog fixes one mapping: where a region's
// letters and IDs line up (a=1, b=2 ...) it uses that; where new accounts
// see gaps it keeps them (us-west-1 offers b and c, ca-central-1 a, b and d,
// ap-northeast-1 a, c and d with the assignment commonly seen, 1a=az4).
type regionSpec struct {
	name, desc, optIn, idPrefix, zones string
}

var regionTable = []regionSpec{
	{"af-south-1", "Africa (Cape Town)", NotOptedIn, "afs1", "a=1 b=2 c=3"},
	{"ap-east-1", "Asia Pacific (Hong Kong)", NotOptedIn, "ape1", "a=1 b=2 c=3"},
	{"ap-east-2", "Asia Pacific (Taipei)", NotOptedIn, "ape2", "a=1 b=2 c=3"},
	{"ap-northeast-1", "Asia Pacific (Tokyo)", OptInNotRequired, "apne1", "a=4 c=1 d=2"},
	{"ap-northeast-2", "Asia Pacific (Seoul)", OptInNotRequired, "apne2", "a=1 b=2 c=3 d=4"},
	{"ap-northeast-3", "Asia Pacific (Osaka)", OptInNotRequired, "apne3", "a=1 b=2 c=3"},
	{"ap-south-1", "Asia Pacific (Mumbai)", OptInNotRequired, "aps1", "a=1 b=3 c=2"},
	{"ap-south-2", "Asia Pacific (Hyderabad)", NotOptedIn, "aps2", "a=1 b=2 c=3"},
	{"ap-southeast-1", "Asia Pacific (Singapore)", OptInNotRequired, "apse1", "a=1 b=2 c=3"},
	{"ap-southeast-2", "Asia Pacific (Sydney)", OptInNotRequired, "apse2", "a=1 b=2 c=3"},
	{"ap-southeast-3", "Asia Pacific (Jakarta)", NotOptedIn, "apse3", "a=1 b=2 c=3"},
	{"ap-southeast-4", "Asia Pacific (Melbourne)", NotOptedIn, "apse4", "a=1 b=2 c=3"},
	{"ap-southeast-5", "Asia Pacific (Malaysia)", NotOptedIn, "apse5", "a=1 b=2 c=3"},
	{"ap-southeast-6", "Asia Pacific (New Zealand)", NotOptedIn, "apse6", "a=1 b=2 c=3"},
	{"ap-southeast-7", "Asia Pacific (Thailand)", NotOptedIn, "apse7", "a=1 b=2 c=3"},
	{"ca-central-1", "Canada (Central)", OptInNotRequired, "cac1", "a=1 b=2 d=4"},
	{"ca-west-1", "Canada West (Calgary)", NotOptedIn, "caw1", "a=1 b=2 c=3"},
	{"eu-central-1", "Europe (Frankfurt)", OptInNotRequired, "euc1", "a=1 b=2 c=3"},
	{"eu-central-2", "Europe (Zurich)", NotOptedIn, "euc2", "a=1 b=2 c=3"},
	{"eu-north-1", "Europe (Stockholm)", OptInNotRequired, "eun1", "a=1 b=2 c=3"},
	{"eu-south-1", "Europe (Milan)", NotOptedIn, "eus1", "a=1 b=2 c=3"},
	{"eu-south-2", "Europe (Spain)", NotOptedIn, "eus2", "a=1 b=2 c=3"},
	{"eu-west-1", "Europe (Ireland)", OptInNotRequired, "euw1", "a=1 b=2 c=3"},
	{"eu-west-2", "Europe (London)", OptInNotRequired, "euw2", "a=1 b=2 c=3"},
	{"eu-west-3", "Europe (Paris)", OptInNotRequired, "euw3", "a=1 b=2 c=3"},
	{"il-central-1", "Israel (Tel Aviv)", NotOptedIn, "ilc1", "a=1 b=2 c=3"},
	{"me-central-1", "Middle East (UAE)", NotOptedIn, "mec1", "a=1 b=2 c=3"},
	{"me-south-1", "Middle East (Bahrain)", NotOptedIn, "mes1", "a=1 b=2 c=3"},
	{"mx-central-1", "Mexico (Central)", NotOptedIn, "mxc1", "a=1 b=2 c=3"},
	{"sa-east-1", "South America (Sao Paulo)", OptInNotRequired, "sae1", "a=1 b=2 c=3"},
	{"us-east-1", "US East (N. Virginia)", OptInNotRequired, "use1", "a=1 b=2 c=3 d=4 e=5 f=6"},
	{"us-east-2", "US East (Ohio)", OptInNotRequired, "use2", "a=1 b=2 c=3"},
	{"us-west-1", "US West (N. California)", OptInNotRequired, "usw1", "b=1 c=3"},
	{"us-west-2", "US West (Oregon)", OptInNotRequired, "usw2", "a=1 b=2 c=3 d=4"},
}

// regions and zones are built once from regionTable.
var regions, zonesByRegion = buildRegions(regionTable)

func buildRegions(table []regionSpec) ([]Region, map[string][]Zone) {
	rs := make([]Region, 0, len(table))
	zs := make(map[string][]Zone, len(table))
	for _, r := range table {
		rs = append(rs, Region{
			Name:        r.name,
			Endpoint:    "ec2." + r.name + ".amazonaws.com",
			OptInStatus: r.optIn,
			Description: r.desc,
		})
		for _, pair := range strings.Fields(r.zones) {
			letter, num, ok := strings.Cut(pair, "=")
			if !ok {
				panic(fmt.Sprintf("catalog: bad zone %q in %s", pair, r.name))
			}
			zs[r.name] = append(zs[r.name], Zone{
				Name:               r.name + letter,
				ID:                 r.idPrefix + "-az" + num,
				Region:             r.name,
				Type:               ZoneTypeAvailabilityZone,
				GroupName:          r.name,
				NetworkBorderGroup: r.name,
				State:              ZoneStateAvailable,
				OptInStatus:        OptInNotRequired,
			})
		}
	}
	return rs, zs
}

// Regions returns every AWS commercial region EC2 runs in, sorted by name.
func Regions() []Region { return slices.Clone(regions) }

// LookupRegion returns the region with the given name.
func LookupRegion(name string) (Region, bool) {
	i := slices.IndexFunc(regions, func(r Region) bool { return r.Name == name })
	if i < 0 {
		return Region{}, false
	}
	return regions[i], true
}

// Zones returns the availability zones of a region, sorted by zone name, or
// nil for an unknown region.
func Zones(region string) []Zone { return slices.Clone(zonesByRegion[region]) }

// LookupZone returns the availability zone with the given zone name
// ("us-east-1a").
func LookupZone(name string) (Zone, bool) {
	for _, zs := range zonesByRegion {
		for _, z := range zs {
			if z.Name == name {
				return z, true
			}
		}
	}
	return Zone{}, false
}
