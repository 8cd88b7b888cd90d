package catalog

// Accelerated computing instance types, from the AWS "Accelerated computing
// instances" specification pages. Columns of s() as in types_general.go;
// GPU memory is per GPU in MiB as DescribeInstanceTypes reports it.

const ac = CategoryAcceleratedComputing

const nvidia = "NVIDIA"

func acceleratedTypes() []InstanceType {
	var all []InstanceType
	for _, f := range [][]InstanceType{p3(), p4d(), p5(), g4dn(), g5(), g6(), inf1(), inf2(), trn1()} {
		all = append(all, f...)
	}
	return all
}

// mlTraining is for the large training sizes sold as EC2 Capacity Blocks.
var mlTraining = usage(UsageOnDemand, UsageSpot, UsageCapacityBlock)

// p3 is a Xen family: no NVMe for EBS, ENA supported, no instance store.
func p3() []InstanceType {
	p := xen(ac, "p3", 2.7)
	v100 := func(n int32) opt { return gpus(n, "V100", nvidia, 16*gib) }
	return p.sizes(
		s("p3.2xlarge", 8, 61*gib, "Up to 10 Gigabit", 4, 15, 0, flat(1750, 10000), v100(1)),
		s("p3.8xlarge", 32, 244*gib, "10 Gigabit", 8, 30, 10, flat(7000, 40000), v100(4)),
		s("p3.16xlarge", 64, 488*gib, "25 Gigabit", 8, 30, 25, flat(14000, 80000), v100(8)),
	)
}

// p4d has four network cards of 15 interfaces each.
func p4d() []InstanceType {
	p := intel(ac, "p4d", 3.0)
	p.inTransit = true
	return p.sizes(
		s("p4d.24xlarge", 96, 1152*gib, "4x 100 Gigabit", 60, 50, 100, flat(19000, 80000),
			nvme(8, 1000), gpus(8, "A100", nvidia, 40*gib), efa(4), cards(4, 15, "100 Gigabit", 100), mlTraining),
	)
}

// p5 has 32 network cards of two interfaces each.
func p5() []InstanceType {
	p := amd(ac, "p5", 3.6)
	p.inTransit = true
	return p.sizes(
		s("p5.48xlarge", 192, 2048*gib, "3200 Gigabit", 64, 50, 100, flat(80000, 260000),
			nvme(8, 3800), gpus(8, "H100", nvidia, 80*gib), efa(32), cards(32, 2, "100 Gigabit", 100), mlTraining),
	)
}

func g4dn() []InstanceType {
	p := intel(ac, "g4dn", 2.5)
	p.inTransit, p.hibernation = true, true
	t4 := func(n int32) opt { return gpus(n, "T4", nvidia, 16*gib) }
	return p.sizes(
		s("g4dn.xlarge", 4, 16*gib, "Up to 25 Gigabit", 3, 10, 5, ebs(950, 3500, 3000, 20000), nvme(1, 125), t4(1)),
		s("g4dn.2xlarge", 8, 32*gib, "Up to 25 Gigabit", 3, 10, 10, ebs(1150, 3500, 6000, 20000), nvme(1, 225), t4(1)),
		s("g4dn.4xlarge", 16, 64*gib, "Up to 25 Gigabit", 3, 10, 20, flat(4750, 20000), nvme(1, 225), t4(1)),
		s("g4dn.8xlarge", 32, 128*gib, "50 Gigabit", 4, 15, 50, flat(9500, 40000), nvme(1, 900), t4(1), efa(1)),
		s("g4dn.12xlarge", 48, 192*gib, "50 Gigabit", 8, 30, 50, flat(9500, 40000), nvme(1, 900), t4(4), efa(1)),
		s("g4dn.16xlarge", 64, 256*gib, "50 Gigabit", 4, 15, 50, flat(9500, 40000), nvme(1, 900), t4(1), efa(1)),
	)
}

func g5() []InstanceType {
	p := amd(ac, "g5", 3.3)
	p.inTransit, p.hibernation = true, true
	a10g := func(n int32) opt { return gpus(n, "A10G", nvidia, 22888) }
	return p.sizes(
		s("g5.xlarge", 4, 16*gib, "Up to 10 Gigabit", 4, 15, 2.5, ebs(700, 3500, 3000, 15000), nvme(1, 250), a10g(1)),
		s("g5.2xlarge", 8, 32*gib, "Up to 10 Gigabit", 4, 15, 5, ebs(850, 3500, 3500, 15000), nvme(1, 450), a10g(1)),
		s("g5.4xlarge", 16, 64*gib, "Up to 25 Gigabit", 8, 30, 10, flat(4750, 20000), nvme(1, 600), a10g(1)),
		s("g5.8xlarge", 32, 128*gib, "25 Gigabit", 8, 30, 25, flat(16000, 65000), nvme(1, 900), a10g(1), efa(1)),
		s("g5.12xlarge", 48, 192*gib, "40 Gigabit", 15, 50, 40, flat(16000, 65000), nvme(1, 3800), a10g(4), efa(1)),
		s("g5.16xlarge", 64, 256*gib, "25 Gigabit", 8, 30, 25, flat(16000, 65000), nvme(1, 1900), a10g(1), efa(1)),
		s("g5.24xlarge", 96, 384*gib, "50 Gigabit", 15, 50, 50, flat(19000, 80000), nvme(1, 3800), a10g(4), efa(1)),
		s("g5.48xlarge", 192, 768*gib, "100 Gigabit", 7, 50, 100, flat(19000, 80000), nvme(2, 3800), a10g(8), efa(1)),
	)
}

