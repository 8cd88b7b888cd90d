// Package billing is Kumo's rating engine: it turns recorded usage (instance
// state transitions, volumes, snapshots, addresses, hosts, Capacity
// Reservations) and the commitments bought (Reserved Instances, Savings
// Plans) into hourly line items priced exactly, the way AWS bills EC2.
//
// The engine is pure. It reads no clock and does no I/O: Usage carries the
// window to bill, Prices supplies every price, and Engine.Rate streams line
// items to a callback. Aggregator (Cost Explorer's GetCostAndUsage shapes)
// and Summarizer (monthly account bills) consume that stream.
//
// Metering (meter.go) derives billed seconds from state transitions: only
// running counts, with a 60-second minimum each time an instance enters
// running, whole hours on hourly platforms, and Spot runs the provider
// interrupts free in their first hour.
//
// Allocation (allocate.go) works clock hour by clock hour because every
// commitment is hourly. Each hour, On-Demand-priced usage (instances, and the
// empty slots of Capacity Reservations) goes first to the Free Tier, then to
// zonal and regional Reserved Instances (reserved.go), then to EC2 Instance
// and Compute Savings Plans (savingsplans.go); what is left is On-Demand.
// Within each step the owner's usage comes before the rest of its billing
// family, and instances before empty reservation slots.
//
// Storage is prorated per second over the actual length of the UTC month
// (2,592,000 seconds in a 30-day month), so a full month of a GB costs
// exactly the GB-month price. Fixed charges (RI fees, Savings Plan
// commitments, reservations, hosts) are prorated per second in the partial
// hours where they start or end.
//
// Money (money.go) is exact: amounts are 128-bit integers over a scale that
// makes per-second, size-flexible and per-month proration of any 10-decimal
// price exact. Line items are never rounded; AccountMonth.Due is the one
// place amounts are rounded to cents. Two steps divide by arbitrary prices
// and so floor instead: the share of a usage a Savings Plan covers when its
// commitment runs out part-way (to about 10^-12 of a second), and a Partial
// Upfront plan's recurring fee spread over covered usage (to 10^-22 of a
// dollar). Either way the plan's hour still totals its fee exactly.
package billing
