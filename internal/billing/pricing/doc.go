// Package pricing owns Kumo's price catalog: what every EC2 product Kumo
// imitates costs, in exact decimal dollars. It answers "what is the rate"
// and never "what is owed": metering usage, applying Reserved Instances and
// Savings Plans and writing invoices belong to the rating engine in
// internal/billing, which reads its rates from a Catalog.
//
// The catalog holds:
//   - On-Demand hourly prices for every type in internal/catalog, as real
//     us-east-1 Linux prices (prices_ondemand.go), scaled to other regions
//     by a per-region factor (regions.go);
//   - platform license charges and billing granularity (platform.go);
//   - tenancy: the dedicated-instance regional fee and Dedicated Host
//     prices (tenancy.go);
//   - Reserved Instance offerings and Savings Plans rates as fractions of
//     On-Demand (commitments.go);
//   - long-term Spot baselines per pool (spot.go);
//   - EBS, snapshot and public IPv4 prices and the Free Tier (ebs.go,
//     freetier.go);
//   - an operator override file (overrides.go) and the `kumo price`
//     renderers (render.go).
//
// Money is an int64 count of 1e-10 dollars, the precision AWS uses for
// line items, so sums never drift the way float64 does. Where the catalog
// approximates AWS (licenses, regions, commitment discounts) the table that
// does so says where its figures come from.
//
// A Catalog is immutable once built and safe for concurrent use.
package pricing
