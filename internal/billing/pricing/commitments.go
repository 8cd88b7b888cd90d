package pricing

import "fmt"

// OfferingClass is a Reserved Instance class, with EC2's values.
type OfferingClass string

// Offering classes.
const (
	ClassStandard    OfferingClass = "standard"
	ClassConvertible OfferingClass = "convertible"
)

// PaymentOption is how a commitment is paid, with the strings EC2 uses for
// RI OfferingType and Savings Plans use for PaymentOption.
type PaymentOption string

// Payment options.
const (
	NoUpfront      PaymentOption = "No Upfront"
	PartialUpfront PaymentOption = "Partial Upfront"
	AllUpfront     PaymentOption = "All Upfront"
)

// SavingsPlanType is a Savings Plan type, with the Savings Plans API values.
type SavingsPlanType string

// Savings Plan types.
const (
	ComputeSP     SavingsPlanType = "Compute"
	EC2InstanceSP SavingsPlanType = "EC2Instance"
)

// Term is a commitment length in years: AWS sells 1 and 3.
type Term int

// Terms.
const (
	Term1Year  Term = 1
	Term3Years Term = 3
)

// Seconds returns the term's duration as EC2 reports it: 31,536,000 s a
// year, no leap days.
func (t Term) Seconds() int64 { return int64(t) * 31_536_000 }

// Hours returns the hours of the term, each billed whether used or not.
func (t Term) Hours() int64 { return int64(t) * 8760 }

// fractions is the effective price of a commitment, as a fraction of the
// On-Demand compute price, for each payment option of one product and term.
type fractions struct{ noUpfront, partialUpfront, allUpfront Factor }

// commitmentProduct is one of the four ways to commit; RI classes and
// Savings Plan types are kept apart so that neither name can reach the
// other's rates.
type commitmentProduct string

const (
	standardRI      commitmentProduct = "standard RI"
	convertibleRI   commitmentProduct = "convertible RI"
	ec2InstancePlan commitmentProduct = "EC2 Instance Savings Plan"
	computePlan     commitmentProduct = "Compute Savings Plan"
)

var (
	riProducts   = map[OfferingClass]commitmentProduct{ClassStandard: standardRI, ClassConvertible: convertibleRI}
	planProducts = map[SavingsPlanType]commitmentProduct{EC2InstanceSP: ec2InstancePlan, ComputeSP: computePlan}
)

type commitmentKey struct {
	product commitmentProduct
	term    Term
}

// commitmentTable holds typical effective rates as fractions of On-Demand,
// approximating AWS's published rates for current general-purpose families
// (m5.large us-east-1: standard 1-year no upfront 0.060 = 0.625 of 0.096;
// 3-year all upfront ≈ 0.38). AWS's own rates vary by family and region by
// a few points. EC2 Instance Savings Plans match Standard RIs (up to 72%
// off) and Compute Savings Plans match Convertible RIs (up to 66% off), as
// the Savings Plans FAQ states.
var commitmentTable = map[commitmentKey]fractions{
	{standardRI, Term1Year}:       row("0.62", "0.60", "0.59"),
	{standardRI, Term3Years}:      row("0.43", "0.40", "0.38"),
	{convertibleRI, Term1Year}:    row("0.72", "0.69", "0.68"),
	{convertibleRI, Term3Years}:   row("0.50", "0.47", "0.45"),
	{ec2InstancePlan, Term1Year}:  row("0.62", "0.60", "0.59"),
	{ec2InstancePlan, Term3Years}: row("0.43", "0.40", "0.38"),
	{computePlan, Term1Year}:      row("0.72", "0.69", "0.68"),
	{computePlan, Term3Years}:     row("0.50", "0.47", "0.45"),
}

func row(noUpfront, partialUpfront, allUpfront string) fractions {
	return fractions{mustFactor(noUpfront), mustFactor(partialUpfront), mustFactor(allUpfront)}
}

func (f fractions) of(p PaymentOption) (Factor, bool) {
	switch p {
	case NoUpfront:
		return f.noUpfront, true
	case PartialUpfront:
		return f.partialUpfront, true
	case AllUpfront:
		return f.allUpfront, true
	}
	return Factor{}, false
}

// RIOffering is the price of one Reserved Instance offering.
type RIOffering struct {
	Product Product
	Class   OfferingClass
	Term    Term
	Payment PaymentOption
	// Upfront is paid at purchase (EC2's FixedPrice), rounded to cents.
	Upfront Money
	// Hourly is charged for every hour of the term, used or not (EC2's
	// RecurringCharges, frequency Hourly).
	Hourly Money
}

// Total returns everything the reservation costs over its term.
func (o RIOffering) Total() Money { return o.Upfront.Add(o.Hourly.Mul(o.Term.Hours())) }

