package catalog

// Compute optimized instance types, from the AWS "Compute optimized
// instances" specification pages. Columns of s() as in types_general.go.

const co = CategoryComputeOptimized

func computeOptimizedTypes() []InstanceType {
	var all []InstanceType
	for _, f := range [][]InstanceType{c5(), c5d(), c6i(), c7g(), c7i()} {
		all = append(all, f...)
	}
	return all
}

// c5Sizes is shared by c5 and c5d; c5d adds local NVMe per size. The
// 12xlarge, 24xlarge and metal sizes run on the faster Cascade Lake parts.
// NetworkPerformance of 9xlarge is "10 Gigabit" although its published
// baseline is 12 Gbps; both are as AWS reports them.
func c5Sizes(family string, local ...opt) []size {
	n := func(sz string) string { return family + "." + sz }
	d := func(i int) []opt {
		if len(local) == 0 {
			return nil
		}
		return []opt{local[i]}
	}
	return []size{
		s(n("large"), 2, 4*gib, "Up to 10 Gigabit", 3, 10, 0.75, ebs(650, 4750, 4000, 20000), d(0)...),
		s(n("xlarge"), 4, 8*gib, "Up to 10 Gigabit", 4, 15, 1.25, ebs(1150, 4750, 6000, 20000), d(1)...),
		s(n("2xlarge"), 8, 16*gib, "Up to 10 Gigabit", 4, 15, 2.5, ebs(2300, 4750, 10000, 20000), d(2)...),
		s(n("4xlarge"), 16, 32*gib, "Up to 10 Gigabit", 8, 30, 5, flat(4750, 20000), d(3)...),
		s(n("9xlarge"), 36, 72*gib, "10 Gigabit", 8, 30, 12, flat(9500, 40000), d(4)...),
		s(n("12xlarge"), 48, 96*gib, "12 Gigabit", 8, 30, 12, flat(9500, 40000), append(d(5), clock(3.6))...),
		s(n("18xlarge"), 72, 144*gib, "25 Gigabit", 15, 50, 25, flat(19000, 80000), d(6)...),
		s(n("24xlarge"), 96, 192*gib, "25 Gigabit", 15, 50, 25, flat(19000, 80000), append(d(7), clock(3.6))...),
		s(n("metal"), 96, 192*gib, "25 Gigabit", 15, 50, 25, flat(19000, 80000), append(d(8), clock(3.6), metal)...),
	}
}

func c5() []InstanceType {
	p := intel(co, "c5", 3.4)
	p.hibernation = true
	return p.sizes(c5Sizes("c5")...)
}

func c5d() []InstanceType {
	p := intel(co, "c5d", 3.4)
	p.hibernation = true
	return p.sizes(c5Sizes("c5d",
		nvme(1, 50), nvme(1, 100), nvme(1, 200), nvme(1, 400), nvme(1, 900),
		nvme(2, 900), nvme(2, 900), nvme(4, 900), nvme(4, 900),
	)...)
}

func c6i() []InstanceType {
	p := intel(co, "c6i", 3.5)
	p.inTransit, p.hibernation = true, true
	return p.sizes(sixthGen("c6i", 2,
		s("c6i.32xlarge", 128, 256*gib, "50 Gigabit", 15, 50, 50, flat(40000, 160000), efa(1)),
	)...)
}

func c7g() []InstanceType {
	p := graviton(co, "c7g", 2.6)
	p.inTransit, p.hibernation = true, true
	return p.sizes(
		s("c7g.medium", 1, 2*gib, "Up to 12.5 Gigabit", 2, 4, 0.52, ebs(315, 10000, 2500, 40000)),
		s("c7g.large", 2, 4*gib, "Up to 12.5 Gigabit", 3, 10, 0.937, ebs(630, 10000, 3600, 40000)),
		s("c7g.xlarge", 4, 8*gib, "Up to 12.5 Gigabit", 4, 15, 1.876, ebs(1250, 10000, 6000, 40000)),
		s("c7g.2xlarge", 8, 16*gib, "Up to 15 Gigabit", 4, 15, 3.75, ebs(2500, 10000, 12000, 40000)),
		s("c7g.4xlarge", 16, 32*gib, "Up to 15 Gigabit", 8, 30, 7.5, ebs(5000, 10000, 20000, 40000)),
		s("c7g.8xlarge", 32, 64*gib, "15 Gigabit", 8, 30, 15, flat(10000, 40000)),
		s("c7g.12xlarge", 48, 96*gib, "22.5 Gigabit", 8, 30, 22.5, flat(15000, 60000)),
		s("c7g.16xlarge", 64, 128*gib, "30 Gigabit", 15, 50, 30, flat(20000, 80000), efa(1)),
	)
}

func c7i() []InstanceType {
	p := intel(co, "c7i", 3.2)
	p.inTransit, p.hibernation = true, true
	return p.sizes(sixthGen("c7i", 2,
		s("c7i.48xlarge", 192, 384*gib, "50 Gigabit", 15, 50, 50, flat(40000, 240000), efa(1)),
	)...)
}
