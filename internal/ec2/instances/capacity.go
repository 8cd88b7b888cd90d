package instances

import (
	"strings"

	"github.com/kumo-cloud/kumo/internal/catalog"
)

// Capacity is what the host offers instances: its vCPUs and memory multiplied
// by the operator's allocation ratios.
type Capacity struct {
	Host      string
	VCPUs     int64
	MemoryMiB int64
}

// DefaultQuotas are the per-account, per-region On-Demand vCPU quotas by
// instance family group (operator-configurable).
func DefaultQuotas() map[string]int64 {
	return map[string]int64{"Standard": 512, "G": 64, "P": 64, "F": 64, "X": 128, "Inf": 64, "Trn": 64, "DL": 64, "Mac": 64, "HighMem": 448}
}

// QuotaGroup returns the vCPU quota bucket of an instance family, as AWS's
// "Running On-Demand <group> instances" quotas: Standard covers A, C, D, H, I,
// M, R, T and Z.
func QuotaGroup(family string) string {
	switch {
	case strings.HasPrefix(family, "inf"):
		return "Inf"
	case strings.HasPrefix(family, "trn"):
		return "Trn"
	case strings.HasPrefix(family, "dl"):
		return "DL"
	case strings.HasPrefix(family, "mac"):
		return "Mac"
	case strings.HasPrefix(family, "vt"), strings.HasPrefix(family, "g"):
		return "G"
	case strings.HasPrefix(family, "u-"):
		return "HighMem"
	}
	switch family[0] {
	case 'p':
		return "P"
	case 'f':
		return "F"
	case 'x':
		return "X"
	}
	return "Standard"
}

// consumes reports whether an instance holds host capacity and quota: every
// state but stopped and terminated (a stopping instance still runs).
func consumes(in *Instance) bool {
	return in.State != Stopped && in.State != Terminated
}

// heldCapacity sums the vCPUs and memory held on the host, and the vCPUs the account
// holds in the quota group.
func heldCapacity(all []Instance, host, account, group string) (hostVCPUs, hostMem, groupVCPUs int64) {
	for i := range all {
		in := &all[i]
		if !consumes(in) {
			continue
		}
		if in.Host == host {
			hostVCPUs += int64(in.VCPUs)
			hostMem += in.MemoryMiB
		}
		if in.Account == account {
			if t, ok := catalog.LookupInstanceType(in.InstanceType); ok && QuotaGroup(t.Family) == group {
				groupVCPUs += int64(in.VCPUs)
			}
		}
	}
	return
}

// fit returns how many instances of type t (at most want) fit on the host and
// in the account's quota, and which limit stopped it.
func fit(c Capacity, quota int64, hostVCPUs, hostMem, groupVCPUs int64, t catalog.InstanceType, want int) (n int, quotaBound bool) {
	v, m := int64(t.VCPU.DefaultVCPUs), t.MemoryMiB
	for n < want {
		if groupVCPUs+v > quota {
			return n, true
		}
		if hostVCPUs+v > c.VCPUs || hostMem+m > c.MemoryMiB {
			return n, false
		}
		n++
		groupVCPUs, hostVCPUs, hostMem = groupVCPUs+v, hostVCPUs+v, hostMem+m
	}
	return n, false
}
