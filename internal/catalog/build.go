package catalog

import (
	"math"
	"strconv"
	"strings"
)

// This file turns the tables in types_*.go into InstanceType values. A
// profile holds what every size of a family shares; a size holds one line of
// figures; opts cover what only some sizes have (disks, GPUs, EFA, bare metal).

const gib = 1024 // MiB per GiB, for readable memory columns

// profile is the part of an InstanceType shared by a whole family.
type profile struct {
	family, manufacturer string
	category             Category
	current              bool
	arch                 Architecture
	clockGHz             float64
	threads              int32 // default threads per core
	hypervisor           Hypervisor
	burstable            bool
	virt                 []VirtualizationType
	usage                []UsageClass
	roots                []RootDeviceType
	boot                 []BootMode
	placement            []PlacementStrategy
	ena                  Support
	ebsOptimized         Support
	ebsNVMe              Support
	ipv6                 bool
	inTransit            bool
	localNVMe            Support // instance store NVMe, for sizes with disks
	localEncryption      Support
	hibernation          bool // the family supports it; size limits apply
	dedicatedHosts       bool
}

var (
	allPlacement   = []PlacementStrategy{PlacementCluster, PlacementPartition, PlacementSpread}
	noClusterGroup = []PlacementStrategy{PlacementPartition, PlacementSpread}
)

// nitro is the profile of a current Nitro family.
func nitro(cat Category, family, manufacturer string, arch Architecture, clockGHz float64) profile {
	p := profile{
		family: family, manufacturer: manufacturer, category: cat, current: true,
		arch: arch, clockGHz: clockGHz, threads: 2, hypervisor: HypervisorNitro,
		virt:         []VirtualizationType{VirtualizationHVM},
		usage:        []UsageClass{UsageOnDemand, UsageSpot},
		roots:        []RootDeviceType{RootEBS},
		boot:         []BootMode{BootLegacyBIOS, BootUEFI},
		placement:    allPlacement,
		ena:          Required,
		ebsOptimized: Default, ebsNVMe: Required,
		ipv6:      true,
		localNVMe: Required, localEncryption: Required,
		dedicatedHosts: true,
	}
	if arch == ArchARM64 {
		p.threads = 1
		p.boot = []BootMode{BootUEFI}
	}
	return p
}

// intel, amd and graviton are nitro profiles for one processor maker.
func intel(cat Category, family string, clockGHz float64) profile {
	return nitro(cat, family, "Intel", ArchX8664, clockGHz)
}

func amd(cat Category, family string, clockGHz float64) profile {
	return nitro(cat, family, "AMD", ArchX8664, clockGHz)
}

func graviton(cat Category, family string, clockGHz float64) profile {
	return nitro(cat, family, "AWS", ArchARM64, clockGHz)
}

// xen is the profile of a Xen family: legacy BIOS only, no NVMe for EBS,
// ENA optional. Families without ENA override ena.
func xen(cat Category, family string, clockGHz float64) profile {
	p := intel(cat, family, clockGHz)
	p.hypervisor = HypervisorXen
	p.boot = []BootMode{BootLegacyBIOS}
	p.ena = Supported
	p.ebsNVMe = Unsupported
	p.localNVMe, p.localEncryption = Unsupported, Unsupported
	return p
}

// ebsSpec is the EBS column of a size line.
type ebsSpec struct {
	baseMbps, maxMbps, baseIOPS, maxIOPS int32
	optimized                            Support // zero: the profile's value
}

// ebs is a burstable EBS figure: baseline and maximum differ.
func ebs(baseMbps, maxMbps, baseIOPS, maxIOPS int32) ebsSpec {
	return ebsSpec{baseMbps: baseMbps, maxMbps: maxMbps, baseIOPS: baseIOPS, maxIOPS: maxIOPS}
}

// flat is an EBS figure whose baseline is also its maximum.
func flat(mbps, iops int32) ebsSpec { return ebs(mbps, mbps, iops, iops) }

