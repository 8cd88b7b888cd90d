package catalog

// Storage optimized instance types, from the AWS "Storage optimized
// instances" specification pages. Columns of s() as in types_general.go.

const so = CategoryStorageOptimized

func storageOptimizedTypes() []InstanceType {
	var all []InstanceType
	for _, f := range [][]InstanceType{d2(), i3(), i4i()} {
		all = append(all, f...)
	}
	return all
}

// d2 is a Xen family of dense HDD storage, without ENA; its network
// performance is still given in words below 8xlarge.
func d2() []InstanceType {
	p := xen(so, "d2", 2.4)
	p.ena = Unsupported
	p.roots = []RootDeviceType{RootEBS, RootInstanceStore}
	return p.sizes(
		s("d2.xlarge", 4, 30.5*gib, "Moderate", 4, 15, 0, flat(750, 6000), disks(3, 2000, DiskHDD)),
		s("d2.2xlarge", 8, 61*gib, "High", 4, 15, 0, flat(1000, 8000), disks(6, 2000, DiskHDD)),
		s("d2.4xlarge", 16, 122*gib, "High", 8, 30, 0, flat(2000, 16000), disks(12, 2000, DiskHDD)),
		s("d2.8xlarge", 36, 244*gib, "10 Gigabit", 8, 30, 10, flat(4000, 32000), disks(24, 2000, DiskHDD)),
	)
}

// i3 is a Xen family with NVMe instance store; i3.metal runs on Nitro.
func i3() []InstanceType {
	p := xen(so, "i3", 2.3)
	p.roots = []RootDeviceType{RootEBS, RootInstanceStore}
	p.localNVMe, p.localEncryption = Required, Required
	p.hibernation = true
	return p.sizes(
		s("i3.large", 2, 15.25*gib, "Up to 10 Gigabit", 3, 10, 0.75, flat(425, 3000), nvme(1, 475)),
		s("i3.xlarge", 4, 30.5*gib, "Up to 10 Gigabit", 4, 15, 1.25, flat(850, 6000), nvme(1, 950)),
		s("i3.2xlarge", 8, 61*gib, "Up to 10 Gigabit", 4, 15, 2.5, flat(1700, 12000), nvme(1, 1900)),
		s("i3.4xlarge", 16, 122*gib, "Up to 10 Gigabit", 8, 30, 5, flat(3500, 16000), nvme(2, 1900)),
		s("i3.8xlarge", 32, 244*gib, "10 Gigabit", 8, 30, 10, flat(7000, 32500), nvme(4, 1900)),
		s("i3.16xlarge", 64, 488*gib, "25 Gigabit", 15, 50, 25, flat(14000, 65000), nvme(8, 1900)),
		s("i3.metal", 72, 512*gib, "25 Gigabit", 15, 50, 25, flat(19000, 80000), nvme(8, 1900), metal),
	)
}

func i4i() []InstanceType {
	p := intel(so, "i4i", 3.5)
	p.inTransit = true
	return p.sizes(
		s("i4i.large", 2, 16*gib, "Up to 10 Gigabit", 3, 10, 0.781, ebs(625, 10000, 2500, 40000), nvme(1, 468)),
		s("i4i.xlarge", 4, 32*gib, "Up to 25 Gigabit", 4, 15, 1.875, ebs(1250, 10000, 5000, 40000), nvme(1, 937)),
		s("i4i.2xlarge", 8, 64*gib, "Up to 25 Gigabit", 4, 15, 4.687, ebs(2500, 10000, 10000, 40000), nvme(1, 1875)),
		s("i4i.4xlarge", 16, 128*gib, "Up to 25 Gigabit", 8, 30, 9.375, ebs(5000, 10000, 20000, 40000), nvme(1, 3750)),
		s("i4i.8xlarge", 32, 256*gib, "18.75 Gigabit", 8, 30, 18.75, flat(10000, 40000), nvme(2, 3750)),
		s("i4i.12xlarge", 48, 384*gib, "28.12 Gigabit", 8, 30, 28.12, flat(15000, 60000), nvme(3, 3750)),
		s("i4i.16xlarge", 64, 512*gib, "37.5 Gigabit", 15, 50, 37.5, flat(20000, 80000), nvme(4, 3750)),
		s("i4i.32xlarge", 128, 1024*gib, "75 Gigabit", 15, 50, 75, flat(40000, 160000), nvme(8, 3750), efa(1)),
	)
}