func g6() []InstanceType {
	p := amd(ac, "g6", 3.4)
	p.inTransit = true
	l4 := func(n int32) opt { return gpus(n, "L4", nvidia, 22888) }
	return p.sizes(
		s("g6.xlarge", 4, 16*gib, "Up to 10 Gigabit", 4, 15, 2.5, ebs(1000, 5000, 4000, 20000), nvme(1, 250), l4(1)),
		s("g6.2xlarge", 8, 32*gib, "Up to 10 Gigabit", 4, 15, 5, ebs(2000, 5000, 8000, 20000), nvme(1, 450), l4(1)),
		s("g6.4xlarge", 16, 64*gib, "Up to 25 Gigabit", 8, 30, 10, flat(8000, 32000), nvme(1, 600), l4(1)),
		s("g6.8xlarge", 32, 128*gib, "25 Gigabit", 8, 30, 25, flat(16000, 64000), nvme(2, 450), l4(1), efa(1)),
		s("g6.12xlarge", 48, 192*gib, "40 Gigabit", 8, 30, 40, flat(20000, 80000), nvme(4, 940), l4(4), efa(1)),
		s("g6.16xlarge", 64, 256*gib, "25 Gigabit", 15, 50, 25, flat(20000, 80000), nvme(2, 940), l4(1), efa(1)),
		s("g6.24xlarge", 96, 384*gib, "50 Gigabit", 15, 50, 50, flat(30000, 120000), nvme(4, 940), l4(4), efa(1)),
		s("g6.48xlarge", 192, 768*gib, "100 Gigabit", 15, 50, 100, flat(60000, 240000), nvme(8, 940), l4(8), efa(1)),
	)
}

// inf1 carries first-generation Inferentia chips: four NeuronCores v1 and
// 8 GiB each.
func inf1() []InstanceType {
	p := intel(ac, "inf1", 2.5)
	p.inTransit = true
	chips := func(n int32) opt { return neuron(n, "Inferentia", 4, 1, 8*gib) }
	return p.sizes(
		s("inf1.xlarge", 4, 8*gib, "Up to 25 Gigabit", 4, 10, 5, ebs(1190, 4750, 4000, 20000), chips(1)),
		s("inf1.2xlarge", 8, 16*gib, "Up to 25 Gigabit", 4, 10, 5, ebs(1190, 4750, 6000, 20000), chips(1)),
		s("inf1.6xlarge", 24, 48*gib, "25 Gigabit", 8, 30, 25, flat(4750, 20000), chips(4)),
		s("inf1.24xlarge", 96, 192*gib, "100 Gigabit", 11, 30, 100, flat(19000, 80000), chips(16), efa(1)),
	)
}

// inf2 carries Inferentia2 chips: two NeuronCores v2 and 32 GiB each.
func inf2() []InstanceType {
	p := amd(ac, "inf2", 3.6)
	p.inTransit = true
	chips := func(n int32) opt { return neuron(n, "Inferentia2", 2, 2, 32*gib) }
	return p.sizes(
		s("inf2.xlarge", 4, 16*gib, "Up to 15 Gigabit", 4, 15, 2.083, ebs(1250, 10000, 6000, 40000), chips(1)),
		s("inf2.8xlarge", 32, 128*gib, "Up to 25 Gigabit", 8, 30, 16.667, flat(10000, 40000), chips(1)),
		s("inf2.24xlarge", 96, 384*gib, "50 Gigabit", 15, 50, 50, flat(30000, 120000), chips(6)),
		s("inf2.48xlarge", 192, 768*gib, "100 Gigabit", 15, 50, 100, flat(60000, 240000), chips(12)),
	)
}

// trn1 carries Trainium chips: two NeuronCores v2 and 32 GiB each. The
// 32xlarge has eight network cards of five interfaces each.
func trn1() []InstanceType {
	p := intel(ac, "trn1", 3.5)
	p.inTransit = true
	chips := func(n int32) opt { return neuron(n, "Trainium", 2, 2, 32*gib) }
	return p.sizes(
		s("trn1.2xlarge", 8, 32*gib, "Up to 12.5 Gigabit", 4, 15, 3.125, ebs(5000, 20000, 16250, 65000), nvme(1, 474), chips(1)),
		s("trn1.32xlarge", 128, 512*gib, "800 Gigabit", 40, 50, 100, flat(80000, 260000),
			nvme(4, 1900), chips(16), efa(8), cards(8, 5, "100 Gigabit", 100), mlTraining),
	)
}
