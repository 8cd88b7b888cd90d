package scheduler

import (
	"errors"
	"maps"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// host is a shared host of 8 vCPUs and 32 GiB in zone.
func host(name, zone string) Host {
	return Host{Name: name, Zone: zone, VCPUs: 8, MemoryMiB: 32 << 10}
}

func used(h Host, vcpus, mem int64) Host {
	h.UsedVCPUs, h.UsedMemoryMiB = vcpus, mem
	return h
}

func dedicated(h Host, account string) Host {
	h.Dedicated = account
	return h
}

func allocated(h Host, account string) Host {
	h.Dedicated, h.Allocated = account, true
	return h
}

func labelled(h Host, k, v string) Host {
	h.Labels = map[string]string{k: v}
	return h
}

// at lists placements on hosts in launch-index order.
func at(hosts ...string) []Placement {
	var ps []Placement
	for i, h := range hosts {
		ps = append(ps, Placement{Host: h, Index: i})
	}
	return ps
}

// claiming marks the placements on hosts as dedicating them.
func claiming(ps []Placement, hosts ...string) []Placement {
	for i := range ps {
		if slices.Contains(hosts, ps[i].Host) {
			ps[i].Dedicates = true
		}
	}
	return ps
}

// small is the request of count 2-vCPU, 4 GiB instances by account 111.
func small(count int) Request {
	return Request{Account: "111", VCPUs: 2, MemoryMiB: 4 << 10, Count: count}
}

func TestPlace(t *testing.T) {
	a1, a2, b1 := host("a1", "az-a"), host("a2", "az-a"), host("b1", "az-b")
	with := func(r Request, change func(*Request)) Request { change(&r); return r }
	tests := []struct {
		name    string
		hosts   []Host
		req     Request
		want    []Placement
		wantErr error
	}{
		// Balanced packing.
		{"one instance, least loaded host", []Host{used(a1, 4, 0), a2}, small(1), at("a2"), nil},
		{"round robin over equal hosts", []Host{a2, a1, b1}, small(6), at("a1", "a2", "b1", "a1", "a2", "b1"), nil},
		{"fills the emptier host first", []Host{used(a1, 4, 8<<10), a2}, small(3), at("a2", "a2", "a1"), nil},
		{"memory counts as load", []Host{used(a1, 0, 16<<10), used(a2, 2, 0)}, small(1), at("a2"), nil},
		{"load is relative to size", []Host{
			used(Host{Name: "big", VCPUs: 64, MemoryMiB: 256 << 10}, 8, 0), used(a1, 2, 0),
		}, small(1), at("big"), nil},

		// Zones.
		{"zone filter", []Host{a1, a2, b1}, with(small(2), func(r *Request) { r.Zone = "az-b" }), at("b1", "b1"), nil},
		{"any zone", []Host{used(a1, 6, 0), b1}, small(2), at("b1", "b1"), nil},
		{"unknown zone", []Host{a1, b1}, with(small(1), func(r *Request) { r.Zone = "az-z" }), nil, ErrNoCapacity},
		{"a host of every zone", []Host{a1, host("all", "")}, with(small(2), func(r *Request) { r.Zone = "az-z" }), at("all", "all"), nil},

		// Capacity exhaustion: all-or-something, the caller applies MinCount.
		{"vcpus run out", []Host{a1, a2}, small(9), at("a1", "a2", "a1", "a2", "a1", "a2", "a1", "a2"), ErrNoCapacity},
		{"memory runs out", []Host{used(a1, 0, 24<<10)}, small(3), at("a1", "a1"), ErrNoCapacity},
		{"too big for any host", []Host{a1}, with(small(1), func(r *Request) { r.VCPUs = 16 }), nil, ErrNoCapacity},
		{"full host skipped", []Host{used(a1, 8, 0), a2}, small(1), at("a2"), nil},
		{"no hosts", nil, small(1), nil, ErrNoCapacity},

		// Tenancy isolation.
		{"default never on a dedicated host", []Host{dedicated(a1, "111"), dedicated(a2, "222"), b1}, small(2), at("b1", "b1"), nil},
		{"default never on an allocated host", []Host{allocated(a1, "111")}, small(1), nil, ErrNoCapacity},
		{"dedicated on the account's host", []Host{dedicated(used(a1, 2, 0), "111"), a2},
			with(small(2), func(r *Request) { r.Tenancy = TenancyDedicated }), at("a1", "a1"), nil},
		{"dedicated never on another account's host", []Host{dedicated(a1, "222"), used(a2, 2, 0)},
			with(small(1), func(r *Request) { r.Tenancy = TenancyDedicated }), nil, ErrNoCapacity},
		{"dedicated never on an allocated host", []Host{allocated(a1, "111")},
			with(small(1), func(r *Request) { r.Tenancy = TenancyDedicated }), nil, ErrNoCapacity},
		{"dedicated claims an empty host, then fills it", []Host{a1, a2},
			with(small(3), func(r *Request) { r.Tenancy = TenancyDedicated }),
			claiming(at("a1", "a1", "a1"), "a1"), nil},
		{"dedicated claims only when its hosts are full", []Host{dedicated(used(a1, 6, 0), "111"), a2},
			with(small(3), func(r *Request) { r.Tenancy = TenancyDedicated }),
			claiming(at("a1", "a2", "a2"), "a2"), nil},
		{"dedicated spread claims a host each", []Host{a1, a2, b1},
			with(small(2), func(r *Request) { r.Tenancy, r.Spread = TenancyDedicated, true }),
			claiming(at("a1", "a2"), "a1", "a2"), nil},
		{"host tenancy on the account's allocated host", []Host{a1, dedicated(a2, "111"), allocated(b1, "111")},
			with(small(2), func(r *Request) { r.Tenancy = TenancyHost }), at("b1", "b1"), nil},
		{"host tenancy never claims", []Host{a1, allocated(b1, "222")},
			with(small(1), func(r *Request) { r.Tenancy = TenancyHost }), nil, ErrNoCapacity},

		// Pinning.
		{"pinned host", []Host{a1, used(a2, 6, 0)}, with(small(1), func(r *Request) { r.HostName = "a2" }), at("a2"), nil},
		{"pinned host full", []Host{a1, used(a2, 6, 0)}, with(small(2), func(r *Request) { r.HostName = "a2" }), at("a2"), ErrNoCapacity},
		{"pinned dedicated host", []Host{allocated(a1, "111"), allocated(a2, "111")},
			with(small(1), func(r *Request) { r.Tenancy, r.HostName = TenancyHost, "a2" }), at("a2"), nil},
		{"pinned host of another account", []Host{allocated(a1, "222")},
			with(small(1), func(r *Request) { r.Tenancy, r.HostName = TenancyHost, "a1" }), nil, ErrNoCapacity},
		{"pinned host in another zone", []Host{a1, b1},
			with(small(1), func(r *Request) { r.Zone, r.HostName = "az-a", "b1" }), nil, ErrNoCapacity},
		{"pinned host unknown", []Host{a1}, with(small(1), func(r *Request) { r.HostName = "zz" }), nil, ErrUnknownHost},

		// Spread placement groups.
		{"spread one per host", []Host{a1, a2, b1}, with(small(3), func(r *Request) { r.Spread = true }), at("a1", "a2", "b1"), nil},
		{"spread runs out of hosts", []Host{a1, a2}, with(small(3), func(r *Request) { r.Spread = true }), at("a1", "a2"), ErrNoCapacity},
		{"spread least loaded first", []Host{used(a1, 6, 0), used(a2, 4, 0), b1},
			with(small(2), func(r *Request) { r.Spread = true }), at("b1", "a2"), nil},

		// Labels.
		{"labels required", []Host{a1, labelled(a2, "cpu", "zen4"), labelled(b1, "cpu", "icelake")},
			with(small(2), func(r *Request) { r.Labels = map[string]string{"cpu": "zen4"} }), at("a2", "a2"), nil},

		// Requests that can never work.
		{"count 0", []Host{a1}, small(0), nil, ErrInvalidRequest},
		{"no vcpus", []Host{a1}, with(small(1), func(r *Request) { r.VCPUs = 0 }), nil, ErrInvalidRequest},
		{"no memory", []Host{a1}, with(small(1), func(r *Request) { r.MemoryMiB = 0 }), nil, ErrInvalidRequest},
		{"bad tenancy", []Host{a1}, with(small(1), func(r *Request) { r.Tenancy = "shared" }), nil, ErrInvalidRequest},
		{"dedicated without account", []Host{a1},
			with(small(1), func(r *Request) { r.Tenancy, r.Account = TenancyDedicated, "" }), nil, ErrInvalidRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := cloneHosts(tt.hosts)
			got, err := Place(tt.hosts, tt.req)
			if !errors.Is(err, tt.wantErr) || (err == nil) != (tt.wantErr == nil) {
				t.Fatalf("Place error = %v, want %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Place (-want +got):\n%s", diff)
			}
			if ce := (*CapacityError)(nil); errors.As(err, &ce) && (ce.Fit != len(got) || ce.Want != tt.req.Count) {
				t.Errorf("CapacityError = %+v with %d placements, want Fit %d of %d", ce, len(got), len(got), tt.req.Count)
			}
			if diff := cmp.Diff(before, tt.hosts); diff != "" {
				t.Errorf("Place changed its input (-before +after):\n%s", diff)
			}
		})
	}
}

