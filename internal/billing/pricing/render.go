package pricing

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"path"
	"sort"
	"strconv"
	"text/tabwriter"

	"github.com/kumo-cloud/kumo/internal/catalog"
)

// HoursPerMonth is the month the price tables quote monthly figures for,
// the AWS Pricing Calculator's 730 hours (8,760 / 12).
const HoursPerMonth = 730

// Filter selects the rows of a `kumo price` listing. Empty fields match
// everything, except Platform (Linux/UNIX) and Tenancy (default).
type Filter struct {
	// InstanceType is a type name or a path.Match pattern ("m5.*", "*.large").
	InstanceType string
	Region       string
	Platform     Platform
	Tenancy      Tenancy // default or dedicated; hosts are priced by DedicatedHost
}

// Quote is one row of a listing: a product's rates under each way of
// buying it, hourly.
type Quote struct {
	Product
	VCPUs     int32
	MemoryMiB int64
	OnDemand  Money
	// Effective hourly rates of the commonest commitments.
	Standard1yNoUpfront  Money
	Standard3yAllUpfront Money
	ComputeSP1yNoUpfront Money
	EC2SP3yAllUpfront    Money
	// SpotBaseline is the cheapest zone's baseline; zero when the product
	// has no Spot market (dedicated tenancy, or a type without Spot).
	SpotBaseline Money
}

// Quotes prices every product the filter selects and AWS sells, ordered by
// region, family and size. A filter that selects nothing is an error, so
// that a typo does not print an empty table.
func (c *Catalog) Quotes(f Filter) ([]Quote, error) {
	platform, err := ParsePlatform(string(f.Platform))
	if err != nil {
		return nil, err
	}
	tenancy, err := ParseTenancy(string(f.Tenancy))
	if err != nil {
		return nil, err
	}
	if tenancy == TenancyHost {
		return nil, fmt.Errorf("price listing: %w: host tenancy is priced per host", ErrNotOffered)
	}
	if _, err := path.Match(f.InstanceType, ""); err != nil {
		return nil, fmt.Errorf("price listing: instance type pattern %q: %w", f.InstanceType, err)
	}
	regions := []string{f.Region}
	if f.Region == "" {
		regions = sortedKeys(c.regions)
	} else if _, ok := c.regions[f.Region]; !ok {
		return nil, fmt.Errorf("price listing: %s: %w", f.Region, ErrUnknownRegion)
	}
	var out []Quote
	for _, region := range regions {
		for _, name := range c.sortedTypes() {
			if ok, _ := path.Match(f.InstanceType, name); f.InstanceType != "" && !ok {
				continue
			}
			if !c.offered[region][name] {
				continue
			}
			q, err := c.quote(Product{InstanceType: name, Region: region, Platform: platform, Tenancy: tenancy})
			if errors.Is(err, ErrNotOffered) {
				continue // e.g. Windows on Graviton
			}
			if err != nil {
				return nil, err
			}
			out = append(out, q)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("price listing: %w: nothing matches instance type %q, region %q, platform %s",
			ErrNotOffered, f.InstanceType, f.Region, platform)
	}
	return out, nil
}

func (c *Catalog) quote(p Product) (Quote, error) {
	t := c.types[p.InstanceType]
	q := Quote{Product: p, VCPUs: t.vcpus, MemoryMiB: t.memoryMiB}
	var err error
	if q.OnDemand, err = c.OnDemand(p); err != nil {
		return Quote{}, err
	}
	for _, ri := range []struct {
		dst   *Money
		term  Term
		class OfferingClass
		pay   PaymentOption
	}{
		{&q.Standard1yNoUpfront, Term1Year, ClassStandard, NoUpfront},
		{&q.Standard3yAllUpfront, Term3Years, ClassStandard, AllUpfront},
	} {
		o, err := c.RIOffering(p, ri.class, ri.term, ri.pay)
		if err != nil {
			return Quote{}, err
		}
		*ri.dst = o.EffectiveHourly()
	}
	if q.ComputeSP1yNoUpfront, err = c.SavingsPlanRate(ComputeSP, Term1Year, NoUpfront, p); err != nil {
		return Quote{}, err
	}
	if q.EC2SP3yAllUpfront, err = c.SavingsPlanRate(EC2InstanceSP, Term3Years, AllUpfront, p); err != nil {
		return Quote{}, err
	}
	if p.tenancy() == TenancyDefault && t.spot {
		for _, z := range catalog.Zones(p.Region) {
			s, err := c.SpotBaseline(p.InstanceType, z.Name, p.platform())
			if err != nil {
				continue // not offered in this zone
			}
			if q.SpotBaseline.IsZero() || s.Cmp(q.SpotBaseline) < 0 {
				q.SpotBaseline = s
			}
		}
	}
	return q, nil
}

// sortedTypes orders instance types by family, then size, then name, the
// order a reader scans a price table in.
func (c *Catalog) sortedTypes() []string {
	names := sortedKeys(c.types)
	sort.SliceStable(names, func(i, j int) bool {
		a, b := c.types[names[i]], c.types[names[j]]
		if a.family != b.family {
			return a.family < b.family
		}
		if qa, qb := c.quarters[a.name], c.quarters[b.name]; qa != qb {
			return qa < qb
		}
		return a.name < b.name
	})
	return names
}

// WriteTable writes quotes as an aligned table for people: rates to four
// decimals, as AWS price pages show them, and a monthly On-Demand figure.
func WriteTable(w io.Writer, quotes []Quote) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TYPE\tREGION\tPLATFORM\tTENANCY\tVCPU\tMEMORY GiB\tON-DEMAND/h\tPER MONTH\tRI 1Y STD NU\tRI 3Y STD AU\tCOMPUTE SP 1Y NU\tEC2 SP 3Y AU\tSPOT BASE")
	for _, q := range quotes {
		spot := "-"
		if !q.SpotBaseline.IsZero() {
			spot = q.SpotBaseline.StringFixed(4)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n",
			q.InstanceType, q.Region, q.platform(), q.tenancy(), q.VCPUs, gib(q.MemoryMiB),
			q.OnDemand.StringFixed(4), q.OnDemand.Mul(HoursPerMonth).StringFixed(2),
			q.Standard1yNoUpfront.StringFixed(4), q.Standard3yAllUpfront.StringFixed(4),
			q.ComputeSP1yNoUpfront.StringFixed(4), q.EC2SP3yAllUpfront.StringFixed(4), spot)
	}
	return tw.Flush()
}

