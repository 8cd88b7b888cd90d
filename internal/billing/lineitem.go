package billing

import "time"

// Source says what produced a line item. Summing Amount over all line items
// gives the bill; the scheme never needs negation lines:
//
//   - usage covered by a Reserved Instance carries its share of the RI's
//     recurring hourly fee (zero for All Upfront) and RIUnused carries the
//     rest of the hour's fee, so each RI costs exactly its fee every hour;
//   - usage covered by a Savings Plan is priced at the plan's rate (scaled
//     to the recurring part of the commitment when some was paid upfront)
//     and SavingsPlanUnused carries the rest of the hour's commitment;
//   - upfront payments appear once, in the hour of purchase.
type Source uint8

// Sources of line items.
const (
	SourceOnDemand Source = iota + 1
	SourceSpot
	SourceFreeTier
	SourceReservedInstance
	SourceRIUnused
	SourceRIUpfront
	SourceSavingsPlanCovered
	SourceSavingsPlanUnused
	SourceSavingsPlanUpfront
	SourceCapacityReservationUnused
	SourceDedicatedHost
	SourceDedicatedFee
	SourceEBS
	SourceSnapshot
	SourcePublicIPv4
)

var sourceNames = [...]string{
	SourceOnDemand:                  "OnDemand",
	SourceSpot:                      "Spot",
	SourceFreeTier:                  "FreeTier",
	SourceReservedInstance:          "ReservedInstance",
	SourceRIUnused:                  "RIUnused",
	SourceRIUpfront:                 "RIUpfront",
	SourceSavingsPlanCovered:        "SavingsPlanCovered",
	SourceSavingsPlanUnused:         "SavingsPlanUnused",
	SourceSavingsPlanUpfront:        "SavingsPlanUpfront",
	SourceCapacityReservationUnused: "CapacityReservationUnused",
	SourceDedicatedHost:             "DedicatedHost",
	SourceDedicatedFee:              "DedicatedFee",
	SourceEBS:                       "EBS",
	SourceSnapshot:                  "Snapshot",
	SourcePublicIPv4:                "PublicIPv4",
}

// String returns the source's name, e.g. "SavingsPlanCovered".
func (s Source) String() string {
	if int(s) < len(sourceNames) && sourceNames[s] != "" {
		return sourceNames[s]
	}
	return "Unknown"
}

// Resource is what a line item is about: the fields all line items of one
// billed thing share. Line items point to it rather than copy it, which
// keeps a month of hourly line items small; treat it as read-only.
type Resource struct {
	Payer        string // the billing family's payer account
	Account      string // the account whose resource this is
	Service      string // Service* constants
	UsageType    string // "BoxUsage:m5.large", "USE2-EBS:VolumeUsage.gp3"
	Operation    string // "RunInstances:0002"
	Region       string
	Zone         string
	ResourceID   string
	InstanceType string
	Tags         map[string]string
	Unit         string // of Quantity: UnitHours, UnitGBMonths, UnitCount
}

// LineItem is one charge for one clock hour (UTC) of one resource, in the
// shape of a Cost and Usage Report row; the resource's fields are promoted
// (li.UsageType, li.Tags). Amount is exact; it is rounded to cents only in
// summaries.
type LineItem struct {
	*Resource
	Start         time.Time // the clock hour
	Source        Source
	PurchaseType  string // Purchase* constants
	ReservationID string // the RI or Savings Plan that applied, if any
	Quantity      Quantity
	Amount        Money
	// PublicCost is what the usage would cost at the public On-Demand (or
	// Spot) price: the base from which RI and Savings Plans savings are read.
	PublicCost Money
}

// End returns the end of the line item's hour.
func (li *LineItem) End() time.Time { return li.Start.Add(time.Hour) }
