package pricing

import (
	"fmt"
	"strings"
)

// sizeQuarters is the AWS normalization factor of each size, in quarter
// units so that nano (0.25) is an integer. Source: "How size flexibility
// is applied" in the EC2 User Guide (and BILLING.md).
var sizeQuarters = map[string]int64{
	"nano": 1, "micro": 2, "small": 4, "medium": 8, "large": 16,
	"xlarge": 32, "2xlarge": 64, "3xlarge": 96, "4xlarge": 128,
	"6xlarge": 192, "8xlarge": 256, "9xlarge": 288, "10xlarge": 320,
	"12xlarge": 384, "16xlarge": 512, "18xlarge": 576, "24xlarge": 768,
	"32xlarge": 1024, "48xlarge": 1536, "56xlarge": 1792, "96xlarge": 3072,
	"112xlarge": 3584,
}

// normalizationQuarters returns the normalization factor of every type in
// types (keyed by name), in quarter units.
//
// AWS defines metal as the family's largest size. Sizes named like
// "metal-24xl" take the factor of the size they name. A family whose only
// size is metal (mac1) has no larger sibling to copy; it gets 2 units per
// vCPU, the ratio of every x86 size from xlarge up, so its footprint is
// comparable with other families'. AWS sells no size-flexible RIs for it.
func normalizationQuarters(types map[string]typeInfo) (map[string]int64, error) {
	out := make(map[string]int64, len(types))
	largest := map[string]int64{} // family → largest non-metal size
	var metals []typeInfo
	for _, t := range types {
		_, size, _ := strings.Cut(t.name, ".")
		if rest, ok := strings.CutPrefix(size, "metal-"); ok {
			size = strings.TrimSuffix(rest, "xl") + "xlarge"
		}
		if size == "metal" {
			metals = append(metals, t)
			continue
		}
		q, ok := sizeQuarters[size]
		if !ok {
			return nil, fmt.Errorf("normalization factor of %s: unknown size %q", t.name, size)
		}
		out[t.name] = q
		largest[t.family] = max(largest[t.family], q)
	}
	for _, t := range metals {
		q := largest[t.family]
		if q == 0 {
			q = 2 * 4 * int64(t.vcpus)
		}
		out[t.name] = q
	}
	return out, nil
}

// NormalizationFactor returns the AWS normalization factor of an instance
// type (m5.large 4, t3.nano 0.25, m5.metal 192). Regional Reserved
// Instances use it to cover other sizes of the same family: an RI of
// factor 4 covers half an instance of factor 8.
func (c *Catalog) NormalizationFactor(instanceType string) (Factor, error) {
	q, ok := c.quarters[instanceType]
	if !ok {
		return Factor{}, fmt.Errorf("normalization factor of %s: %w", instanceType, ErrUnknownInstanceType)
	}
	return NewFactor(q, 4), nil
}
