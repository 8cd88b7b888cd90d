// Package vpcdns is the resolver every VPC has at its base address plus two
// (AWS's Route 53 Resolver, "AmazonProvidedDNS"), reduced to what a machine
// that never sends traffic outside itself can honestly answer: the private
// DNS names of instances (ip-10-0-1-5.ec2.internal,
// ip-10-0-1-5.<region>.compute.internal) and their reverse lookups.
//
// It is authoritative for ec2.internal, *.compute.internal and the reverse
// zones of private ranges, and does not recurse for anything else: a
// recursive resolver would have to ask the internet, and Kumo must never send
// traffic off the machine on a guest's behalf. Other names get SERVFAIL, the
// answer of a recursive resolver whose upstreams are unreachable, so a guest's
// stub resolver moves on to its next server (if any) instead of caching a
// false "no such name".
package vpcdns

import (
	"net/netip"
	"strings"
	"sync/atomic"
)

// Names answers lookups for one VPC. Implementations must be safe for
// concurrent use: UDP and TCP queries are answered at the same time.
type Names interface {
	// Addr returns the address of a name: fully qualified, lower-case,
	// without the trailing dot.
	Addr(name string) (netip.Addr, bool)
	// Name returns the canonical name of an address, for PTR lookups.
	Name(ip netip.Addr) (string, bool)
}

// Table is a Names held in memory and replaced as a whole by Set, so a lookup
// never sees half an update. The zero Table knows no names.
type Table struct {
	p atomic.Pointer[tableData]
}

type tableData struct {
	fwd map[string]netip.Addr
	rev map[netip.Addr]string
}

var _ Names = (*Table)(nil)

// Set replaces the table with names (name → address). Names may be given in
// any case, with or without the trailing dot; names are copied, so the caller
// may reuse the map. When several names share an address, reverse lookups
// return one under .internal if there is one (the private name, as on AWS
// where the public name of an instance also resolves inside its VPC), else
// the first in lexical order, so the answer does not depend on map order.
func (t *Table) Set(names map[string]netip.Addr) {
	d := &tableData{fwd: make(map[string]netip.Addr, len(names)), rev: make(map[netip.Addr]string, len(names))}
	for name, ip := range names {
		name = canonical(name)
		ip = ip.Unmap()
		if name == "" || !ip.IsValid() {
			continue
		}
		d.fwd[name] = ip
		if cur, ok := d.rev[ip]; !ok || preferName(name, cur) {
			d.rev[ip] = name
		}
	}
	t.p.Store(d)
}

// Addr implements Names.
func (t *Table) Addr(name string) (netip.Addr, bool) {
	d := t.p.Load()
	if d == nil {
		return netip.Addr{}, false
	}
	ip, ok := d.fwd[name]
	return ip, ok
}

// Name implements Names.
func (t *Table) Name(ip netip.Addr) (string, bool) {
	d := t.p.Load()
	if d == nil {
		return "", false
	}
	name, ok := d.rev[ip.Unmap()]
	return name, ok
}

// Len returns how many names the table holds.
func (t *Table) Len() int {
	d := t.p.Load()
	if d == nil {
		return 0
	}
	return len(d.fwd)
}

// preferName says whether a should be the PTR answer rather than b.
func preferName(a, b string) bool {
	ai, bi := strings.HasSuffix(a, ".internal"), strings.HasSuffix(b, ".internal")
	if ai != bi {
		return ai
	}
	return a < b
}

// canonical lower-cases a name (ASCII only: DNS compares names
// case-insensitively in ASCII and byte-for-byte otherwise) and drops the
// trailing dot.
func canonical(name string) string {
	name = strings.TrimSuffix(name, ".")
	for i := 0; i < len(name); i++ {
		if c := name[i]; 'A' <= c && c <= 'Z' {
			b := []byte(name)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return name
}
