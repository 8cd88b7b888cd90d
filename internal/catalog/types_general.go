package catalog

// General purpose instance types, from the AWS "General purpose instances"
// specification pages. Columns of s(): name, vCPUs, memory MiB, network
// performance, max ENIs, IPv4 per ENI, network baseline Gbps, EBS
// (baseline Mbps, max Mbps, baseline IOPS, max IOPS — or flat(Mbps, IOPS)).

const gp = CategoryGeneralPurpose

func generalPurposeTypes() []InstanceType {
	var all []InstanceType
	for _, f := range [][]InstanceType{t2(), t3(), t4g(), m3(), m5(), m6g(), m6i(), m7i(), mac1()} {
		all = append(all, f...)
	}
	return all
}

// burstable is the profile shared by the T families: CPU credits, no
// cluster placement groups, hibernation.
func burstable(p profile) profile {
	p.burstable, p.hibernation = true, true
	p.placement = noClusterGroup
	return p
}

func t2() []InstanceType {
	p := burstable(xen(gp, "t2", 2.5))
	p.threads = 1
	p.ena = Unsupported
	p.dedicatedHosts = false
	const none = 0
	return p.sizes(
		s("t2.nano", 1, 512, "Low to Moderate", 2, 2, none, noEBSOptimization, clock(2.4)),
		s("t2.micro", 1, 1*gib, "Low to Moderate", 2, 2, none, noEBSOptimization, freeTier),
		s("t2.small", 1, 2*gib, "Low to Moderate", 3, 4, none, noEBSOptimization),
		s("t2.medium", 2, 4*gib, "Low to Moderate", 3, 6, none, noEBSOptimization, clock(2.3)),
		s("t2.large", 2, 8*gib, "Low to Moderate", 3, 12, none, noEBSOptimization, clock(2.3)),
		s("t2.xlarge", 4, 16*gib, "Moderate", 3, 15, none, noEBSOptimization, clock(2.3)),
		s("t2.2xlarge", 8, 32*gib, "Moderate", 3, 15, none, noEBSOptimization, clock(2.3)),
	)
}

func t3() []InstanceType {
	p := burstable(intel(gp, "t3", 2.5))
	return p.sizes(
		s("t3.nano", 2, 512, "Up to 5 Gigabit", 2, 2, 0.032, ebs(43, 2085, 250, 11800)),
		s("t3.micro", 2, 1*gib, "Up to 5 Gigabit", 2, 2, 0.064, ebs(87, 2085, 500, 11800), freeTier),
		s("t3.small", 2, 2*gib, "Up to 5 Gigabit", 3, 4, 0.128, ebs(174, 2085, 1000, 11800)),
		s("t3.medium", 2, 4*gib, "Up to 5 Gigabit", 3, 6, 0.256, ebs(347, 2085, 2000, 11800)),
		s("t3.large", 2, 8*gib, "Up to 5 Gigabit", 3, 12, 0.512, ebs(695, 2780, 4000, 15700)),
		s("t3.xlarge", 4, 16*gib, "Up to 5 Gigabit", 4, 15, 1.024, ebs(695, 2780, 4000, 15700)),
		s("t3.2xlarge", 8, 32*gib, "Up to 5 Gigabit", 4, 15, 2.048, ebs(695, 2780, 4000, 15700)),
	)
}

func t4g() []InstanceType {
	p := burstable(graviton(gp, "t4g", 2.5))
	p.dedicatedHosts = false
	return p.sizes(
		s("t4g.nano", 2, 512, "Up to 5 Gigabit", 2, 2, 0.032, ebs(43, 2085, 250, 11800)),
		s("t4g.micro", 2, 1*gib, "Up to 5 Gigabit", 2, 2, 0.064, ebs(87, 2085, 500, 11800)),
		s("t4g.small", 2, 2*gib, "Up to 5 Gigabit", 3, 4, 0.128, ebs(174, 2085, 1000, 11800)),
		s("t4g.medium", 2, 4*gib, "Up to 5 Gigabit", 3, 6, 0.256, ebs(347, 2085, 2000, 11800)),
		s("t4g.large", 2, 8*gib, "Up to 5 Gigabit", 3, 12, 0.512, ebs(695, 2780, 4000, 15700)),
		s("t4g.xlarge", 4, 16*gib, "Up to 5 Gigabit", 4, 15, 1.024, ebs(695, 2780, 4000, 15700)),
		s("t4g.2xlarge", 8, 32*gib, "Up to 5 Gigabit", 4, 15, 2.048, ebs(695, 2780, 4000, 15700)),
	)
}

// m3 is a previous-generation Xen family, kept because it is the kind of
// type that still runs paravirtual AMIs and boots from instance store.
func m3() []InstanceType {
	p := xen(gp, "m3", 2.5)
	p.current = false
	p.virt = []VirtualizationType{VirtualizationHVM, VirtualizationParavirtual}
	p.roots = []RootDeviceType{RootEBS, RootInstanceStore}
	p.placement = noClusterGroup
	p.ena, p.ipv6 = Unsupported, false
	p.hibernation = true
	return p.sizes(
		s("m3.medium", 1, 3840, "Moderate", 2, 6, 0, noEBSOptimization, disks(1, 4, DiskSSD)),
		s("m3.large", 2, 7680, "Moderate", 3, 10, 0, noEBSOptimization, disks(1, 32, DiskSSD)),
		s("m3.xlarge", 4, 15360, "High", 4, 15, 0, optional(500, 4000), disks(2, 40, DiskSSD)),
		s("m3.2xlarge", 8, 30720, "High", 4, 30, 0, optional(1000, 8000), disks(2, 80, DiskSSD)),
	)
}

