package catalog

import (
	"math"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestPublishedFigures pins figures from the AWS instance type
// specification pages exactly.
func TestPublishedFigures(t *testing.T) {
	type figures struct {
		VCPUs, Cores, Threads int32
		MemoryMiB             int64
		Storage               *InstanceStorage
		Network               string
		EBSMaxMbps            int32
		Burstable, FreeTier   bool
	}
	tests := []struct {
		name string
		want figures
	}{
		{"t2.micro", figures{VCPUs: 1, Cores: 1, Threads: 1, MemoryMiB: 1024,
			Network: "Low to Moderate", Burstable: true, FreeTier: true}},
		{"t3.micro", figures{VCPUs: 2, Cores: 1, Threads: 2, MemoryMiB: 1024,
			Network: "Up to 5 Gigabit", EBSMaxMbps: 2085, Burstable: true, FreeTier: true}},
		{"c5d.4xlarge", figures{VCPUs: 16, Cores: 8, Threads: 2, MemoryMiB: 32 * 1024,
			Storage: &InstanceStorage{TotalSizeGB: 400, Disks: []Disk{{Count: 1, SizeGB: 400, Type: DiskSSD}},
				NVMe: Required, Encryption: Required},
			Network: "Up to 10 Gigabit", EBSMaxMbps: 4750}},
		{"r5.16xlarge", figures{VCPUs: 64, Cores: 32, Threads: 2, MemoryMiB: 512 * 1024,
			Network: "20 Gigabit", EBSMaxMbps: 13600}},
		{"m5.8xlarge", figures{VCPUs: 32, Cores: 16, Threads: 2, MemoryMiB: 128 * 1024,
			Network: "10 Gigabit", EBSMaxMbps: 6800}},
		{"p4d.24xlarge", figures{VCPUs: 96, Cores: 48, Threads: 2, MemoryMiB: 1152 * 1024,
			Storage: &InstanceStorage{TotalSizeGB: 8000, Disks: []Disk{{Count: 8, SizeGB: 1000, Type: DiskSSD}},
				NVMe: Required, Encryption: Required},
			Network: "4x 100 Gigabit", EBSMaxMbps: 19000}},
		{"p5.48xlarge", figures{VCPUs: 192, Cores: 96, Threads: 2, MemoryMiB: 2048 * 1024,
			Storage: &InstanceStorage{TotalSizeGB: 30400, Disks: []Disk{{Count: 8, SizeGB: 3800, Type: DiskSSD}},
				NVMe: Required, Encryption: Required},
			Network: "3200 Gigabit", EBSMaxMbps: 80000}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			it, ok := LookupInstanceType(tt.name)
			if !ok {
				t.Fatalf("LookupInstanceType(%q) not found", tt.name)
			}
			got := figures{
				VCPUs: it.VCPU.DefaultVCPUs, Cores: it.VCPU.DefaultCores, Threads: it.VCPU.DefaultThreadsPerCore,
				MemoryMiB: it.MemoryMiB, Storage: it.InstanceStorage, Network: it.Network.Performance,
				EBSMaxMbps: it.EBS.MaximumBandwidthMbps, Burstable: it.Burstable, FreeTier: it.FreeTierEligible,
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("%s figures (-want +got):\n%s", tt.name, diff)
			}
		})
	}
}

// TestFullRecord pins one whole record, so a change to the builder that
// alters any field shows up here.
func TestFullRecord(t *testing.T) {
	want := InstanceType{
		Name: "c5d.4xlarge", Family: "c5d", Category: CategoryComputeOptimized,
		CurrentGeneration: true, Hypervisor: HypervisorNitro,
		VirtualizationTypes: []VirtualizationType{VirtualizationHVM},
		UsageClasses:        []UsageClass{UsageOnDemand, UsageSpot},
		RootDeviceTypes:     []RootDeviceType{RootEBS},
		BootModes:           []BootMode{BootLegacyBIOS, BootUEFI},
		PlacementStrategies: []PlacementStrategy{PlacementCluster, PlacementPartition, PlacementSpread},
		Processor:           Processor{Architectures: []Architecture{ArchX8664}, Manufacturer: "Intel", SustainedClockGHz: 3.4},
		VCPU:                VCPUInfo{DefaultVCPUs: 16, DefaultCores: 8, DefaultThreadsPerCore: 2},
		MemoryMiB:           32768,
		InstanceStorage: &InstanceStorage{TotalSizeGB: 400, Disks: []Disk{{Count: 1, SizeGB: 400, Type: DiskSSD}},
			NVMe: Required, Encryption: Required},
		EBS: EBS{Optimized: Default, Encryption: Supported, NVMe: Required,
			BaselineBandwidthMbps: 4750, MaximumBandwidthMbps: 4750,
			BaselineThroughputMBps: 593.75, MaximumThroughputMBps: 593.75,
			BaselineIOPS: 20000, MaximumIOPS: 20000},
		Network: Network{Performance: "Up to 10 Gigabit", MaxInterfaces: 8, IPv4PerInterface: 30,
			IPv6PerInterface: 30, IPv6Supported: true, ENA: Required,
			Cards: []NetworkCard{{Performance: "Up to 10 Gigabit", MaxInterfaces: 8,
				BaselineBandwidthGbps: 5, PeakBandwidthGbps: 10}}},
		HibernationSupported: true, DedicatedHostsSupported: true,
	}
	got, ok := LookupInstanceType("c5d.4xlarge")
	if !ok {
		t.Fatal("c5d.4xlarge not found")
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("c5d.4xlarge (-want +got):\n%s", diff)
	}
}

