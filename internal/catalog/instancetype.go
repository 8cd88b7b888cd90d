package catalog

import (
	"slices"
	"sort"
)

// InstanceType is one EC2 instance type with the figures AWS publishes for it.
// Its fields follow the InstanceTypeInfo shape of DescribeInstanceTypes;
// Category is the only addition.
type InstanceType struct {
	Name              string // "m5.large"
	Family            string // "m5"
	Category          Category
	CurrentGeneration bool
	FreeTierEligible  bool
	BareMetal         bool
	Burstable         bool // T-class CPU credits
	Hypervisor        Hypervisor

	VirtualizationTypes []VirtualizationType
	UsageClasses        []UsageClass
	RootDeviceTypes     []RootDeviceType
	BootModes           []BootMode
	PlacementStrategies []PlacementStrategy

	Processor Processor
	VCPU      VCPUInfo
	MemoryMiB int64

	// InstanceStorage is nil for EBS-only types.
	InstanceStorage *InstanceStorage
	EBS             EBS
	Network         Network

	GPUs          []GPU          // nil unless the type has GPUs
	NeuronDevices []NeuronDevice // Inferentia and Trainium chips

	HibernationSupported    bool
	AutoRecoverySupported   bool
	DedicatedHostsSupported bool
}

// Processor describes the CPUs of an instance type.
type Processor struct {
	Architectures     []Architecture
	Manufacturer      string // "Intel", "AMD", "AWS"
	SustainedClockGHz float64
}

// VCPUInfo describes the default CPU topology. The catalog does not list
// valid core and thread counts for CPU options.
type VCPUInfo struct {
	DefaultVCPUs          int32
	DefaultCores          int32
	DefaultThreadsPerCore int32
}

// InstanceStorage describes the local disks that come with an instance type.
type InstanceStorage struct {
	TotalSizeGB int64
	Disks       []Disk
	NVMe        Support // unsupported, supported or required
	Encryption  Support // unsupported or required
}

// Disk is a group of identical instance store disks.
type Disk struct {
	Count  int32
	SizeGB int64
	Type   DiskType
}

// EBS describes how an instance type attaches EBS volumes. Bandwidth and IOPS
// are zero when Optimized is Unsupported or AWS publishes no figures.
type EBS struct {
	Optimized  Support // unsupported, supported or default
	Encryption Support // unsupported or supported
	NVMe       Support // unsupported, supported or required

	BaselineBandwidthMbps int32
	MaximumBandwidthMbps  int32
	// Throughput is bandwidth / 8, rounded to two decimals the way AWS
	// prints it (half to even: 86.875 -> 86.88, 260.625 -> 260.62).
	BaselineThroughputMBps float64
	MaximumThroughputMBps  float64
	BaselineIOPS           int32
	MaximumIOPS            int32
}

// Network describes the networking of an instance type.
type Network struct {
	// Performance is the NetworkPerformance string exactly as AWS prints
	// it: "Low to Moderate", "Up to 10 Gigabit", "25 Gigabit", "4x 100 Gigabit".
	Performance         string
	MaxInterfaces       int32
	IPv4PerInterface    int32
	IPv6PerInterface    int32
	IPv6Supported       bool
	ENA                 Support // unsupported, supported or required
	EFASupported        bool
	MaxEFAInterfaces    int32
	EncryptionInTransit bool
	DefaultCardIndex    int32
	Cards               []NetworkCard
}

// NetworkCard is one physical network card. Bandwidths are zero where AWS
// publishes no baseline figure (old Xen types without ENA).
type NetworkCard struct {
	Index                 int32
	Performance           string
	MaxInterfaces         int32
	BaselineBandwidthGbps float64
	PeakBandwidthGbps     float64
}

// GPU is a group of identical GPUs.
type GPU struct {
	Name         string // "T4", "A10G", "H100"
	Manufacturer string // "NVIDIA"
	Count        int32
	MemoryMiB    int32 // per GPU
}

// NeuronDevice is a group of identical AWS Inferentia or Trainium chips.
type NeuronDevice struct {
	Name        string // "Inferentia", "Inferentia2", "Trainium"
	Count       int32
	Cores       int32 // NeuronCores per chip
	CoreVersion int32
	MemoryMiB   int32 // per chip
}

// TotalGPUMemoryMiB is the memory of all GPUs together, as AWS reports in
// GpuInfo.TotalGpuMemoryInMiB.
func (t InstanceType) TotalGPUMemoryMiB() int64 {
	var n int64
	for _, g := range t.GPUs {
		n += int64(g.Count) * int64(g.MemoryMiB)
	}
	return n
}

// TotalNeuronMemoryMiB is the memory of all Neuron chips together, as AWS
// reports in NeuronInfo.TotalNeuronDeviceMemoryInMiB.
func (t InstanceType) TotalNeuronMemoryMiB() int64 {
	var n int64
	for _, d := range t.NeuronDevices {
		n += int64(d.Count) * int64(d.MemoryMiB)
	}
	return n
}

// clone returns a deep copy so callers can never change the catalog.
func (t InstanceType) clone() InstanceType {
	c := t
	c.VirtualizationTypes = slices.Clone(t.VirtualizationTypes)
	c.UsageClasses = slices.Clone(t.UsageClasses)
	c.RootDeviceTypes = slices.Clone(t.RootDeviceTypes)
	c.BootModes = slices.Clone(t.BootModes)
	c.PlacementStrategies = slices.Clone(t.PlacementStrategies)
	c.Processor.Architectures = slices.Clone(t.Processor.Architectures)
	if t.InstanceStorage != nil {
		s := *t.InstanceStorage
		s.Disks = slices.Clone(s.Disks)
		c.InstanceStorage = &s
	}
	c.Network.Cards = slices.Clone(t.Network.Cards)
	c.GPUs = slices.Clone(t.GPUs)
	c.NeuronDevices = slices.Clone(t.NeuronDevices)
	return c
}

// instanceTypes is every catalog entry sorted by name; byName indexes it.
var (
	instanceTypes = allTypes()
	byName        = indexTypes(instanceTypes)
)

func allTypes() []InstanceType {
	var all []InstanceType
	for _, group := range [][]InstanceType{
		generalPurposeTypes(), computeOptimizedTypes(), memoryOptimizedTypes(),
		storageOptimizedTypes(), acceleratedTypes(),
	} {
		all = append(all, group...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Name < all[j].Name })
	return all
}

func indexTypes(types []InstanceType) map[string]int {
	m := make(map[string]int, len(types))
	for i, t := range types {
		m[t.Name] = i
	}
	return m
}

// InstanceTypes returns every instance type in the catalog, sorted by name
// in byte order ("c5.12xlarge" before "c5.2xlarge").
func InstanceTypes() []InstanceType {
	out := make([]InstanceType, len(instanceTypes))
	for i, t := range instanceTypes {
		out[i] = t.clone()
	}
	return out
}

// LookupInstanceType returns the instance type with the given API name.
func LookupInstanceType(name string) (InstanceType, bool) {
	i, ok := byName[name]
	if !ok {
		return InstanceType{}, false
	}
	return instanceTypes[i].clone(), true
}
