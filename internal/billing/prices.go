package billing

import (
	"errors"
	"time"
)

// ErrNoPrice reports usage the price source has no price for. The engine
// refuses to guess: a missing price is an error, not a free resource.
var ErrNoPrice = errors.New("no price")

// RateKey identifies an instance price: what AWS's price list keys a
// BoxUsage SKU by.
type RateKey struct {
	Region       string
	InstanceType string
	Platform     Platform
	Tenancy      Tenancy
}

// SpotPrice is one entry of a Spot pool's price history: Price holds from At
// until the next entry.
type SpotPrice struct {
	At    time.Time
	Price Money
}

// Prices is where the engine gets prices; the engine itself holds none.
// Every rate must be a price as ParseMoney reads it (at most 10 decimals).
// Lookups happen once per resource, not per hour.
type Prices interface {
	// OnDemandHourly is the On-Demand price per instance-hour.
	OnDemandHourly(k RateKey) (Money, bool)
	// SpotHistory is the price history of the pool (zone, type, platform),
	// in time order, including the last change before the window.
	SpotHistory(zone, instanceType string, p Platform) []SpotPrice
	// SavingsPlanHourly is the plan's rate for the usage; false means the
	// plan does not cover it.
	SavingsPlanHourly(plan *SavingsPlan, k RateKey) (Money, bool)
	// VolumeGBMonth is the EBS storage price per GB-month.
	VolumeGBMonth(region, volumeType string) (Money, bool)
	// SnapshotGBMonth is the EBS snapshot storage price per GB-month.
	SnapshotGBMonth(region string) (Money, bool)
	// PublicIPv4Hourly is the price of a public IPv4 address per hour.
	PublicIPv4Hourly(region string) (Money, bool)
	// HostHourly is the Dedicated Host price per host-hour.
	HostHourly(region, hostType string) (Money, bool)
	// DedicatedRegionFeeHourly is the per-region fee for running Dedicated
	// Instances.
	DedicatedRegionFeeHourly(region string) (Money, bool)
}

// PriceTable is a Prices held in maps, for tests and for callers that load
// a price list up front.
type PriceTable struct {
	OnDemand map[RateKey]Money
	Spot     map[SpotPool][]SpotPrice
	// SavingsPlans is keyed by plan ID and then by the usage.
	SavingsPlans       map[string]map[RateKey]Money
	Volumes            map[RegionKey]Money // key Name: the volume type
	Snapshots          map[string]Money    // by region
	PublicIPv4         map[string]Money    // by region
	Hosts              map[RegionKey]Money // key Name: the host type
	DedicatedRegionFee map[string]Money    // by region
}

// SpotPool names a Spot capacity pool.
type SpotPool struct {
	Zone         string
	InstanceType string
	Platform     Platform
}

// RegionKey is a regional price of a named thing.
type RegionKey struct {
	Region string
	Name   string
}

var _ Prices = (*PriceTable)(nil)

// OnDemandHourly implements Prices.
func (t *PriceTable) OnDemandHourly(k RateKey) (Money, bool) {
	m, ok := t.OnDemand[k]
	return m, ok
}

// SpotHistory implements Prices.
func (t *PriceTable) SpotHistory(zone, instanceType string, p Platform) []SpotPrice {
	return t.Spot[SpotPool{zone, instanceType, p}]
}

// SavingsPlanHourly implements Prices.
func (t *PriceTable) SavingsPlanHourly(plan *SavingsPlan, k RateKey) (Money, bool) {
	m, ok := t.SavingsPlans[plan.ID][k]
	return m, ok
}

// VolumeGBMonth implements Prices.
func (t *PriceTable) VolumeGBMonth(region, volumeType string) (Money, bool) {
	m, ok := t.Volumes[RegionKey{region, volumeType}]
	return m, ok
}

// SnapshotGBMonth implements Prices.
func (t *PriceTable) SnapshotGBMonth(region string) (Money, bool) {
	m, ok := t.Snapshots[region]
	return m, ok
}

// PublicIPv4Hourly implements Prices.
func (t *PriceTable) PublicIPv4Hourly(region string) (Money, bool) {
	m, ok := t.PublicIPv4[region]
	return m, ok
}

// HostHourly implements Prices.
func (t *PriceTable) HostHourly(region, hostType string) (Money, bool) {
	m, ok := t.Hosts[RegionKey{region, hostType}]
	return m, ok
}

// DedicatedRegionFeeHourly implements Prices.
func (t *PriceTable) DedicatedRegionFeeHourly(region string) (Money, bool) {
	m, ok := t.DedicatedRegionFee[region]
	return m, ok
}
