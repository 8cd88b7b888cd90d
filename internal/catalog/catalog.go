// Package catalog owns the static facts Kumo reports about the EC2 world it
// imitates: the AWS commercial regions and their availability zones, the
// instance types with their real AWS specifications, and which types are
// offered in which locations.
//
// Everything here is domain data, not wire types: the package that serves
// DescribeRegions, DescribeAvailabilityZones, DescribeInstanceTypes and
// DescribeInstanceTypeOfferings translates these structs into the EC2 XML
// shapes. The catalog knows every region; which of them a Kumo deployment
// actually serves is configuration, decided elsewhere.
//
// The data lives in Go tables, one line per instance type, grouped by
// category in types_general.go, types_compute.go, types_memory.go,
// types_storage.go and types_accelerated.go. build.go turns a family profile
// plus one line per size into InstanceType values, so adding a size is adding
// a line. Values are returned as deep copies; callers may modify them freely.
package catalog

// Architecture is a processor architecture as DescribeInstanceTypes names it.
type Architecture string

// Architectures the catalog uses.
const (
	ArchX8664    Architecture = "x86_64"
	ArchARM64    Architecture = "arm64"
	ArchX8664Mac Architecture = "x86_64_mac"
)

// Hypervisor is the virtualization platform of an instance type.
type Hypervisor string

// Hypervisors. Bare metal types have none, and AWS omits the field for them.
const (
	HypervisorNitro Hypervisor = "nitro"
	HypervisorXen   Hypervisor = "xen"
	HypervisorNone  Hypervisor = ""
)

// VirtualizationType is an AMI virtualization type an instance type can run.
type VirtualizationType string

// Virtualization types.
const (
	VirtualizationHVM         VirtualizationType = "hvm"
	VirtualizationParavirtual VirtualizationType = "paravirtual"
)

// UsageClass is a purchasing option an instance type is sold under.
type UsageClass string

// Usage classes.
const (
	UsageOnDemand      UsageClass = "on-demand"
	UsageSpot          UsageClass = "spot"
	UsageCapacityBlock UsageClass = "capacity-block"
)

// RootDeviceType is a kind of root volume an instance type can boot from.
type RootDeviceType string

// Root device types.
const (
	RootEBS           RootDeviceType = "ebs"
	RootInstanceStore RootDeviceType = "instance-store"
)

// BootMode is a firmware boot mode an instance type supports.
type BootMode string

// Boot modes.
const (
	BootLegacyBIOS BootMode = "legacy-bios"
	BootUEFI       BootMode = "uefi"
)

// PlacementStrategy is a placement group strategy an instance type accepts.
type PlacementStrategy string

// Placement group strategies.
const (
	PlacementCluster   PlacementStrategy = "cluster"
	PlacementPartition PlacementStrategy = "partition"
	PlacementSpread    PlacementStrategy = "spread"
)

// DiskType is the medium of an instance store disk.
type DiskType string

// Disk types.
const (
	DiskSSD DiskType = "ssd"
	DiskHDD DiskType = "hdd"
)

// Support is the tri- or four-valued support level AWS uses for EBS
// optimization, NVMe, ENA and encryption. Not every value is legal for every
// field: EBS optimization uses unsupported/supported/default, NVMe and ENA
// use unsupported/supported/required, encryption uses unsupported/supported
// (EBS) or unsupported/required (instance store).
type Support string

// Support levels.
const (
	Unsupported Support = "unsupported"
	Supported   Support = "supported"
	Required    Support = "required"
	Default     Support = "default"
)

// Category groups instance families the way the AWS instance type
// specification pages do. It is not part of the EC2 API.
type Category string

// Categories.
const (
	CategoryGeneralPurpose       Category = "general-purpose"
	CategoryComputeOptimized     Category = "compute-optimized"
	CategoryMemoryOptimized      Category = "memory-optimized"
	CategoryStorageOptimized     Category = "storage-optimized"
	CategoryAcceleratedComputing Category = "accelerated-computing"
)
