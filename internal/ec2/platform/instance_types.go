package platform

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/awsquery/ec2api"
	"github.com/kumo-cloud/kumo/internal/catalog"
	"github.com/kumo-cloud/kumo/internal/ec2/filter"
	"github.com/kumo-cloud/kumo/internal/ec2/paging"
)

// instanceTypeFields are the DescribeInstanceTypes filters Kumo supports, each
// with the values of one type.
var instanceTypeFields = map[string]func(t *catalog.InstanceType) []string{
	"instance-type":                               func(t *catalog.InstanceType) []string { return []string{t.Name} },
	"current-generation":                          func(t *catalog.InstanceType) []string { return boolStr(t.CurrentGeneration) },
	"free-tier-eligible":                          func(t *catalog.InstanceType) []string { return boolStr(t.FreeTierEligible) },
	"bare-metal":                                  func(t *catalog.InstanceType) []string { return boolStr(t.BareMetal) },
	"burstable-performance-supported":             func(t *catalog.InstanceType) []string { return boolStr(t.Burstable) },
	"hibernation-supported":                       func(t *catalog.InstanceType) []string { return boolStr(t.HibernationSupported) },
	"auto-recovery-supported":                     func(t *catalog.InstanceType) []string { return boolStr(t.AutoRecoverySupported) },
	"dedicated-hosts-supported":                   func(t *catalog.InstanceType) []string { return boolStr(t.DedicatedHostsSupported) },
	"hypervisor":                                  func(t *catalog.InstanceType) []string { return []string{string(t.Hypervisor)} },
	"instance-storage-supported":                  func(t *catalog.InstanceType) []string { return boolStr(t.InstanceStorage != nil) },
	"memory-info.size-in-mib":                     func(t *catalog.InstanceType) []string { return []string{strconv.FormatInt(t.MemoryMiB, 10)} },
	"vcpu-info.default-vcpus":                     func(t *catalog.InstanceType) []string { return []string{itoa(t.VCPU.DefaultVCPUs)} },
	"vcpu-info.default-cores":                     func(t *catalog.InstanceType) []string { return []string{itoa(t.VCPU.DefaultCores)} },
	"vcpu-info.default-threads-per-core":          func(t *catalog.InstanceType) []string { return []string{itoa(t.VCPU.DefaultThreadsPerCore)} },
	"processor-info.supported-architecture":       func(t *catalog.InstanceType) []string { return strs(t.Processor.Architectures) },
	"processor-info.sustained-clock-speed-in-ghz": func(t *catalog.InstanceType) []string { return []string{fmt.Sprint(t.Processor.SustainedClockGHz)} },
	"processor-info.manufacturer":                 func(t *catalog.InstanceType) []string { return []string{t.Processor.Manufacturer} },
	"supported-boot-mode":                         func(t *catalog.InstanceType) []string { return strs(t.BootModes) },
	"supported-root-device-type":                  func(t *catalog.InstanceType) []string { return strs(t.RootDeviceTypes) },
	"supported-usage-class":                       func(t *catalog.InstanceType) []string { return strs(t.UsageClasses) },
	"supported-virtualization-type":               func(t *catalog.InstanceType) []string { return strs(t.VirtualizationTypes) },
	"ebs-info.ebs-optimized-support":              func(t *catalog.InstanceType) []string { return []string{string(t.EBS.Optimized)} },
	"ebs-info.encryption-support":                 func(t *catalog.InstanceType) []string { return []string{string(t.EBS.Encryption)} },
	"ebs-info.nvme-support":                       func(t *catalog.InstanceType) []string { return []string{string(t.EBS.NVMe)} },
	"network-info.network-performance":            func(t *catalog.InstanceType) []string { return []string{t.Network.Performance} },
	"network-info.ena-support":                    func(t *catalog.InstanceType) []string { return []string{string(t.Network.ENA)} },
	"network-info.efa-supported":                  func(t *catalog.InstanceType) []string { return boolStr(t.Network.EFASupported) },
	"network-info.ipv6-supported":                 func(t *catalog.InstanceType) []string { return boolStr(t.Network.IPv6Supported) },
	"network-info.maximum-network-interfaces":     func(t *catalog.InstanceType) []string { return []string{itoa(t.Network.MaxInterfaces)} },
	"network-info.ipv4-addresses-per-interface":   func(t *catalog.InstanceType) []string { return []string{itoa(t.Network.IPv4PerInterface)} },
}

func boolStr(b bool) []string { return []string{strconv.FormatBool(b)} }
func itoa(n int32) string     { return strconv.Itoa(int(n)) }
func strs[S ~string](xs []S) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = string(x)
	}
	return out
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// DescribeInstanceTypes answers from the catalog, paginated 100 at a time as AWS.
func (h *Handlers) DescribeInstanceTypes(_ context.Context, r *api.Request, in *ec2api.DescribeInstanceTypesRequest) (*ec2api.DescribeInstanceTypesResult, error) {
	fs, err := filter.FromWire(in.Filters, keys(instanceTypeFields), false)
	if err != nil {
		return nil, err
	}
	var unknown []string
	want := map[string]bool{}
	for _, n := range in.InstanceTypes {
		if _, ok := catalog.LookupInstanceType(n); !ok {
			unknown = append(unknown, n)
		}
		want[n] = true
	}
	if len(unknown) > 0 {
		return nil, awserr.BadRequest("InvalidInstanceType", "The following supplied instance types do not exist: [%s]", strings.Join(unknown, ", "))
	}
	pg := paging.Request{Op: "DescribeInstanceTypes", MaxResults: in.MaxResults, NextToken: in.NextToken}
	size, err := pg.Bounds(5, 100, 100)
	if err != nil {
		return nil, err
	}
	if err := r.Authorize(in.DryRun); err != nil {
		return nil, err
	}
	var hits []catalog.InstanceType
	for _, t := range catalog.InstanceTypes() {
		if len(want) > 0 && !want[t.Name] {
			continue
		}
		if fs.Match(func(name string) []string { return instanceTypeFields[name](&t) }, nil) {
			hits = append(hits, t)
		}
	}
	page, next, err := paging.Page(pg, hits, size, func(t catalog.InstanceType) string { return t.Name })
	if err != nil {
		return nil, err
	}
	out := &ec2api.DescribeInstanceTypesResult{InstanceTypes: make([]ec2api.InstanceTypeInfo, 0, len(page)), NextToken: next}
	for i := range page {
		out.InstanceTypes = append(out.InstanceTypes, instanceTypeInfo(&page[i]))
	}
	return out, nil
}
