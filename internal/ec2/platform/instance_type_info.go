package platform

import (
	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/awsquery/ec2api"
	"github.com/kumo-cloud/kumo/internal/catalog"
)

// instanceTypeInfo translates a catalog entry into the wire shape, leaving out
// what AWS leaves out (no instance storage info for EBS-only types, no EBS
// figures where it publishes none, no hypervisor for bare metal).
func instanceTypeInfo(t *catalog.InstanceType) ec2api.InstanceTypeInfo {
	info := ec2api.InstanceTypeInfo{
		InstanceType:                 aws.String(t.Name),
		CurrentGeneration:            aws.Bool(t.CurrentGeneration),
		FreeTierEligible:             aws.Bool(t.FreeTierEligible),
		SupportedUsageClasses:        strs(t.UsageClasses),
		SupportedRootDeviceTypes:     strs(t.RootDeviceTypes),
		SupportedVirtualizationTypes: strs(t.VirtualizationTypes),
		BareMetal:                    aws.Bool(t.BareMetal),
		ProcessorInfo: &ec2api.ProcessorInfo{
			SupportedArchitectures:   strs(t.Processor.Architectures),
			SustainedClockSpeedInGhz: aws.Float64(t.Processor.SustainedClockGHz),
			Manufacturer:             aws.String(t.Processor.Manufacturer),
		},
		VCpuInfo: &ec2api.VCpuInfo{
			DefaultVCpus:          aws.Int32(t.VCPU.DefaultVCPUs),
			DefaultCores:          aws.Int32(t.VCPU.DefaultCores),
			DefaultThreadsPerCore: aws.Int32(t.VCPU.DefaultThreadsPerCore),
		},
		MemoryInfo:                    &ec2api.MemoryInfo{SizeInMiB: aws.Int64(t.MemoryMiB)},
		InstanceStorageSupported:      aws.Bool(t.InstanceStorage != nil),
		EbsInfo:                       ebsInfo(t.EBS),
		NetworkInfo:                   networkInfo(t.Network),
		PlacementGroupInfo:            &ec2api.PlacementGroupInfo{SupportedStrategies: strs(t.PlacementStrategies)},
		HibernationSupported:          aws.Bool(t.HibernationSupported),
		BurstablePerformanceSupported: aws.Bool(t.Burstable),
		DedicatedHostsSupported:       aws.Bool(t.DedicatedHostsSupported),
		AutoRecoverySupported:         aws.Bool(t.AutoRecoverySupported),
		SupportedBootModes:            strs(t.BootModes),
	}
	if t.Hypervisor != catalog.HypervisorNone {
		info.Hypervisor = aws.String(string(t.Hypervisor))
	}
	if s := t.InstanceStorage; s != nil {
		is := &ec2api.InstanceStorageInfo{
			TotalSizeInGB:     aws.Int64(s.TotalSizeGB),
			NvmeSupport:       aws.String(string(s.NVMe)),
			EncryptionSupport: aws.String(string(s.Encryption)),
		}
		for _, d := range s.Disks {
			is.Disks = append(is.Disks, ec2api.DiskInfo{SizeInGB: aws.Int64(d.SizeGB), Count: aws.Int32(d.Count), Type: aws.String(string(d.Type))})
		}
		info.InstanceStorageInfo = is
	}
	if len(t.GPUs) > 0 {
		g := &ec2api.GpuInfo{TotalGpuMemoryInMiB: aws.Int32(int32(t.TotalGPUMemoryMiB()))}
		for _, d := range t.GPUs {
			g.Gpus = append(g.Gpus, ec2api.GpuDeviceInfo{
				Name: aws.String(d.Name), Manufacturer: aws.String(d.Manufacturer), Count: aws.Int32(d.Count),
				MemoryInfo: &ec2api.GpuDeviceMemoryInfo{SizeInMiB: aws.Int32(d.MemoryMiB)},
			})
		}
		info.GpuInfo = g
	}
	if len(t.NeuronDevices) > 0 {
		n := &ec2api.NeuronInfo{TotalNeuronDeviceMemoryInMiB: aws.Int32(int32(t.TotalNeuronMemoryMiB()))}
		for _, d := range t.NeuronDevices {
			n.NeuronDevices = append(n.NeuronDevices, ec2api.NeuronDeviceInfo{
				Count: aws.Int32(d.Count), Name: aws.String(d.Name),
				CoreInfo:   &ec2api.NeuronDeviceCoreInfo{Count: aws.Int32(d.Cores), Version: aws.Int32(d.CoreVersion)},
				MemoryInfo: &ec2api.NeuronDeviceMemoryInfo{SizeInMiB: aws.Int32(d.MemoryMiB)},
			})
		}
		info.NeuronInfo = n
	}
	return info
}

func ebsInfo(e catalog.EBS) *ec2api.EbsInfo {
	info := &ec2api.EbsInfo{
		EbsOptimizedSupport: aws.String(string(e.Optimized)),
		EncryptionSupport:   aws.String(string(e.Encryption)),
		NvmeSupport:         aws.String(string(e.NVMe)),
	}
	if e.MaximumBandwidthMbps > 0 {
		info.EbsOptimizedInfo = &ec2api.EbsOptimizedInfo{
			BaselineBandwidthInMbps:  aws.Int32(e.BaselineBandwidthMbps),
			BaselineThroughputInMBps: aws.Float64(e.BaselineThroughputMBps),
			BaselineIops:             aws.Int32(e.BaselineIOPS),
			MaximumBandwidthInMbps:   aws.Int32(e.MaximumBandwidthMbps),
			MaximumThroughputInMBps:  aws.Float64(e.MaximumThroughputMBps),
			MaximumIops:              aws.Int32(e.MaximumIOPS),
		}
	}
	return info
}

func networkInfo(n catalog.Network) *ec2api.NetworkInfo {
	info := &ec2api.NetworkInfo{
		NetworkPerformance:           aws.String(n.Performance),
		MaximumNetworkInterfaces:     aws.Int32(n.MaxInterfaces),
		MaximumNetworkCards:          aws.Int32(int32(max(1, len(n.Cards)))),
		DefaultNetworkCardIndex:      aws.Int32(n.DefaultCardIndex),
		Ipv4AddressesPerInterface:    aws.Int32(n.IPv4PerInterface),
		Ipv6AddressesPerInterface:    aws.Int32(n.IPv6PerInterface),
		Ipv6Supported:                aws.Bool(n.IPv6Supported),
		EnaSupport:                   aws.String(string(n.ENA)),
		EfaSupported:                 aws.Bool(n.EFASupported),
		EncryptionInTransitSupported: aws.Bool(n.EncryptionInTransit),
	}
	for _, c := range n.Cards {
		card := ec2api.NetworkCardInfo{
			NetworkCardIndex:         aws.Int32(c.Index),
			NetworkPerformance:       aws.String(c.Performance),
			MaximumNetworkInterfaces: aws.Int32(c.MaxInterfaces),
		}
		if c.BaselineBandwidthGbps > 0 {
			card.BaselineBandwidthInGbps = aws.Float64(c.BaselineBandwidthGbps)
			card.PeakBandwidthInGbps = aws.Float64(c.PeakBandwidthGbps)
		}
		info.NetworkCards = append(info.NetworkCards, card)
	}
	if n.EFASupported {
		info.EfaInfo = &ec2api.EfaInfo{MaximumEfaInterfaces: aws.Int32(n.MaxEFAInterfaces)}
	}
	return info
}