// noEBSOptimization is for types that cannot be EBS-optimized at all.
var noEBSOptimization = ebsSpec{optimized: Unsupported}

// optional is for old types where EBS optimization is an opt-in extra.
func optional(mbps, iops int32) ebsSpec {
	e := flat(mbps, iops)
	e.optimized = Supported
	return e
}

// opt adjusts one instance type after the profile and size line are applied.
type opt func(*InstanceType)

// size is one line of a family table.
type size struct {
	name       string
	vcpus      int32
	memMiB     int64
	perf       string
	enis, ipv4 int32
	baseGbps   float64
	ebs        ebsSpec
	opts       []opt
}

// s is one size line: name, vCPUs, memory (MiB), network performance, max
// network interfaces, IPv4 addresses per interface, network baseline
// bandwidth (Gbps, 0 if AWS publishes none), EBS figures, then extras.
func s(name string, vcpus int32, memMiB int64, perf string, enis, ipv4 int32, baseGbps float64, e ebsSpec, opts ...opt) size {
	return size{name, vcpus, memMiB, perf, enis, ipv4, baseGbps, e, opts}
}

// sizes builds the instance types of one family.
func (p profile) sizes(list ...size) []InstanceType {
	out := make([]InstanceType, 0, len(list))
	for _, z := range list {
		out = append(out, p.build(z))
	}
	return out
}

func (p profile) build(z size) InstanceType {
	optimized := p.ebsOptimized
	if z.ebs.optimized != "" {
		optimized = z.ebs.optimized
	}
	t := InstanceType{
		Name: z.name, Family: p.family, Category: p.category,
		CurrentGeneration: p.current, Burstable: p.burstable, Hypervisor: p.hypervisor,
		VirtualizationTypes: p.virt, UsageClasses: p.usage, RootDeviceTypes: p.roots,
		BootModes: p.boot, PlacementStrategies: p.placement,
		Processor: Processor{
			Architectures:     []Architecture{p.arch},
			Manufacturer:      p.manufacturer,
			SustainedClockGHz: p.clockGHz,
		},
		VCPU:      topology(z.vcpus, p.threads),
		MemoryMiB: z.memMiB,
		EBS: EBS{
			Optimized: optimized, Encryption: Supported, NVMe: p.ebsNVMe,
			BaselineBandwidthMbps: z.ebs.baseMbps, MaximumBandwidthMbps: z.ebs.maxMbps,
			BaselineThroughputMBps: throughput(z.ebs.baseMbps),
			MaximumThroughputMBps:  throughput(z.ebs.maxMbps),
			BaselineIOPS:           z.ebs.baseIOPS, MaximumIOPS: z.ebs.maxIOPS,
		},
		Network: Network{
			Performance: z.perf, MaxInterfaces: z.enis, IPv4PerInterface: z.ipv4,
			IPv6Supported: p.ipv6, ENA: p.ena, EncryptionInTransit: p.inTransit,
			Cards: []NetworkCard{{
				Performance: z.perf, MaxInterfaces: z.enis,
				BaselineBandwidthGbps: z.baseGbps, PeakBandwidthGbps: peak(z.perf, z.baseGbps),
			}},
		},
		DedicatedHostsSupported: p.dedicatedHosts,
	}
	if p.ipv6 {
		t.Network.IPv6PerInterface = z.ipv4
	}
	for _, o := range z.opts {
		o(&t)
	}
	if t.InstanceStorage != nil {
		t.InstanceStorage.NVMe, t.InstanceStorage.Encryption = p.localNVMe, p.localEncryption
	}
	// AWS: hibernation needs a supporting family, less than 150 GiB of
	// memory and a virtualized (not bare metal) instance.
	t.HibernationSupported = p.hibernation && !t.BareMetal && t.MemoryMiB < 150*gib
	// Simplified automatic recovery covers EBS-only types.
	t.AutoRecoverySupported = t.InstanceStorage == nil && t.Processor.Architectures[0] != ArchX8664Mac
	return t
}

