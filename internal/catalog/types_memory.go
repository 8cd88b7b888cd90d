package catalog

// Memory optimized instance types, from the AWS "Memory optimized instances"
// specification pages. Columns of s() as in types_general.go.

const mo = CategoryMemoryOptimized

func memoryOptimizedTypes() []InstanceType {
	var all []InstanceType
	for _, f := range [][]InstanceType{r5(), r6i(), x1e()} {
		all = append(all, f...)
	}
	return all
}

func r5() []InstanceType {
	p := intel(mo, "r5", 3.1)
	p.hibernation = true
	return p.sizes(
		s("r5.large", 2, 16*gib, "Up to 10 Gigabit", 3, 10, 0.75, ebs(650, 4750, 3600, 18750)),
		s("r5.xlarge", 4, 32*gib, "Up to 10 Gigabit", 4, 15, 1.25, ebs(1150, 4750, 6000, 18750)),
		s("r5.2xlarge", 8, 64*gib, "Up to 10 Gigabit", 4, 15, 2.5, ebs(2300, 4750, 12000, 18750)),
		s("r5.4xlarge", 16, 128*gib, "Up to 10 Gigabit", 8, 30, 5, flat(4750, 18750)),
		s("r5.8xlarge", 32, 256*gib, "10 Gigabit", 8, 30, 10, flat(6800, 30000)),
		s("r5.12xlarge", 48, 384*gib, "10 Gigabit", 8, 30, 12, flat(9500, 40000)),
		s("r5.16xlarge", 64, 512*gib, "20 Gigabit", 15, 50, 20, flat(13600, 60000)),
		s("r5.24xlarge", 96, 768*gib, "25 Gigabit", 15, 50, 25, flat(19000, 80000)),
		s("r5.metal", 96, 768*gib, "25 Gigabit", 15, 50, 25, flat(19000, 80000), metal),
	)
}

func r6i() []InstanceType {
	p := intel(mo, "r6i", 3.5)
	p.inTransit, p.hibernation = true, true
	return p.sizes(sixthGen("r6i", 8,
		s("r6i.32xlarge", 128, 1024*gib, "50 Gigabit", 15, 50, 50, flat(40000, 160000), efa(1)),
	)...)
}

// x1e is a Xen family with SATA SSD instance store and ENA.
func x1e() []InstanceType {
	p := xen(mo, "x1e", 2.3)
	p.roots = []RootDeviceType{RootEBS, RootInstanceStore}
	return p.sizes(
		s("x1e.xlarge", 4, 122*gib, "Up to 10 Gigabit", 3, 10, 0.625, flat(500, 3700), disks(1, 120, DiskSSD)),
		s("x1e.2xlarge", 8, 244*gib, "Up to 10 Gigabit", 4, 15, 1.25, flat(1000, 7400), disks(1, 240, DiskSSD)),
		s("x1e.4xlarge", 16, 488*gib, "Up to 10 Gigabit", 4, 15, 2.5, flat(1750, 10000), disks(1, 480, DiskSSD)),
		s("x1e.8xlarge", 32, 976*gib, "Up to 10 Gigabit", 4, 15, 5, flat(3500, 20000), disks(1, 960, DiskSSD)),
		s("x1e.16xlarge", 64, 1952*gib, "10 Gigabit", 8, 30, 10, flat(7000, 40000), disks(1, 1920, DiskSSD)),
		s("x1e.32xlarge", 128, 3904*gib, "25 Gigabit", 8, 30, 25, flat(14000, 80000), disks(2, 1920, DiskSSD)),
	)
}