// WriteCSV writes quotes as CSV for programs: exact amounts, a header row,
// snake_case column names, an empty spot cell when there is no Spot market.
func WriteCSV(w io.Writer, quotes []Quote) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"instance_type", "region", "platform", "tenancy", "vcpus", "memory_mib",
		"on_demand_hourly", "standard_1y_no_upfront_hourly", "standard_3y_all_upfront_hourly",
		"compute_sp_1y_no_upfront_hourly", "ec2_instance_sp_3y_all_upfront_hourly", "spot_baseline_hourly"})
	for _, q := range quotes {
		spot := ""
		if !q.SpotBaseline.IsZero() {
			spot = q.SpotBaseline.String()
		}
		cw.Write([]string{q.InstanceType, q.Region, string(q.platform()), string(q.tenancy()),
			strconv.Itoa(int(q.VCPUs)), strconv.FormatInt(q.MemoryMiB, 10),
			q.OnDemand.String(), q.Standard1yNoUpfront.String(), q.Standard3yAllUpfront.String(),
			q.ComputeSP1yNoUpfront.String(), q.EC2SP3yAllUpfront.String(), spot})
	}
	cw.Flush()
	return cw.Error()
}

// gib prints MiB as GiB with at most two decimals ("0.5", "15.25", "384").
func gib(mib int64) string {
	return NewFactor(mib, 1024).String()
}
