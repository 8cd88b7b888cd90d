package pricing

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"sync"

	"github.com/kumo-cloud/kumo/internal/catalog"
)

// Errors the catalog wraps. Callers translate them to AWS error codes at
// the API edge (an unknown type is InvalidParameterValue there).
var (
	ErrUnknownInstanceType = errors.New("unknown instance type")
	ErrUnknownRegion       = errors.New("unknown region")
	ErrUnknownZone         = errors.New("unknown availability zone")
	ErrUnknownPlatform     = errors.New("unknown platform")
	ErrUnknownTenancy      = errors.New("unknown tenancy")
	ErrUnknownVolumeType   = errors.New("unknown volume type")
	// ErrNotOffered means AWS does not sell the combination: a type outside
	// the regions that have its hardware, Windows on Graviton, Spot for a
	// type without Spot capacity, a Dedicated Host of a family without them.
	ErrNotOffered = errors.New("not offered")
	// ErrNoPrice means the combination exists but this catalog lacks its
	// price: a gap in the tables, which the coverage tests catch.
	ErrNoPrice = errors.New("no price in catalog")
)

// Catalog is a complete, immutable price list. Build one with Default or
// Load; every method is safe for concurrent use.
type Catalog struct {
	types    map[string]typeInfo
	quarters map[string]int64 // normalization factors ×4
	base     map[string]Money // us-east-1 Linux default-tenancy hourly
	regions  map[string]Factor
	offered  map[string]map[string]bool // region → instance types sold there
	hosts    map[string]Money           // explicit Dedicated Host prices, us-east-1
	ebs      map[VolumeType]EBSRates
	snapshot Money // per GB-month
	ipv4     Money // per public IPv4 address-hour
	missing  []string
}

// typeInfo is what pricing needs from an internal/catalog instance type.
type typeInfo struct {
	name, family   string
	vcpus          int32
	memoryMiB      int64
	arch           catalog.Architecture
	burstable      bool
	spot           bool
	dedicatedHosts bool
}

// Product identifies one priced EC2 product, the way the AWS price list
// keys a SKU. Zero Platform and Tenancy mean Linux/UNIX and default.
type Product struct {
	InstanceType string
	Region       string
	Platform     Platform
	Tenancy      Tenancy
}

// String names the product in error messages:
// "m5.large Linux/UNIX default in us-east-1".
func (p Product) String() string {
	return fmt.Sprintf("%s %s %s in %s", p.InstanceType, p.platform(), p.tenancy(), p.Region)
}

func (p Product) platform() Platform {
	if p.Platform == "" {
		return Linux
	}
	return p.Platform
}

func (p Product) tenancy() Tenancy {
	if p.Tenancy == "" {
		return TenancyDefault
	}
	return p.Tenancy
}

var defaultCatalog = sync.OnceValues(buildDefault)

// Default returns the built-in catalog. It is built once and shared; it is
// never modified.
func Default() *Catalog {
	c, err := defaultCatalog()
	if err != nil {
		// The tables are compiled in; any test of this package fails first.
		panic("pricing: built-in tables are inconsistent: " + err.Error())
	}
	return c
}

func buildDefault() (*Catalog, error) {
	c := &Catalog{
		types:    map[string]typeInfo{},
		offered:  map[string]map[string]bool{},
		hosts:    map[string]Money{},
		ebs:      defaultEBS(),
		snapshot: MustParseMoney("0.05"),
		ipv4:     MustParseMoney("0.005"),
	}
	for _, t := range catalog.InstanceTypes() {
		c.types[t.Name] = typeInfo{
			name: t.Name, family: t.Family, vcpus: t.VCPU.DefaultVCPUs, memoryMiB: t.MemoryMiB,
			arch: t.Processor.Architectures[0], burstable: t.Burstable,
			spot:           slices.Contains(t.UsageClasses, catalog.UsageSpot),
			dedicatedHosts: t.DedicatedHostsSupported,
		}
	}
	var err error
	if c.quarters, err = normalizationQuarters(c.types); err != nil {
		return nil, err
	}
	if c.base, c.missing, err = basePrices(c.types, c.quarters); err != nil {
		return nil, err
	}
	sort.Strings(c.missing)
	if c.regions, err = defaultRegionFactors(); err != nil {
		return nil, err
	}
	for _, r := range catalog.Regions() {
		if _, ok := c.regions[r.Name]; !ok {
			return nil, fmt.Errorf("region %s: no price level", r.Name)
		}
		sold := map[string]bool{}
		for _, o := range catalog.Offerings(r.Name) {
			if o.LocationType == catalog.LocationRegion {
				sold[o.InstanceType] = true
			}
		}
		c.offered[r.Name] = sold
	}
	for family, s := range explicitHostPrices {
		c.hosts[family] = MustParseMoney(s)
	}
	return c, nil
}

// clone returns a copy whose maps an override may change.
func (c *Catalog) clone() *Catalog {
	d := *c
	d.base = maps.Clone(c.base)
	d.regions = maps.Clone(c.regions)
	d.ebs = maps.Clone(c.ebs)
	d.missing = nil
	return &d
}
