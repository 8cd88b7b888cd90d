package billing

import (
	"errors"
	"fmt"
)

// Config holds the billing rules an operator may change.
type Config struct {
	FreeTier FreeTier
	// HourlyPlatforms bill in full hours, each partial hour rounded up,
	// instead of per second; BILLING.md lists SUSE.
	HourlyPlatforms []Platform
	// LargestSize maps an instance family to its largest size ("m5" →
	// "24xlarge"), which is what a "metal" size normalizes as. Families
	// missing here keep their metal sizes out of size flexibility.
	LargestSize map[string]string
}

// FreeTier is the 12-month Free Tier for instances.
type FreeTier struct {
	HoursPerMonth int64    // 750
	Months        int      // after the payer account's creation: 12
	InstanceTypes []string // t2.micro, t3.micro
}

// DefaultConfig returns AWS's rules.
func DefaultConfig() Config {
	return Config{
		FreeTier: FreeTier{
			HoursPerMonth: 750,
			Months:        12,
			InstanceTypes: []string{"t2.micro", "t3.micro"},
		},
		HourlyPlatforms: []Platform{PlatformSUSE},
		LargestSize: map[string]string{
			"m5": "24xlarge", "m5d": "24xlarge", "c5": "24xlarge", "c5d": "24xlarge",
			"r5": "24xlarge", "r5d": "24xlarge", "m6i": "32xlarge", "c6i": "32xlarge",
			"r6i": "32xlarge", "m6g": "16xlarge", "c6g": "16xlarge", "r6g": "16xlarge",
			"i3": "16xlarge", "i3en": "24xlarge", "z1d": "12xlarge", "x2iezn": "12xlarge",
		},
	}
}

// ErrInvalidConfig reports a Config that cannot bill.
var ErrInvalidConfig = errors.New("invalid billing config")

// Validate checks the config.
func (c Config) Validate() error {
	if c.FreeTier.HoursPerMonth < 0 || c.FreeTier.Months < 0 {
		return fmt.Errorf("free tier: negative allowance: %w", ErrInvalidConfig)
	}
	for fam, size := range c.LargestSize {
		if _, ok := sizeUnits[size]; !ok {
			return fmt.Errorf("largest size of %s: unknown size %q: %w", fam, size, ErrInvalidConfig)
		}
	}
	return nil
}

func (c Config) hourly(p Platform) bool {
	for _, h := range c.HourlyPlatforms {
		if h == p {
			return true
		}
	}
	return false
}

func (c Config) freeTierType(t string) bool {
	for _, ft := range c.FreeTier.InstanceTypes {
		if ft == t {
			return true
		}
	}
	return false
}