func m5() []InstanceType {
	p := intel(gp, "m5", 3.1)
	p.hibernation = true
	return p.sizes(
		s("m5.large", 2, 8*gib, "Up to 10 Gigabit", 3, 10, 0.75, ebs(650, 4750, 3600, 18750)),
		s("m5.xlarge", 4, 16*gib, "Up to 10 Gigabit", 4, 15, 1.25, ebs(1150, 4750, 6000, 18750)),
		s("m5.2xlarge", 8, 32*gib, "Up to 10 Gigabit", 4, 15, 2.5, ebs(2300, 4750, 12000, 18750)),
		s("m5.4xlarge", 16, 64*gib, "Up to 10 Gigabit", 8, 30, 5, flat(4750, 18750)),
		s("m5.8xlarge", 32, 128*gib, "10 Gigabit", 8, 30, 10, flat(6800, 30000)),
		s("m5.12xlarge", 48, 192*gib, "10 Gigabit", 8, 30, 12, flat(9500, 40000)),
		s("m5.16xlarge", 64, 256*gib, "20 Gigabit", 15, 50, 20, flat(13600, 60000)),
		s("m5.24xlarge", 96, 384*gib, "25 Gigabit", 15, 50, 25, flat(19000, 80000)),
		s("m5.metal", 96, 384*gib, "25 Gigabit", 15, 50, 25, flat(19000, 80000), metal),
	)
}

func m6g() []InstanceType {
	p := graviton(gp, "m6g", 2.5)
	p.hibernation = true
	return p.sizes(
		s("m6g.medium", 1, 4*gib, "Up to 10 Gigabit", 2, 4, 0.5, ebs(315, 4750, 2500, 20000)),
		s("m6g.large", 2, 8*gib, "Up to 10 Gigabit", 3, 10, 0.75, ebs(630, 4750, 3600, 20000)),
		s("m6g.xlarge", 4, 16*gib, "Up to 10 Gigabit", 4, 15, 1.25, ebs(1188, 4750, 6000, 20000)),
		s("m6g.2xlarge", 8, 32*gib, "Up to 10 Gigabit", 4, 15, 2.5, ebs(2375, 4750, 12000, 20000)),
		s("m6g.4xlarge", 16, 64*gib, "Up to 10 Gigabit", 8, 30, 5, flat(4750, 20000)),
	)
}

// sixthGen holds the network and EBS columns shared by the Intel 6th and
// 7th generation families (m6i, c6i, r6i, m7i, c7i); only memory differs.
// memPerVCPU is GiB per vCPU.
func sixthGen(family string, memPerVCPU int64, last ...size) []size {
	m := func(vcpus int32) int64 { return int64(vcpus) * memPerVCPU * gib }
	n := func(sz string) string { return family + "." + sz }
	return append([]size{
		s(n("large"), 2, m(2), "Up to 12.5 Gigabit", 3, 10, 0.781, ebs(650, 10000, 3600, 40000)),
		s(n("xlarge"), 4, m(4), "Up to 12.5 Gigabit", 4, 15, 1.562, ebs(1250, 10000, 6000, 40000)),
		s(n("2xlarge"), 8, m(8), "Up to 12.5 Gigabit", 4, 15, 3.125, ebs(2500, 10000, 12000, 40000)),
		s(n("4xlarge"), 16, m(16), "Up to 12.5 Gigabit", 8, 30, 6.25, ebs(5000, 10000, 20000, 40000)),
		s(n("8xlarge"), 32, m(32), "12.5 Gigabit", 8, 30, 12.5, flat(10000, 40000)),
		s(n("12xlarge"), 48, m(48), "18.75 Gigabit", 8, 30, 18.75, flat(15000, 60000)),
		s(n("16xlarge"), 64, m(64), "25 Gigabit", 15, 50, 25, flat(20000, 80000)),
		s(n("24xlarge"), 96, m(96), "37.5 Gigabit", 15, 50, 37.5, flat(30000, 120000)),
	}, last...)
}

func m6i() []InstanceType {
	p := intel(gp, "m6i", 3.5)
	p.inTransit, p.hibernation = true, true
	return p.sizes(sixthGen("m6i", 4,
		s("m6i.32xlarge", 128, 512*gib, "50 Gigabit", 15, 50, 50, flat(40000, 160000), efa(1)),
		s("m6i.metal", 128, 512*gib, "50 Gigabit", 15, 50, 50, flat(40000, 160000), efa(1), metal),
	)...)
}

func m7i() []InstanceType {
	p := intel(gp, "m7i", 3.2)
	p.inTransit, p.hibernation = true, true
	return p.sizes(sixthGen("m7i", 4,
		s("m7i.48xlarge", 192, 768*gib, "50 Gigabit", 15, 50, 50, flat(40000, 240000), efa(1)),
	)...)
}

// mac1 runs macOS on Mac mini hardware, only on Dedicated Hosts.
func mac1() []InstanceType {
	p := intel(gp, "mac1", 3.2)
	p.arch = ArchX8664Mac
	p.usage = []UsageClass{UsageOnDemand}
	p.boot = []BootMode{BootLegacyBIOS}
	p.placement = nil
	return p.sizes(
		s("mac1.metal", 12, 32*gib, "25 Gigabit", 8, 30, 25, flat(14000, 80000), metal),
	)
}
