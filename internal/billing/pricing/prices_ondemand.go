package pricing

import "fmt"

// On-Demand prices, US East (N. Virginia), Linux/UNIX, default tenancy,
// dollars per hour, as published on the AWS EC2 On-Demand pricing page.
// GPU and ML prices were cross-checked against the instances.vantage.sh
// export of the AWS price list (2025–2026); P4d and P5 carry the prices
// after AWS's June 2025 reduction.

// familyPrice names one published price per family that AWS prices
// linearly by normalization factor: every other size costs
// price × factor(size) / factor(ref). Metal sizes use the factor of the
// family's largest size, as AWS prices them.
type familyPrice struct {
	ref, price string
}

var linearFamilies = map[string]familyPrice{
	// General purpose
	"t2":  {"t2.micro", "0.0116"},
	"t3":  {"t3.micro", "0.0104"},
	"t4g": {"t4g.micro", "0.0084"},
	"m3":  {"m3.large", "0.133"},
	"m5":  {"m5.large", "0.096"},
	"m6g": {"m6g.large", "0.077"},
	"m6i": {"m6i.large", "0.096"},
	"m7i": {"m7i.large", "0.1008"},
	// Compute optimized
	"c5":  {"c5.large", "0.085"},
	"c5d": {"c5d.large", "0.096"},
	"c6i": {"c6i.large", "0.085"},
	"c7g": {"c7g.large", "0.0725"},
	"c7i": {"c7i.large", "0.08925"},
	// Memory optimized
	"r5":  {"r5.large", "0.126"},
	"r6i": {"r6i.large", "0.126"},
	"x1e": {"x1e.xlarge", "0.834"},
	// Storage optimized
	"d2": {"d2.xlarge", "0.69"},
	"i3": {"i3.large", "0.156"},
	// Accelerated, where AWS happens to be linear
	"p3": {"p3.2xlarge", "3.06"},
}

// explicitPrices lists types whose published price is not the linear one:
// sizes AWS rounded differently, and the accelerated families, whose price
// follows the accelerators (a g4dn.12xlarge has four GPUs, a g4dn.16xlarge
// one), not the normalization factor.
var explicitPrices = map[string]string{
	// Published prices that are rounded off the linear value.
	"t2.small":   "0.023",  // linear 0.0232
	"m3.medium":  "0.067",  // linear 0.0665
	"c7g.medium": "0.0363", // linear 0.03625

	// i4i is published to three decimals of a non-round unit price.
	"i4i.large": "0.172", "i4i.xlarge": "0.343", "i4i.2xlarge": "0.686",
	"i4i.4xlarge": "1.373", "i4i.8xlarge": "2.746", "i4i.12xlarge": "4.118",
	"i4i.16xlarge": "5.491", "i4i.32xlarge": "10.982",

	// Mac instances run only on Dedicated Hosts; this is the per-host
	// hourly price, which Kumo also charges for a mac1.metal instance.
	"mac1.metal": "1.083",

	"g4dn.xlarge": "0.526", "g4dn.2xlarge": "0.752", "g4dn.4xlarge": "1.204",
	"g4dn.8xlarge": "2.176", "g4dn.12xlarge": "3.912", "g4dn.16xlarge": "4.352",

	"g5.xlarge": "1.006", "g5.2xlarge": "1.212", "g5.4xlarge": "1.624",
	"g5.8xlarge": "2.448", "g5.12xlarge": "5.672", "g5.16xlarge": "4.096",
	"g5.24xlarge": "8.144", "g5.48xlarge": "16.288",

	"g6.xlarge": "0.8048", "g6.2xlarge": "0.9776", "g6.4xlarge": "1.3232",
	"g6.8xlarge": "2.0144", "g6.12xlarge": "4.6016", "g6.16xlarge": "3.3968",
	"g6.24xlarge": "6.6752", "g6.48xlarge": "13.3504",

	"p4d.24xlarge": "21.957642",
	"p5.48xlarge":  "55.04",

	"inf1.xlarge": "0.228", "inf1.2xlarge": "0.362", "inf1.6xlarge": "1.18",
	"inf1.24xlarge": "4.721",

	"inf2.xlarge": "0.7582", "inf2.8xlarge": "1.96786", "inf2.24xlarge": "6.49063",
	"inf2.48xlarge": "12.98127",

	"trn1.2xlarge": "1.34375", "trn1.32xlarge": "21.50",
}

// basePrices returns the us-east-1 Linux price of every type in types that
// the tables above cover. Types they do not cover are returned in missing
// rather than failing, so that one unpriced type added to internal/catalog
// does not take every price down; the coverage test names it.
func basePrices(types map[string]typeInfo, quarters map[string]int64) (prices map[string]Money, missing []string, err error) {
	prices = make(map[string]Money, len(types))
	for name, t := range types {
		if s, ok := explicitPrices[name]; ok {
			if prices[name], err = ParseMoney(s); err != nil {
				return nil, nil, fmt.Errorf("price of %s: %w", name, err)
			}
			continue
		}
		fp, ok := linearFamilies[t.family]
		if !ok {
			missing = append(missing, name)
			continue
		}
		ref, err := ParseMoney(fp.price)
		if err != nil {
			return nil, nil, fmt.Errorf("price of %s: %w", fp.ref, err)
		}
		refQuarters, ok := quarters[fp.ref]
		if !ok {
			return nil, nil, fmt.Errorf("price of %s: reference type %s is not in the catalog", name, fp.ref)
		}
		prices[name] = ref.MulRatio(quarters[name], refQuarters)
	}
	return prices, missing, nil
}
