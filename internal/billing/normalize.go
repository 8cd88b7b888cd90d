package billing

import "strings"

// sizeUnits are AWS's normalization factors in quarter units, so that nano
// (0.25) is 1 and every factor is an integer.
var sizeUnits = map[string]int64{
	"nano": 1, "micro": 2, "small": 4, "medium": 8, "large": 16, "xlarge": 32,
	"2xlarge": 64, "3xlarge": 96, "4xlarge": 128, "6xlarge": 192, "8xlarge": 256,
	"9xlarge": 288, "10xlarge": 320, "12xlarge": 384, "16xlarge": 512,
	"18xlarge": 576, "24xlarge": 768, "32xlarge": 1024, "48xlarge": 1536,
	"56xlarge": 1792, "96xlarge": 3072, "112xlarge": 3584,
}

// splitType splits "m5.large" into family and size.
func splitType(instanceType string) (family, size string) {
	family, size, _ = strings.Cut(instanceType, ".")
	return family, size
}

// NormalizationFactor returns the type's normalization factor in quarter
// units (m5.large → 16, i.e. 4.0) or false when the size has none. Metal
// sizes take the family's largest size from cfg; "metal-24xl" style sizes
// name theirs.
func (c Config) NormalizationFactor(instanceType string) (int64, bool) {
	family, size := splitType(instanceType)
	if u, ok := sizeUnits[size]; ok {
		return u, true
	}
	if rest, ok := strings.CutPrefix(size, "metal-"); ok {
		u, ok := sizeUnits[strings.TrimSuffix(rest, "xl")+"xlarge"]
		return u, ok
	}
	if size == "metal" {
		u, ok := sizeUnits[c.LargestSize[family]]
		return u, ok
	}
	return 0, false
}