// TestInvariants checks every record for internal consistency.
func TestInvariants(t *testing.T) {
	types := InstanceTypes()
	if len(types) < 85 {
		t.Errorf("catalog has %d instance types, want at least 85", len(types))
	}
	if !sort.SliceIsSorted(types, func(i, j int) bool { return types[i].Name < types[j].Name }) {
		t.Error("InstanceTypes() is not sorted by name")
	}
	seen := map[string]bool{}
	for _, it := range types {
		t.Run(it.Name, func(t *testing.T) {
			if seen[it.Name] {
				t.Errorf("duplicate name")
			}
			seen[it.Name] = true
			if !strings.HasPrefix(it.Name, it.Family+".") {
				t.Errorf("family %q does not prefix the name", it.Family)
			}
			v := it.VCPU
			if v.DefaultVCPUs <= 0 || it.MemoryMiB <= 0 {
				t.Errorf("vCPUs %d, memory %d MiB: want both > 0", v.DefaultVCPUs, it.MemoryMiB)
			}
			if v.DefaultCores*v.DefaultThreadsPerCore != v.DefaultVCPUs {
				t.Errorf("cores %d x threads %d != vCPUs %d", v.DefaultCores, v.DefaultThreadsPerCore, v.DefaultVCPUs)
			}
			if it.Processor.SustainedClockGHz <= 0 || it.Processor.Manufacturer == "" || len(it.Processor.Architectures) != 1 {
				t.Errorf("incomplete processor %+v", it.Processor)
			}
			if it.BareMetal != (it.Hypervisor == HypervisorNone) {
				t.Errorf("bare metal %v with hypervisor %q", it.BareMetal, it.Hypervisor)
			}
			if s := it.InstanceStorage; s != nil {
				var total int64
				for _, d := range s.Disks {
					total += int64(d.Count) * d.SizeGB
				}
				if total != s.TotalSizeGB || total == 0 {
					t.Errorf("storage total %d GB, disks add up to %d", s.TotalSizeGB, total)
				}
			}
			checkEBS(t, it.EBS)
			checkNetwork(t, it.Network)
			for _, g := range it.GPUs {
				if g.Count <= 0 || g.MemoryMiB <= 0 || g.Name == "" || g.Manufacturer == "" {
					t.Errorf("incomplete GPU %+v", g)
				}
			}
			for _, d := range it.NeuronDevices {
				if d.Count <= 0 || d.Cores <= 0 || d.MemoryMiB <= 0 {
					t.Errorf("incomplete Neuron device %+v", d)
				}
			}
			if it.FreeTierEligible != (it.Name == "t2.micro" || it.Name == "t3.micro") {
				t.Errorf("free tier %v", it.FreeTierEligible)
			}
			if len(it.UsageClasses) == 0 || len(it.RootDeviceTypes) == 0 || len(it.VirtualizationTypes) == 0 || len(it.BootModes) == 0 {
				t.Errorf("empty usage, root device, virtualization or boot mode list")
			}
		})
	}
}

func checkEBS(t *testing.T, e EBS) {
	t.Helper()
	if e.Optimized == Unsupported {
		if e.MaximumBandwidthMbps != 0 {
			t.Errorf("EBS optimization unsupported but %d Mbps", e.MaximumBandwidthMbps)
		}
		return
	}
	if e.BaselineBandwidthMbps <= 0 || e.BaselineBandwidthMbps > e.MaximumBandwidthMbps ||
		e.BaselineIOPS <= 0 || e.BaselineIOPS > e.MaximumIOPS {
		t.Errorf("EBS baseline above maximum or missing: %+v", e)
	}
	for _, p := range [][2]float64{
		{float64(e.BaselineBandwidthMbps), e.BaselineThroughputMBps},
		{float64(e.MaximumBandwidthMbps), e.MaximumThroughputMBps},
	} {
		if math.Abs(p[0]/8-p[1]) > 0.005+1e-9 { // two-decimal rounding
			t.Errorf("throughput %v MB/s for %v Mbps", p[1], p[0])
		}
	}
}

