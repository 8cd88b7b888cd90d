package netplane

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net"
	"net/netip"
)

// Names. Host link names are limited to 15 bytes, so ids are shortened to 8
// hex digits of their SHA-256: uniform even for ids that share a long prefix
// (sequential test ids, vpc-0a1b… vs vpc-0a1b…2). The full id is kept in the
// link's alias, which is what operators, Restore and collision checks read.
const (
	uplinkName = "uplink" // the VPC end of the host veth, inside the namespace
	bridgePre  = "br-"    // subnet bridges; the ruleset matches "br-*"
	tapPre     = "tap"
	netnsDir   = "/run/netns"
)

func shortID(id string) string {
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:4])
}

// NamespaceOf returns the network namespace of the VPC on this host,
// "<prefix>-<short id>"; QEMU runs in it to open its taps.
func (p *Plane) NamespaceOf(vpcID string) string { return p.cfg.Prefix + "-" + shortID(vpcID) }

// hostLinkOf is the host end of the VPC's veth; named like the namespace.
func (p *Plane) hostLinkOf(vpcID string) string { return p.NamespaceOf(vpcID) }

func bridgeOf(subnetID string) string { return bridgePre + shortID(subnetID) }

// TapOf returns the name of the interface's tap inside its VPC namespace.
func TapOf(eniID string) string { return tapPre + shortID(eniID) }

// bridgeMAC is fixed per subnet: a bridge otherwise takes the lowest MAC of its
// ports, which changes as VMs come and go and stales every guest's ARP entry
// for the gateway.
func bridgeMAC(subnetID string) net.HardwareAddr {
	sum := sha256.Sum256([]byte("bridge/" + subnetID))
	mac := net.HardwareAddr(sum[:6])
	mac[0] = mac[0]&^1 | 2 // unicast, locally administered
	return mac
}

// Addresses AWS reserves in every VPC and subnet: the network, .1 the router,
// .2 DNS, .3 future use, and the broadcast address.

// gatewayOf is the subnet's router, the first usable address (.1).
func gatewayOf(subnet netip.Prefix) netip.Addr { return subnet.Masked().Addr().Next() }

// dnsOf is the VPC's resolver, the VPC network plus two (AWS's "AmazonProvidedDNS").
func dnsOf(vpc netip.Prefix) netip.Addr { return vpc.Masked().Addr().Next().Next() }

// broadcastOf returns the last address of an IPv4 prefix.
func broadcastOf(p netip.Prefix) netip.Addr {
	a := p.Masked().Addr().As4()
	v := binary.BigEndian.Uint32(a[:]) | (1<<(32-p.Bits()) - 1)
	binary.BigEndian.PutUint32(a[:], v)
	return netip.AddrFrom4(a)
}

func maskOf(p netip.Prefix) net.IPMask { return net.CIDRMask(p.Bits(), 32) }

// usableInSubnet says whether addr may be given to an interface: inside the
// subnet and none of the five addresses AWS reserves.
func usableInSubnet(subnet netip.Prefix, addr netip.Addr) bool {
	if !subnet.Contains(addr) {
		return false
	}
	first := subnet.Masked().Addr()
	for range 4 {
		if addr == first {
			return false
		}
		first = first.Next()
	}
	return addr != broadcastOf(subnet)
}

// IMDSAddr is the instance metadata address EnsureVPC assigns inside every VPC
// namespace; guests reach it through their gateway.
var IMDSAddr = netip.MustParseAddr("169.254.169.254")

// linkNet is the /30 between the host and one VPC namespace. Link-local
// addresses never leave a link, and using them keeps the VPC's own CIDR (any
// RFC 1918 range, overlapping across VPCs) out of the host's routing table.
type linkNet struct {
	Host, Peer netip.Addr
}

func (l linkNet) prefix() netip.Prefix { return netip.PrefixFrom(l.Host, 30).Masked() }

const linkSlots = 1 << 14 // /30s in 169.254.0.0/16

func linkNetAt(slot int) linkNet {
	base := uint32(169)<<24 | 254<<16 | uint32(slot)*4
	return linkNet{Host: u32Addr(base + 1), Peer: u32Addr(base + 2)}
}

// linkSlotReserved keeps the /30s out of 169.254.0.0/24 and 169.254.255.0/24
// (reserved by RFC 3927) and 169.254.169.0/24, where clouds put metadata,
// DNS and time servers, including the 169.254.169.254 of our own IMDS.
func linkSlotReserved(slot int) bool {
	third := slot / 64
	return third == 0 || third == 255 || third == 169
}

// linkSlotFor is the first slot tried for a VPC; deterministic so the same VPC
// usually gets the same addresses on every host, probed linearly on collision.
func linkSlotFor(vpcID string) int {
	sum := sha256.Sum256([]byte("link/" + vpcID))
	return int(binary.BigEndian.Uint32(sum[:4]) % linkSlots)
}

// pickLinkNet returns the first free /30 for vpcID given the prefixes in use
// on the host (addresses and routes).
func pickLinkNet(vpcID string, used []netip.Prefix) (linkNet, error) {
	start := linkSlotFor(vpcID)
	for i := range linkSlots {
		slot := (start + i) % linkSlots
		if linkSlotReserved(slot) {
			continue
		}
		ln := linkNetAt(slot)
		if !overlapsAny(ln.prefix(), used) {
			return ln, nil
		}
	}
	return linkNet{}, fmt.Errorf("no free /30 in %s: %w", linkLocal, ErrConflict)
}

// overlapsAny treats only prefixes at least as long as /30 as taken: a
// shorter one (a zeroconf 169.254.0.0/16 route) is overridden by our /30.
func overlapsAny(p netip.Prefix, used []netip.Prefix) bool {
	for _, u := range used {
		if u.Bits() >= p.Bits() && u.Overlaps(p) {
			return true
		}
	}
	return false
}

func u32Addr(v uint32) netip.Addr {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], v)
	return netip.AddrFrom4(b)
}
