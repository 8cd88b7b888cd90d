package ledger

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/kumo-cloud/kumo/internal/billing"
	"github.com/kumo-cloud/kumo/internal/billing/pricing"
)

// Prices gives the rating engine the catalog's prices. The catalog says why
// a price is missing and the engine only that it is; Prices keeps the
// catalog's reasons so that Rate can tell the operator what to fix.
type Prices struct {
	cat *pricing.Catalog
	// Spot, when set, returns a Spot pool's price history (in time order,
	// with the last change before the window). Without it a pool bills at
	// the catalog's long-term baseline, which is what Kumo's Spot market
	// starts from.
	Spot func(zone, instanceType string, p billing.Platform) []billing.SpotPrice

	mu     sync.Mutex
	misses []error
}

var _ billing.Prices = (*Prices)(nil)

// NewPrices returns the engine's view of c.
func NewPrices(c *pricing.Catalog) *Prices { return &Prices{cat: c} }

// convert turns a catalog amount into the engine's Money; both are exact
// decimals of at most ten places, so the text form carries it over exactly.
func convert(m pricing.Money) (billing.Money, error) {
	return billing.ParseMoney(m.String())
}

// price converts a catalog answer, keeping the reason when there is none.
func (p *Prices) price(m pricing.Money, err error) (billing.Money, bool) {
	if err == nil {
		var bm billing.Money
		if bm, err = convert(m); err == nil {
			return bm, true
		}
	}
	p.mu.Lock()
	if !slices.ContainsFunc(p.misses, func(e error) bool { return e.Error() == err.Error() }) {
		p.misses = append(p.misses, err)
	}
	p.mu.Unlock()
	return billing.Money{}, false
}

// Misses returns the catalog's reasons for every look-up that found no
// price since the last Reset, joined; nil when there were none.
func (p *Prices) Misses() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return errors.Join(p.misses...)
}

// Reset forgets the misses.
func (p *Prices) Reset() {
	p.mu.Lock()
	p.misses = nil
	p.mu.Unlock()
}

func product(k billing.RateKey) pricing.Product {
	return pricing.Product{InstanceType: k.InstanceType, Region: k.Region,
		Platform: pricing.Platform(k.Platform), Tenancy: pricing.Tenancy(k.Tenancy)}
}

// OnDemandHourly implements billing.Prices.
func (p *Prices) OnDemandHourly(k billing.RateKey) (billing.Money, bool) {
	return p.price(p.cat.OnDemand(product(k)))
}

// SpotHistory implements billing.Prices.
func (p *Prices) SpotHistory(zone, instanceType string, pl billing.Platform) []billing.SpotPrice {
	if p.Spot != nil {
		return p.Spot(zone, instanceType, pl)
	}
	m, ok := p.price(p.cat.SpotBaseline(instanceType, zone, pricing.Platform(pl)))
	if !ok {
		return nil
	}
	return []billing.SpotPrice{{At: time.Unix(0, 0).UTC(), Price: m}}
}

// SavingsPlanHourly implements billing.Prices. The plan's term is read from
// its length, as the engine names its usage type; a plan that does not
// cover the usage is not a miss.
func (p *Prices) SavingsPlanHourly(plan *billing.SavingsPlan, k billing.RateKey) (billing.Money, bool) {
	term := pricing.Term1Year
	if plan.End.Sub(plan.Start) > 2*365*24*time.Hour {
		term = pricing.Term3Years
	}
	m, err := p.cat.SavingsPlanRate(pricing.SavingsPlanType(plan.Type), term, pricing.PaymentOption(plan.Payment), product(k))
	if err != nil {
		return billing.Money{}, false
	}
	return p.price(m, nil)
}

// VolumeGBMonth implements billing.Prices.
func (p *Prices) VolumeGBMonth(region, volumeType string) (billing.Money, bool) {
	r, err := p.cat.EBS(pricing.VolumeType(volumeType), region)
	return p.price(r.GBMonth, err)
}

// regionPrice returns a price the catalog holds for every region it knows.
func (p *Prices) regionPrice(what, region string, m pricing.Money) (billing.Money, bool) {
	if _, err := p.cat.RegionFactor(region); err != nil {
		return p.price(m, fmt.Errorf("%s: %w", what, err))
	}
	return p.price(m, nil)
}

// SnapshotGBMonth implements billing.Prices.
func (p *Prices) SnapshotGBMonth(region string) (billing.Money, bool) {
	return p.regionPrice("snapshot price", region, p.cat.SnapshotGBMonth())
}

// PublicIPv4Hourly implements billing.Prices.
func (p *Prices) PublicIPv4Hourly(region string) (billing.Money, bool) {
	return p.regionPrice("public IPv4 price", region, p.cat.PublicIPv4Hourly())
}

// HostHourly implements billing.Prices; hostType is a family ("m5") or a
// type of it ("m5.large"), and the catalog prices hosts by family.
func (p *Prices) HostHourly(region, hostType string) (billing.Money, bool) {
	family, _, _ := strings.Cut(hostType, ".")
	return p.price(p.cat.DedicatedHost(family, region))
}

// DedicatedRegionFeeHourly implements billing.Prices.
func (p *Prices) DedicatedRegionFeeHourly(region string) (billing.Money, bool) {
	return p.regionPrice("dedicated region fee", region, p.cat.DedicatedRegionFee())
}

// Rate rates u under cfg with p's prices and hands every line item to
// emit, as billing.Engine.Rate does. When a price is missing the error
// names the resource and the catalog's reason.
func Rate(cfg billing.Config, p *Prices, u *billing.Usage, emit func(billing.LineItem)) error {
	e, err := billing.New(cfg, p)
	if err != nil {
		return err
	}
	p.Reset()
	return p.explain(e.Rate(u, emit))
}

// LineItems is Rate returning the line items sorted by hour, account,
// resource and source.
func LineItems(cfg billing.Config, p *Prices, u *billing.Usage) ([]billing.LineItem, error) {
	e, err := billing.New(cfg, p)
	if err != nil {
		return nil, err
	}
	p.Reset()
	items, err := e.LineItems(u)
	return items, p.explain(err)
}

func (p *Prices) explain(err error) error {
	if err == nil || !errors.Is(err, billing.ErrNoPrice) {
		return err
	}
	why := p.Misses()
	switch {
	case why == nil:
		return err
	case errors.Is(why, pricing.ErrNoPrice):
		return fmt.Errorf("%w: %w (an \"onDemand\" entry in a --prices file supplies it)", err, why)
	}
	return fmt.Errorf("%w: %w (kumo price lists what the catalog prices)", err, why)
}
