package pricing

import (
	"fmt"
	"strings"

	"github.com/kumo-cloud/kumo/internal/catalog"
)

// Platform is an operating system as AWS prices it. The values are the
// PlatformDetails / ProductDescription strings EC2 prints.
type Platform string

// Platforms Kumo prices.
const (
	Linux     Platform = "Linux/UNIX"
	Windows   Platform = "Windows"
	RHEL      Platform = "Red Hat Enterprise Linux"
	SUSE      Platform = "SUSE Linux"
	UbuntuPro Platform = "Ubuntu Pro"
)

// Platforms returns every platform, Linux first.
func Platforms() []Platform { return []Platform{Linux, Windows, RHEL, SUSE, UbuntuPro} }

// platformAliases maps lower-cased spellings seen in APIs and on command
// lines to platforms. "Linux/UNIX (Amazon VPC)" is the VPC variant of the
// Spot and RI product descriptions; it prices as Linux/UNIX.
var platformAliases = map[string]Platform{
	"":                         Linux,
	"linux":                    Linux,
	"linux/unix":               Linux,
	"linux/unix (amazon vpc)":  Linux,
	"windows":                  Windows,
	"windows (amazon vpc)":     Windows,
	"rhel":                     RHEL,
	"red hat enterprise linux": RHEL,
	"suse":                     SUSE,
	"suse linux":               SUSE,
	"suse linux (amazon vpc)":  SUSE,
	"sles":                     SUSE,
	"ubuntu pro":               UbuntuPro,
	"ubuntu-pro":               UbuntuPro,
}

// ParsePlatform accepts a platform's AWS name or a common short name
// ("windows", "rhel", "suse", "ubuntu-pro"), case-insensitively. The empty
// string is Linux/UNIX, the platform of an instance that names none.
func ParsePlatform(s string) (Platform, error) {
	p, ok := platformAliases[strings.ToLower(strings.TrimSpace(s))]
	if !ok {
		return "", fmt.Errorf("parse platform %q: %w", s, ErrUnknownPlatform)
	}
	return p, nil
}

// BilledPerSecond reports whether AWS bills the platform per second (with
// MinimumBilledSeconds each time an instance enters running) rather than
// per started hour. SUSE is the one hourly platform left; RHEL moved to
// per-second billing in April 2024.
func (p Platform) BilledPerSecond() bool { return p != SUSE }

// MinimumBilledSeconds is the least a per-second platform is billed for
// each time an instance enters running.
const MinimumBilledSeconds = 60

// License rates, dollars per hour, added to the Linux price of a type.
// They do not vary by region: AWS's regional Windows and RHEL prices are
// the regional Linux price plus the same license charge.
var (
	// windowsPerVCPU is the Windows Server license per vCPU-hour. AWS
	// publishes the rate for License Included Windows; Linux-to-Windows
	// price differences match it exactly (m5.large 0.096 → 0.188).
	windowsPerVCPU = MustParseMoney("0.046")

	// RHEL, priced per vCPU since Red Hat's 2024 model: fitted to the
	// published changes, c5.xlarge +0.0576 (4 vCPUs) and c5.4xlarge +0.1728
	// (16): 0.0144 for each of the first four vCPUs and 0.0096 above.
	// An approximation of Red Hat's tiered table.
	rhelFirstVCPUs    = MustParseMoney("0.0144")
	rhelFurtherVCPUs  = MustParseMoney("0.0096")
	rhelFirstVCPUSpan = int64(4)

	// SUSE Linux Enterprise Server: a flat fee per instance-hour, $0.03
	// for types of up to two vCPUs and $0.10 above. An approximation: AWS's
	// published SLES fees range from about $0.02 to $0.15 by family.
	suseSmall      = MustParseMoney("0.03")
	suseLarge      = MustParseMoney("0.10")
	suseSmallVCPUs = int32(2)

	// Ubuntu Pro: about $0.00175 per vCPU-hour (m5.large +0.0035), an
	// approximation of Canonical's published EC2 rates.
	ubuntuProPerVCPU = MustParseMoney("0.00175")
)

// burstableBaseline is the baseline CPU share per vCPU of the x86
// burstable types, from the AWS burstable performance instance tables.
// Windows on a T type is licensed for its baseline, not its vCPUs: t3.micro
// Windows is 0.0104 + 2 × 0.10 × 0.046 = 0.0196, as published.
var burstableBaseline = map[string]Factor{
	"t2.nano": mustFactor("0.05"), "t2.micro": mustFactor("0.10"), "t2.small": mustFactor("0.20"),
	"t2.medium": mustFactor("0.20"), "t2.large": mustFactor("0.30"), "t2.xlarge": mustFactor("0.225"),
	"t2.2xlarge": mustFactor("0.16875"),
	"t3.nano":    mustFactor("0.05"), "t3.micro": mustFactor("0.10"), "t3.small": mustFactor("0.20"),
	"t3.medium": mustFactor("0.20"), "t3.large": mustFactor("0.30"), "t3.xlarge": mustFactor("0.40"),
	"t3.2xlarge": mustFactor("0.40"),
}

// licenseHourly returns what platform p adds per hour to type t. Windows
// runs only on x86 (not Graviton); Mac hardware runs only macOS, which the
// catalog prices as the Linux/UNIX base.
func licenseHourly(p Platform, t typeInfo) (Money, error) {
	if t.arch == catalog.ArchX8664Mac && p != Linux {
		return Money{}, fmt.Errorf("%s on %s: %w", p, t.name, ErrNotOffered)
	}
	vcpus := int64(t.vcpus)
	switch p {
	case Linux:
		return Money{}, nil
	case Windows:
		if t.arch != catalog.ArchX8664 {
			return Money{}, fmt.Errorf("%s on %s (%s): %w", p, t.name, t.arch, ErrNotOffered)
		}
		licensed := windowsPerVCPU.Mul(vcpus)
		if t.burstable {
			share, ok := burstableBaseline[t.name]
			if !ok {
				return Money{}, fmt.Errorf("%s on %s: %w: no baseline CPU share", p, t.name, ErrNoPrice)
			}
			licensed = licensed.MulFactor(share)
		}
		return licensed, nil
	case RHEL:
		first := min(vcpus, rhelFirstVCPUSpan)
		return rhelFirstVCPUs.Mul(first).Add(rhelFurtherVCPUs.Mul(vcpus - first)), nil
	case SUSE:
		if t.vcpus <= suseSmallVCPUs {
			return suseSmall, nil
		}
		return suseLarge, nil
	case UbuntuPro:
		return ubuntuProPerVCPU.Mul(vcpus), nil
	}
	return Money{}, fmt.Errorf("license for %q: %w", p, ErrUnknownPlatform)
}
