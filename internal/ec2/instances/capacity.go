package instances

import (
	"context"
	"strings"

	"github.com/kumo-cloud/kumo/internal/catalog"
	"github.com/kumo-cloud/kumo/internal/hosts"
	"github.com/kumo-cloud/kumo/internal/scheduler"
)

// Capacity is what the local host offers instances: its vCPUs and memory
// multiplied by the operator's allocation ratios. It stands for the fleet
// when no host is registered.
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

// accountVCPUs sums the vCPUs the account's instances hold in a quota group.
func accountVCPUs(all []Instance, account, group string) int64 {
	var n int64
	for i := range all {
		in := &all[i]
		if in.Account != account || !consumes(in) {
			continue
		}
		if t, ok := catalog.LookupInstanceType(in.InstanceType); ok && QuotaGroup(t.Family) == group {
			n += int64(in.VCPUs)
		}
	}
	return n
}

// quotaFit returns how many instances of type t (at most want) the
// account's vCPU quota still allows, given the vCPUs it holds.
func quotaFit(quota, held int64, t catalog.InstanceType, want int) int {
	v := int64(t.VCPU.DefaultVCPUs)
	if v <= 0 {
		return want
	}
	return int(min(int64(want), max(0, (quota-held)/v)))
}

// fleet is what the scheduler places among: the registered hosts with the
// capacity their instances hold (every host but the local one is known
// only from the registry; without one, the local host alone).
func (h *Handlers) fleet(ctx context.Context, all []Instance) ([]scheduler.Host, error) {
	var registered []hosts.Host
	if h.Hosts != nil {
		var err error
		if registered, err = h.Hosts.List(ctx); err != nil {
			return nil, err
		}
	}
	if len(registered) == 0 {
		registered = []hosts.Host{{Name: h.Capacity.Host, VCPUs: h.Capacity.VCPUs, MemoryMiB: h.Capacity.MemoryMiB}}
	}
	out := make([]scheduler.Host, len(registered))
	at := make(map[string]*scheduler.Host, len(registered))
	for i, r := range registered {
		out[i] = scheduler.Host{Name: r.Name, Zone: r.Zone, VCPUs: r.VCPUs, MemoryMiB: r.MemoryMiB, Dedicated: r.Dedicated}
		at[r.Name] = &out[i]
	}
	for i := range all {
		in := &all[i]
		if sh := at[in.Host]; sh != nil && consumes(in) {
			sh.UsedVCPUs += int64(in.VCPUs)
			sh.UsedMemoryMiB += in.MemoryMiB
		}
	}
	return out, nil
}