func checkNetwork(t *testing.T, n Network) {
	t.Helper()
	if n.Performance == "" || n.MaxInterfaces <= 0 || n.IPv4PerInterface <= 0 {
		t.Errorf("incomplete network %+v", n)
	}
	var sum int32
	for i, c := range n.Cards {
		sum += c.MaxInterfaces
		if c.Index != int32(i) {
			t.Errorf("card %d has index %d", i, c.Index)
		}
		if c.PeakBandwidthGbps < c.BaselineBandwidthGbps {
			t.Errorf("card %d peak %v below baseline %v", i, c.PeakBandwidthGbps, c.BaselineBandwidthGbps)
		}
	}
	if sum != n.MaxInterfaces {
		t.Errorf("cards hold %d interfaces, MaxInterfaces %d", sum, n.MaxInterfaces)
	}
	if n.EFASupported != (n.MaxEFAInterfaces > 0) {
		t.Errorf("EFA supported %v with %d EFA interfaces", n.EFASupported, n.MaxEFAInterfaces)
	}
}

// TestFamilies checks that every family the brief names is present with its
// expected sizes, and that every category is populated.
func TestFamilies(t *testing.T) {
	sizes := map[string][]string{}
	cats := map[Category]int{}
	for _, it := range InstanceTypes() {
		sizes[it.Family] = append(sizes[it.Family], strings.TrimPrefix(it.Name, it.Family+"."))
		cats[it.Category]++
	}
	want := map[string][]string{
		"t2":   {"nano", "micro", "small", "medium", "large", "xlarge", "2xlarge"},
		"t3":   {"nano", "micro", "small", "medium", "large", "xlarge", "2xlarge"},
		"m5":   {"large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge"},
		"c5d":  {"4xlarge"},
		"r5":   {"16xlarge"},
		"p4d":  {"24xlarge"},
		"p5":   {"48xlarge"},
		"mac1": {"metal"},
	}
	for _, f := range []string{"m6i", "m7i", "c5", "c6i", "c7i", "r6i", "x1e", "i3", "d2", "i4i",
		"p3", "g4dn", "g5", "g6", "inf1", "inf2", "trn1", "m6g", "c7g", "t4g"} {
		want[f] = nil
	}
	for f, ss := range want {
		if len(sizes[f]) == 0 {
			t.Errorf("family %s missing", f)
		}
		for _, sz := range ss {
			if _, ok := LookupInstanceType(f + "." + sz); !ok {
				t.Errorf("%s.%s missing", f, sz)
			}
		}
	}
	for _, c := range []Category{CategoryGeneralPurpose, CategoryComputeOptimized, CategoryMemoryOptimized,
		CategoryStorageOptimized, CategoryAcceleratedComputing} {
		if cats[c] == 0 {
			t.Errorf("category %s empty", c)
		}
	}
	var arm, prev, pv bool
	for _, it := range InstanceTypes() {
		arm = arm || it.Processor.Architectures[0] == ArchARM64
		prev = prev || !it.CurrentGeneration
		for _, v := range it.VirtualizationTypes {
			pv = pv || v == VirtualizationParavirtual
		}
	}
	if !arm || !prev || !pv {
		t.Errorf("want Graviton %v, previous generation %v and paravirtual %v types all present", arm, prev, pv)
	}
}

func TestLookupReturnsCopies(t *testing.T) {
	a, _ := LookupInstanceType("p4d.24xlarge")
	a.GPUs[0].Count = 0
	a.Network.Cards[0].MaxInterfaces = 0
	a.InstanceStorage.Disks[0].Count = 0
	b, _ := LookupInstanceType("p4d.24xlarge")
	if b.GPUs[0].Count != 8 || b.Network.Cards[0].MaxInterfaces != 15 || b.InstanceStorage.Disks[0].Count != 8 {
		t.Errorf("modifying a looked-up type changed the catalog: %+v", b)
	}
	if _, ok := LookupInstanceType("m5.huge"); ok {
		t.Error("LookupInstanceType(m5.huge) found something")
	}
}

func TestAcceleratorTotals(t *testing.T) {
	tests := []struct {
		name        string
		gpu, neuron int64
	}{
		{"g4dn.12xlarge", 4 * 16384, 0},
		{"p5.48xlarge", 8 * 81920, 0},
		{"inf1.24xlarge", 0, 16 * 8192},
		{"inf2.48xlarge", 0, 12 * 32768},
		{"trn1.32xlarge", 0, 16 * 32768},
		{"m5.large", 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			it, _ := LookupInstanceType(tt.name)
			if g, n := it.TotalGPUMemoryMiB(), it.TotalNeuronMemoryMiB(); g != tt.gpu || n != tt.neuron {
				t.Errorf("GPU %d, Neuron %d MiB; want %d, %d", g, n, tt.gpu, tt.neuron)
			}
		})
	}
}

func TestThroughputRounding(t *testing.T) {
	for mbps, want := range map[int32]float64{695: 86.88, 2085: 260.62, 347: 43.38, 4750: 593.75, 1188: 148.5} {
		if got := throughput(mbps); got != want {
			t.Errorf("throughput(%d) = %v, want %v", mbps, got, want)
		}
	}
}