func cloneHosts(hs []Host) []Host {
	out := slices.Clone(hs)
	for i := range out {
		out[i].Labels = maps.Clone(out[i].Labels)
	}
	return out
}

// TestPlaceDeterministic: the order of the snapshot never changes the
// answer, and names decide ties among equally loaded hosts.
func TestPlaceDeterministic(t *testing.T) {
	hosts := fleet(rand.New(rand.NewPCG(1, 2)), 200)
	reqs := []Request{
		{Account: "111", VCPUs: 2, MemoryMiB: 4 << 10, Count: 50},
		{Account: "111", VCPUs: 4, MemoryMiB: 16 << 10, Count: 30, Zone: "az-b"},
		{Account: "111", VCPUs: 1, MemoryMiB: 1 << 10, Count: 40, Spread: true},
		{Account: "111", VCPUs: 2, MemoryMiB: 8 << 10, Count: 20, Tenancy: TenancyDedicated},
	}
	for _, req := range reqs {
		want, err := Place(hosts, req)
		if err != nil {
			t.Fatalf("Place %+v: %v", req, err)
		}
		r := rand.New(rand.NewPCG(3, 4))
		for range 5 {
			shuffled := slices.Clone(hosts)
			r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
			got, err := Place(shuffled, req)
			if err != nil {
				t.Fatalf("Place on shuffled hosts: %v", err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("Place on shuffled hosts differs (-first +shuffled):\n%s", diff)
			}
		}
	}
}

// TestPlaceNeverOverfills places until the fleet is full, applying each
// placement as a caller would, and checks no host goes over capacity and
// no tenancy rule breaks.
func TestPlaceNeverOverfills(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	hosts := fleet(r, 50)
	byName := index(hosts)
	placed := 0
	for range 2000 {
		req := randomRequest(r)
		ps, err := Place(hosts, req)
		if err != nil && !errors.Is(err, ErrNoCapacity) {
			t.Fatalf("Place %+v: %v", req, err)
		}
		for _, p := range ps {
			h := &hosts[byName[p.Host]]
			switch req.Tenancy {
			case TenancyDedicated:
				if p.Dedicates != (h.Dedicated == "") || (h.Dedicated != "" && h.Dedicated != req.Account) {
					t.Fatalf("dedicated instance of %s on %+v (dedicates %v)", req.Account, *h, p.Dedicates)
				}
				h.Dedicated = req.Account
			default:
				if h.Dedicated != "" {
					t.Fatalf("default instance on dedicated host %+v", *h)
				}
			}
			h.UsedVCPUs += req.VCPUs
			h.UsedMemoryMiB += req.MemoryMiB
			if h.UsedVCPUs > h.VCPUs || h.UsedMemoryMiB > h.MemoryMiB {
				t.Fatalf("host %+v over capacity", *h)
			}
		}
		placed += len(ps)
	}
	t.Logf("placed %d instances on %d hosts", placed, len(hosts))
}

// fleet is n hosts of a few sizes in three zones, with names in no
// particular order.
func fleet(r *rand.Rand, n int) []Host {
	zones := []string{"az-a", "az-b", "az-c"}
	sizes := []struct{ vcpus, mem int64 }{{32, 128 << 10}, {64, 256 << 10}, {96, 384 << 10}}
	hosts := make([]Host, n)
	for i := range hosts {
		s := sizes[r.IntN(len(sizes))]
		hosts[i] = Host{
			Name:  "h-" + string(rune('a'+r.IntN(26))) + strconv.Itoa(i),
			Zone:  zones[i%len(zones)],
			VCPUs: s.vcpus, MemoryMiB: s.mem,
		}
		if r.IntN(4) == 0 {
			hosts[i].UsedVCPUs, hosts[i].UsedMemoryMiB = s.vcpus/4, s.mem/8
		}
	}
	return hosts
}

func index(hosts []Host) map[string]int {
	m := make(map[string]int, len(hosts))
	for i, h := range hosts {
		m[h.Name] = i
	}
	return m
}

// randomRequest is a launch of 1 to 50 instances of a common size, in a
// random zone or any, one in ten of them dedicated.
func randomRequest(r *rand.Rand) Request {
	sizes := []struct{ vcpus, mem int64 }{{1, 1 << 10}, {2, 4 << 10}, {2, 8 << 10}, {4, 16 << 10}, {8, 32 << 10}}
	zones := []string{"", "az-a", "az-b", "az-c"}
	s := sizes[r.IntN(len(sizes))]
	req := Request{
		Account: "acct-" + strconv.Itoa(r.IntN(20)),
		Zone:    zones[r.IntN(len(zones))],
		VCPUs:   s.vcpus, MemoryMiB: s.mem,
		Count: 1 + r.IntN(50),
	}
	if r.IntN(10) == 0 {
		req.Tenancy = TenancyDedicated
	}
	return req
}