// topology derives the default core count from vCPUs and threads per core.
// A single-vCPU x86 type runs one thread on one core.
func topology(vcpus, threads int32) VCPUInfo {
	if vcpus < threads {
		threads = 1
	}
	return VCPUInfo{DefaultVCPUs: vcpus, DefaultCores: vcpus / threads, DefaultThreadsPerCore: threads}
}

// throughput converts Mbps to MB/s with AWS's two-decimal rounding.
func throughput(mbps int32) float64 {
	return math.RoundToEven(float64(mbps)/8*100) / 100
}

// peak reads the burst ceiling from a performance string ("Up to 12.5
// Gigabit" -> 12.5, "25 Gigabit" -> 25). It never reports less than the
// baseline, and zero for the qualitative strings of old types.
func peak(perf string, baseGbps float64) float64 {
	f := strings.Fields(strings.TrimPrefix(perf, "Up to "))
	if len(f) == 2 && f[1] == "Gigabit" {
		if v, err := strconv.ParseFloat(f[0], 64); err == nil && v > baseGbps {
			return v
		}
	}
	return baseGbps
}

// disks adds instance store of count identical disks.
func disks(count int32, sizeGB int64, typ DiskType) opt {
	return func(t *InstanceType) {
		t.InstanceStorage = &InstanceStorage{
			TotalSizeGB: int64(count) * sizeGB,
			Disks:       []Disk{{Count: count, SizeGB: sizeGB, Type: typ}},
		}
	}
}

// nvme is the common case of local NVMe SSDs.
func nvme(count int32, sizeGB int64) opt { return disks(count, sizeGB, DiskSSD) }

// gpus adds count identical GPUs with memMiB each.
func gpus(count int32, name, manufacturer string, memMiB int32) opt {
	return func(t *InstanceType) {
		t.GPUs = []GPU{{Name: name, Manufacturer: manufacturer, Count: count, MemoryMiB: memMiB}}
	}
}

// neuron adds count identical Inferentia or Trainium chips.
func neuron(count int32, name string, cores, version, memMiB int32) opt {
	return func(t *InstanceType) {
		t.NeuronDevices = []NeuronDevice{{Name: name, Count: count, Cores: cores, CoreVersion: version, MemoryMiB: memMiB}}
	}
}

// efa marks Elastic Fabric Adapter support with up to n EFA interfaces.
func efa(n int32) opt {
	return func(t *InstanceType) { t.Network.EFASupported, t.Network.MaxEFAInterfaces = true, n }
}

// cards replaces the single network card by n identical cards.
func cards(n, perCard int32, perf string, gbps float64) opt {
	return func(t *InstanceType) {
		t.Network.Cards = make([]NetworkCard, n)
		for i := range t.Network.Cards {
			t.Network.Cards[i] = NetworkCard{Index: int32(i), Performance: perf, MaxInterfaces: perCard,
				BaselineBandwidthGbps: gbps, PeakBandwidthGbps: gbps}
		}
		t.Network.MaxInterfaces = n * perCard
	}
}

// clock overrides the family's sustained clock speed for one size.
func clock(ghz float64) opt {
	return func(t *InstanceType) { t.Processor.SustainedClockGHz = ghz }
}

// usage overrides the purchasing options.
func usage(classes ...UsageClass) opt {
	return func(t *InstanceType) { t.UsageClasses = classes }
}

// metal marks a bare metal size: no hypervisor. Bare metal hosts are Nitro
// systems, so EBS and ENA behave as on Nitro even in Xen-era families.
func metal(t *InstanceType) {
	t.BareMetal, t.Hypervisor = true, HypervisorNone
	t.EBS.NVMe, t.Network.ENA = Required, Required
}

// freeTier marks the AWS Free Tier sizes.
func freeTier(t *InstanceType) { t.FreeTierEligible = true }