// EffectiveHourly returns Total spread over the hours of the term, the
// figure to compare with On-Demand.
func (o RIOffering) EffectiveHourly() Money { return o.Total().MulRatio(1, o.Term.Hours()) }

// RIOffering prices a Reserved Instance for a product.
//
// The compute part of the On-Demand rate is discounted by commitmentTable;
// the platform license is not, as AWS adds the full Windows or RHEL license
// to RI prices. All Upfront pays everything at purchase; Partial Upfront
// pays half the All Upfront total at purchase and an hourly charge that
// brings its total to its own (higher) fraction; No Upfront pays hourly.
// Dedicated-tenancy RIs exist; host tenancy is reserved through Dedicated
// Host Reservations, which this catalog does not sell.
func (c *Catalog) RIOffering(p Product, class OfferingClass, term Term, payment PaymentOption) (RIOffering, error) {
	o := RIOffering{Product: p, Class: class, Term: term, Payment: payment}
	product := riProducts[class]
	var err error
	switch {
	case product == "":
		err = fmt.Errorf("%w: offering class %q", ErrNotOffered, class)
	case p.tenancy() == TenancyHost:
		err = ErrNotOffered
	default:
		o.Upfront, o.Hourly, err = c.commitment(product, term, payment, p)
	}
	if err != nil {
		return RIOffering{}, fmt.Errorf("reserved instance price of %s: %w", p, err)
	}
	return o, nil
}

// RIOfferings returns the twelve offerings of a product: both classes,
// both terms, every payment option.
func (c *Catalog) RIOfferings(p Product) ([]RIOffering, error) {
	var out []RIOffering
	for _, class := range []OfferingClass{ClassStandard, ClassConvertible} {
		for _, term := range []Term{Term1Year, Term3Years} {
			for _, pay := range []PaymentOption{NoUpfront, PartialUpfront, AllUpfront} {
				o, err := c.RIOffering(p, class, term, pay)
				if err != nil {
					return nil, err
				}
				out = append(out, o)
			}
		}
	}
	return out, nil
}

// SavingsPlanRate returns the hourly rate at which a product's usage draws
// down a Savings Plan: the discounted compute part plus the full license.
// The plan's commitment, and any upfront share of it, is the buyer's
// choice and the rating engine's business.
func (c *Catalog) SavingsPlanRate(plan SavingsPlanType, term Term, payment PaymentOption, p Product) (Money, error) {
	product := planProducts[plan]
	if product == "" {
		return Money{}, fmt.Errorf("savings plan rate of %s: %w: plan type %q", p, ErrNotOffered, plan)
	}
	_, f, err := lookupFractions(product, term, payment)
	if err == nil && p.tenancy() == TenancyHost {
		err = ErrNotOffered
	}
	var compute, license Money
	if err == nil {
		compute, license, err = c.rateParts(p)
	}
	if err != nil {
		return Money{}, fmt.Errorf("%s savings plan rate of %s: %w", plan, p, err)
	}
	return compute.MulFactor(f).Add(license), nil
}

// lookupFractions returns the table row of a commitment and the fraction
// of its payment option.
func lookupFractions(product commitmentProduct, term Term, payment PaymentOption) (fractions, Factor, error) {
	row, ok := commitmentTable[commitmentKey{product, term}]
	if !ok {
		return fractions{}, Factor{}, fmt.Errorf("%w: %q for %d years", ErrNotOffered, string(product), term)
	}
	f, ok := row.of(payment)
	if !ok {
		return fractions{}, Factor{}, fmt.Errorf("%w: payment option %q", ErrNotOffered, payment)
	}
	return row, f, nil
}

// commitment splits a product's rate into upfront and hourly charges.
func (c *Catalog) commitment(product commitmentProduct, term Term, payment PaymentOption, p Product) (upfront, hourly Money, err error) {
	row, _, err := lookupFractions(product, term, payment)
	if err != nil {
		return Money{}, Money{}, err
	}
	compute, license, err := c.rateParts(p)
	if err != nil {
		return Money{}, Money{}, err
	}
	one := NewFactor(1, 1)
	u1, h1 := split(compute, row, payment, term)
	u2, h2 := split(license, fractions{one, one, one}, payment, term)
	return u1.Add(u2).RoundToCent(), h1.Add(h2), nil
}

// split prices one part of an hourly rate under a payment option.
func split(rate Money, f fractions, payment PaymentOption, term Term) (upfront, hourly Money) {
	allNum, allDen := f.allUpfront.Ratio()
	switch payment {
	case NoUpfront:
		return Money{}, rate.MulFactor(f.noUpfront)
	case AllUpfront:
		return rate.MulRatio(allNum*term.Hours(), allDen), Money{}
	default: // PartialUpfront
		upfront = rate.MulRatio(allNum*term.Hours(), 2*allDen)
		hourly = rate.MulFactor(f.partialUpfront).Sub(rate.MulRatio(allNum, 2*allDen))
		return upfront, hourly
	}
}
