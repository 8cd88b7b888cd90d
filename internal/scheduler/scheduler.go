// Package scheduler decides which host each instance of a launch runs on.
// Place is a pure function from a snapshot of the hosts and one request to
// a placement, following EC2's rules for Availability Zones, tenancy
// (shared hosts, Dedicated Instances, Dedicated Hosts), host pinning and
// spread placement groups. Applying a placement (recording the usage,
// dedicating a claimed host, checking that the snapshot is still current)
// is the caller's.
package scheduler

import (
	"errors"
	"fmt"
)

// Tenancies a Request can ask for, as EC2's Placement.Tenancy spells them.
const (
	TenancyDefault   = "default"   // shared hosts
	TenancyDedicated = "dedicated" // Dedicated Instances: hosts that run one account's instances only
	TenancyHost      = "host"      // Dedicated Hosts the account allocated
)

// Errors Place returns, wrapped; match with errors.Is.
var (
	// ErrNoCapacity: not every instance fits. The error is a
	// *CapacityError saying how many did.
	ErrNoCapacity = errors.New("insufficient capacity")
	// ErrInvalidRequest: the request can never be placed as written.
	ErrInvalidRequest = errors.New("invalid placement request")
	// ErrUnknownHost: Request.HostName names no host in the snapshot.
	ErrUnknownHost = errors.New("unknown host")
)

// Host is one hypervisor host as the scheduler sees it. Names are unique.
type Host struct {
	Name string
	Zone string // Availability Zone, e.g. "us-east-1a"; "" serves every zone
	// VCPUs and MemoryMiB are what instances may use in all; the Used
	// fields what instances already placed here take.
	VCPUs, MemoryMiB         int64
	UsedVCPUs, UsedMemoryMiB int64
	// Dedicated is "" for a shared host, else the account that owns the
	// whole host: its Dedicated Instances run here and nobody else's
	// instances do.
	Dedicated string
	// Allocated says the host is an EC2 Dedicated Host that the account in
	// Dedicated allocated (AllocateHosts): only that account's tenancy
	// host instances land on it, never its Dedicated Instances.
	Allocated bool
	// Labels describe the host (CPU model, instance families); a request
	// can require some (Request.Labels).
	Labels map[string]string
}

// Request is one launch: Count instances of one size for one account.
type Request struct {
	Account string
	// Zone limits the hosts to one Availability Zone; "" allows any.
	// RunInstances passes the subnet's zone, so that a launch stays in it.
	Zone      string
	VCPUs     int64
	MemoryMiB int64
	Count     int
	// Tenancy is TenancyDefault ("" means it), TenancyDedicated or
	// TenancyHost.
	Tenancy string
	// HostName pins the instances to one host (Placement.HostId with
	// tenancy host; an operator's pin with the other tenancies). The
	// tenancy's rules still apply to it.
	HostName string
	// Spread puts every instance on a different host, as a spread
	// placement group does. Hosts already running members of the group
	// are the caller's to leave out of the snapshot.
	Spread bool
	// Labels are required of a host: it must carry each with that value.
	Labels map[string]string
}

// Placement says where one instance of a request goes.
type Placement struct {
	Host  string
	Index int // the instance's launch index in the request, 0…Count-1
	// Dedicates says the host was an empty shared host that this request
	// claims for a Dedicated Instance: the caller sets its Host.Dedicated
	// to the account when it applies the placement.
	Dedicates bool
}

// CapacityError is the ErrNoCapacity that Place returns: of Want
// instances only Fit could be placed. EC2's MinCount (launch Fit if it is
// at least MinCount, or nothing) is the caller's to apply.
type CapacityError struct {
	Want, Fit int
	Zone      string // the request's zone, "" for any
	VCPUs     int64
	MemoryMiB int64
}

func (e *CapacityError) Error() string {
	zone := e.Zone
	if zone == "" {
		zone = "any zone"
	}
	return fmt.Sprintf("%v: %d of %d instances of %d vcpus and %d MiB fit in %s",
		ErrNoCapacity, e.Fit, e.Want, e.VCPUs, e.MemoryMiB, zone)
}

// Unwrap makes errors.Is(err, ErrNoCapacity) true.
func (e *CapacityError) Unwrap() error { return ErrNoCapacity }

