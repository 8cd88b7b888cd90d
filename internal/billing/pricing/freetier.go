package pricing

// FreeTier is the AWS Free Tier allowance for EC2 and EBS as it stood for
// accounts created before July 2025 (the 12-month offer Kumo imitates).
// It is data only: applying it to a bill is the rating engine's work.
type FreeTier struct {
	// InstanceTypes are t2.micro, and t3.micro where t2.micro is not
	// sold; their usage draws on the same hours.
	InstanceTypes []string
	// HoursPerMonth is granted to each pool of platforms: Linux, RHEL and
	// SUSE share one pool, Windows has its own.
	HoursPerMonth int64
	PlatformPools [][]Platform
	// Months counts from account creation.
	Months int
	// EBSGBMonths covers gp2, gp3 and magnetic storage together.
	EBSGBMonths             int64
	SnapshotGBMonths        int64
	PublicIPv4HoursPerMonth int64
}

// FreeTierAllowance returns the Free Tier allowance.
func FreeTierAllowance() FreeTier {
	return FreeTier{
		InstanceTypes:           []string{"t2.micro", "t3.micro"},
		HoursPerMonth:           750,
		PlatformPools:           [][]Platform{{Linux, RHEL, SUSE}, {Windows}},
		Months:                  12,
		EBSGBMonths:             30,
		SnapshotGBMonths:        1,
		PublicIPv4HoursPerMonth: 750,
	}
}
