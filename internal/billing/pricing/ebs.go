package pricing

import (
	"fmt"
	"slices"
)

// VolumeType is an EBS volume type, with EC2's values.
type VolumeType string

// Volume types.
const (
	GP2      VolumeType = "gp2"
	GP3      VolumeType = "gp3"
	IO1      VolumeType = "io1"
	IO2      VolumeType = "io2"
	ST1      VolumeType = "st1"
	SC1      VolumeType = "sc1"
	Standard VolumeType = "standard" // previous-generation magnetic
)

// EBSRates is the price list of one volume type. Storage is charged per
// GB-month of provisioned size (EBS sizes are GiB; AWS's price list calls
// them GB), prorated per second over the calendar month.
type EBSRates struct {
	GBMonth Money
	// IncludedIOPS and IncludedMBps are provisioned performance that the
	// storage price already pays for (gp3: 3,000 IOPS and 125 MB/s).
	IncludedIOPS int64
	IncludedMBps int64
	// IOPSTiers price provisioned IOPS above IncludedIOPS, per IOPS-month,
	// in ascending tiers; nil when the type has no provisioned IOPS.
	IOPSTiers []IOPSTier
	// MBpsMonth prices provisioned throughput above IncludedMBps, per
	// MB/s-month.
	MBpsMonth Money
	// MillionRequests prices I/O requests on magnetic volumes.
	MillionRequests Money
}

// IOPSTier prices provisioned IOPS up to and including UpTo; UpTo 0 means
// no limit (the last tier).
type IOPSTier struct {
	UpTo         int64
	PerIOPSMonth Money
}

// defaultEBS is us-east-1's EBS price list, from the Amazon EBS pricing
// page.
func defaultEBS() map[VolumeType]EBSRates {
	m := MustParseMoney
	return map[VolumeType]EBSRates{
		GP2: {GBMonth: m("0.10")},
		GP3: {GBMonth: m("0.08"), IncludedIOPS: 3000, IncludedMBps: 125,
			IOPSTiers: []IOPSTier{{0, m("0.005")}}, MBpsMonth: m("0.04")},
		IO1: {GBMonth: m("0.125"), IOPSTiers: []IOPSTier{{0, m("0.065")}}},
		// io2 IOPS are tiered: up to 32,000; 32,001–64,000; above 64,000.
		IO2: {GBMonth: m("0.125"), IOPSTiers: []IOPSTier{
			{32000, m("0.065")}, {64000, m("0.0455")}, {0, m("0.03185")},
		}},
		ST1:      {GBMonth: m("0.045")},
		SC1:      {GBMonth: m("0.015")},
		Standard: {GBMonth: m("0.05"), MillionRequests: m("0.05")},
	}
}

// EBS returns the price list of a volume type in a region: us-east-1's
// scaled by the region's factor (an approximation: AWS's regional EBS
// premium is close to, not equal to, its EC2 one).
func (c *Catalog) EBS(volumeType VolumeType, region string) (EBSRates, error) {
	r, ok := c.ebs[volumeType]
	if !ok {
		return EBSRates{}, fmt.Errorf("ebs price of %q: %w", volumeType, ErrUnknownVolumeType)
	}
	f, ok := c.regions[region]
	if !ok {
		return EBSRates{}, fmt.Errorf("ebs price of %s in %s: %w", volumeType, region, ErrUnknownRegion)
	}
	r.GBMonth = regional(r.GBMonth, f)
	r.MBpsMonth = regional(r.MBpsMonth, f)
	r.MillionRequests = regional(r.MillionRequests, f)
	r.IOPSTiers = slices.Clone(r.IOPSTiers)
	for i := range r.IOPSTiers {
		r.IOPSTiers[i].PerIOPSMonth = regional(r.IOPSTiers[i].PerIOPSMonth, f)
	}
	return r, nil
}

// Volume is a provisioned EBS volume's billable shape.
type Volume struct {
	Type           VolumeType
	SizeGiB        int64
	IOPS           int64 // provisioned IOPS (gp3, io1, io2); 0 otherwise
	ThroughputMBps int64 // provisioned throughput (gp3); 0 otherwise
}

// Monthly returns what the volume costs for a whole month provisioned:
// storage, plus IOPS and throughput beyond what the type includes. I/O
// requests on magnetic volumes are usage and are not included. The rating
// engine prorates this by seconds provisioned over seconds in the month.
func (r EBSRates) Monthly(v Volume) Money {
	total := r.GBMonth.Mul(v.SizeGiB)
	if extra := v.ThroughputMBps - r.IncludedMBps; extra > 0 {
		total = total.Add(r.MBpsMonth.Mul(extra))
	}
	iops := v.IOPS - r.IncludedIOPS
	var floor int64 // IOPS already charged by lower tiers
	for _, tier := range r.IOPSTiers {
		if iops <= 0 {
			break
		}
		n := iops
		if tier.UpTo > 0 {
			n = min(iops, tier.UpTo-floor)
			floor = tier.UpTo
		}
		total = total.Add(tier.PerIOPSMonth.Mul(n))
		iops -= n
	}
	return total
}

// VolumeMonthly prices a volume for a month in a region.
func (c *Catalog) VolumeMonthly(v Volume, region string) (Money, error) {
	r, err := c.EBS(v.Type, region)
	if err != nil {
		return Money{}, err
	}
	return r.Monthly(v), nil
}

// SnapshotGBMonth returns the price of EBS snapshot storage per GB-month
// (standard tier; the same in every region in this catalog).
func (c *Catalog) SnapshotGBMonth() Money { return c.snapshot }

// PublicIPv4Hourly returns the hourly charge of a public IPv4 address,
// attached or idle, as AWS has charged since February 2024 in every region.
func (c *Catalog) PublicIPv4Hourly() Money { return c.ipv4 }