// Place returns where the request's Count instances go, in launch-index
// order. If not all fit, it returns the placements of those that do (as
// many as possible) with a *CapacityError. hosts is not modified.
//
// Packing is balanced: each instance goes to the eligible host with the
// most room left relative to its size (the least loaded by the larger of
// its vCPU and memory shares), ties broken by name, so the same input
// always gives the same output whatever the order of hosts. Dedicated
// Instances first fill hosts already dedicated to the account and claim an
// empty shared host only when none of those fits. Balanced packing soon
// leaves no shared host empty, so a fleet that sells Dedicated Instances
// sets hosts aside for them (Dedicated set before any launch).
//
// Place costs O(len(hosts) + Count·log(len(hosts))): one pass to find the
// eligible hosts, then a heap keyed by load.
func Place(hosts []Host, req Request) ([]Placement, error) {
	if err := req.validate(); err != nil {
		return nil, fmt.Errorf("place: %w", err)
	}
	pinned := -1
	if req.HostName != "" {
		for i := range hosts {
			if hosts[i].Name == req.HostName {
				pinned = i
				break
			}
		}
		if pinned < 0 {
			return nil, fmt.Errorf("place: host %s: %w", req.HostName, ErrUnknownHost)
		}
	}
	q := queue{req: req}
	for i := range hosts {
		if pinned >= 0 && i != pinned {
			continue
		}
		h := &hosts[i]
		rank, ok := eligible(h, req)
		if !ok {
			continue
		}
		c := candidate{
			host: i, name: h.Name, rank: rank, claim: rank == rankClaim,
			vcpus: h.VCPUs, mem: h.MemoryMiB, usedVCPUs: h.UsedVCPUs, usedMem: h.UsedMemoryMiB,
		}
		if q.fits(&c) {
			q.items = append(q.items, c)
		}
	}
	q.init()

	out := make([]Placement, 0, req.Count)
	for len(out) < req.Count && len(q.items) > 0 {
		c := &q.items[0]
		out = append(out, Placement{Host: c.name, Index: len(out), Dedicates: c.claim})
		c.usedVCPUs += req.VCPUs
		c.usedMem += req.MemoryMiB
		// A claimed host is the account's now. It was first only because no
		// owned host fits, so the lower rank keeps it first: the heap needs
		// fixing only for the higher load.
		c.rank = rankOwned
		if req.Spread || !q.fits(c) {
			q.pop()
		} else {
			q.down(0)
		}
	}
	if len(out) < req.Count {
		if len(out) == 0 {
			out = nil
		}
		return out, &CapacityError{Want: req.Count, Fit: len(out), Zone: req.Zone, VCPUs: req.VCPUs, MemoryMiB: req.MemoryMiB}
	}
	return out, nil
}

func (r Request) validate() error {
	switch {
	case r.Count < 1:
		return fmt.Errorf("%w: count %d: must be at least 1", ErrInvalidRequest, r.Count)
	case r.VCPUs < 1:
		return fmt.Errorf("%w: vcpus %d: must be at least 1", ErrInvalidRequest, r.VCPUs)
	case r.MemoryMiB < 1:
		return fmt.Errorf("%w: memory %d MiB: must be at least 1", ErrInvalidRequest, r.MemoryMiB)
	}
	switch r.Tenancy {
	case "", TenancyDefault:
	case TenancyDedicated, TenancyHost:
		if r.Account == "" {
			return fmt.Errorf("%w: tenancy %s needs an account", ErrInvalidRequest, r.Tenancy)
		}
	default:
		return fmt.Errorf("%w: tenancy %q: want default, dedicated or host", ErrInvalidRequest, r.Tenancy)
	}
	return nil
}

// Ranks order eligible hosts before load does: a Dedicated Instance goes
// to a host its account owns before it claims an empty one.
const (
	rankOwned int8 = iota // shared hosts for default tenancy; the account's own hosts otherwise
	rankClaim             // an empty shared host a Dedicated Instance would claim
)

// eligible reports whether req may use h at all, whatever its free room,
// and with which rank.
func eligible(h *Host, req Request) (int8, bool) {
	if req.Zone != "" && h.Zone != "" && h.Zone != req.Zone {
		return 0, false
	}
	for k, v := range req.Labels {
		if got, ok := h.Labels[k]; !ok || got != v {
			return 0, false
		}
	}
	switch req.Tenancy {
	case TenancyDedicated:
		switch {
		case h.Dedicated == req.Account && !h.Allocated:
			return rankOwned, true
		case h.Dedicated == "" && h.UsedVCPUs == 0 && h.UsedMemoryMiB == 0:
			return rankClaim, true
		}
		return 0, false
	case TenancyHost:
		return rankOwned, h.Allocated && h.Dedicated == req.Account
	}
	return rankOwned, h.Dedicated == "" && !h.Allocated
}
