package netplane

import (
	"cmp"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// Security groups (DESIGN §6) live in two tables of the VPC namespace, next
// to the router's `ip kumo`:
//
//	ip kumo_sg      stateful filtering of every packet between an instance and
//	                anything else (another instance, the host via NAT), in
//	                the forward hook, with the IP stack's conntrack
//	bridge kumo_sg  anti-spoofing of what enters the bridge from a tap
//
// Every instance↔instance packet is routed, even within one subnet: taps are
// isolated bridge ports (they cannot reach each other at layer 2) and the
// bridge answers every ARP request for the subnet with its own MAC
// (proxy_arp_pvlan), as the AWS VPC router does. So one forward hook sees
// same-subnet, cross-subnet, host→public-IP (after DNAT) and guest→host
// (before SNAT) traffic alike, without br_netfilter or bridge conntrack.
//
// The forward chain looks the instance up by address in two verdict maps
// (ingress by destination, egress by source) and jumps to its chains:
// in_<eni> accepts what an inbound rule allows and drops the rest;
// out_<eni> returns (so the destination's inbound rules still apply) for
// what an outbound rule allows and drops the rest. Anti-spoofing makes the
// source address trustworthy. An address with no ingress element (an
// interface not yet given rules) gets no new inbound connections; one with
// no egress element may send anywhere: a new security group's defaults.
// Replies pass by `ct state established,related` before any lookup, so
// removing a rule stops new flows only.
//
// Traffic to the namespace itself (DHCP, IMDS, DNS) is input, not forward,
// and is never filtered here; ARP is not IP.
const sgTable = "kumo_sg"

// FirewallRule is one rule of a security group, in EC2's terms.
type FirewallRule struct {
	Protocol         string       // "-1" (all), "tcp", "udp", "icmp", or a protocol number
	FromPort, ToPort int32        // tcp/udp port range (-1 or 0–65535: all); icmp type and code (-1: any)
	CIDR             netip.Prefix // IPv4; zero when Group is set
	Group            string       // a security group id: the members set by SetGroupMembers
}

// InterfaceFirewall is the union of the rules of an interface's groups.
type InterfaceFirewall struct {
	Ingress, Egress []FirewallRule
}

// HostSource is the source range of the host's own connections to public
// IPs: each VPC reaches the host over a link-local /30, and the host side of
// it is the source a guest sees. An inbound rule allowing "my machine" names
// this range (or 0.0.0.0/0); guests can never send from it (anti-spoofing).
var HostSource = linkLocal

// nftName makes an nft identifier of an AWS id ("eni-0a1b" → "eni_0a1b").
func nftName(prefix, id string) string {
	return prefix + "_" + strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '_'
	}, id)
}

func inChain(eniID string) string    { return nftName("in", eniID) }
func outChain(eniID string) string   { return nftName("out", eniID) }
func spoofChain(eniID string) string { return nftName("as", eniID) }
func groupSet(groupID string) string { return nftName("grp", groupID) }

// renderSGBase declares the security-group tables. It is part of every
// script that touches them, so none depends on an earlier call; re-running
// it keeps the maps, sets and per-interface chains.
func renderSGBase() string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	t := "ip " + sgTable
	br := fmt.Sprintf("%q", bridgePre+"*")
	w("add table %s", t)
	w("add map %s ingress { type ipv4_addr : verdict; }", t)
	w("add map %s egress { type ipv4_addr : verdict; }", t)
	// Before the router's forward chain (priority filter), which only ever
	// accepts or drops after us.
	w("add chain %s forward { type filter hook forward priority filter - 10; policy accept; }", t)
	w("flush chain %s forward", t)
	w("add rule %s forward ct state established,related accept", t)
	w("add rule %s forward iifname %s ip saddr vmap @egress", t, br)
	w("add rule %s forward oifname %s ip daddr vmap @ingress", t, br)
	w("add rule %s forward oifname %s drop", t, br)
	bt := "bridge " + sgTable
	w("add table %s", bt)
	w("add map %s spoof { type ifname : verdict; }", bt)
	w("add chain %s prerouting { type filter hook prerouting priority filter; policy accept; }", bt)
	w("flush chain %s prerouting", bt)
	w("add rule %s prerouting iifname vmap @spoof", bt)
	return b.String()
}

// renderSpoof writes the anti-spoofing chain of an interface and its map
// element: from its tap only its MAC, its IPv4 address, ARP about itself
// (and DAD probes from 0.0.0.0) and DHCP from 0.0.0.0. Everything else,
// IPv6 and VLAN tags included, is dropped; a VPC without IPv6 carries none.
func renderSpoof(ifc Interface) string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	c := "bridge " + sgTable + " " + spoofChain(ifc.ID)
	var addrs []string
	for _, a := range ifc.Addresses() {
		addrs = append(addrs, a.String())
	}
	mac, addr := ifc.MAC.String(), strings.Join(addrs, ", ")
	w("add chain %s", c)
	w("flush chain %s", c)
	w("add rule %s ether saddr != %s drop", c, mac)
	w("add rule %s ether type arp arp saddr ether %s arp saddr ip { 0.0.0.0, %s } accept", c, mac, addr)
	w("add rule %s ether type ip ip saddr { %s } accept", c, addr)
	w("add rule %s ether type ip ip saddr 0.0.0.0 ip daddr 255.255.255.255 udp sport 68 udp dport 67 accept", c)
	w("add rule %s drop", c)
	w("add element bridge %s spoof { %q : jump %s }", sgTable, TapOf(ifc.ID), spoofChain(ifc.ID))
	return b.String()
}

// renderFirewall writes the chains of one interface and the sets of the
// groups they reference (empty if new; SetGroupMembers fills them), not the
// map elements, which depend on what the kernel has (see SetFirewall).
func renderFirewall(ifc Interface, fw InterfaceFirewall) (string, error) {
	var b strings.Builder
	in, err := renderChain(&b, inChain(ifc.ID), "saddr", "accept", fw.Ingress)
	if err != nil {
		return "", fmt.Errorf("ingress: %w", err)
	}
	out, err := renderChain(&b, outChain(ifc.ID), "daddr", "return", fw.Egress)
	if err != nil {
		return "", fmt.Errorf("egress: %w", err)
	}
	var sets strings.Builder
	for _, g := range sortedKeys(in, out) {
		fmt.Fprintf(&sets, "add set ip %s %s { type ipv4_addr; }\n", sgTable, groupSet(g))
	}
	return sets.String() + b.String(), nil
}

// ruleKey is what rules share when they differ only by address: their
// protocol and port match. Rules with the same key become one nft rule
// with an anonymous set of CIDRs, so a group of 1,000 CIDRs for one port
// is a single hash/interval lookup.
type ruleKey struct {
	order int    // of first appearance, for a stable output
	match string // "tcp dport 22", "" for all traffic
}

// renderChain writes one direction's chain; dir is "saddr" (ingress) or
// "daddr" (egress). It returns the groups referenced.
func renderChain(b *strings.Builder, chain, dir, verdict string, rules []FirewallRule) (map[string]bool, error) {
	c := "ip " + sgTable + " " + chain
	fmt.Fprintf(b, "add chain %s\nflush chain %s\n", c, c)
	keys := map[string]*ruleKey{}
	cidrs := map[string][]netip.Prefix{}
	groups := map[string][]string{}
	used := map[string]bool{}
	for i, r := range rules {
		match, err := ruleMatch(r)
		if err != nil {
			return nil, fmt.Errorf("rule %d: %w", i, err)
		}
		if _, ok := keys[match]; !ok {
			keys[match] = &ruleKey{order: len(keys), match: match}
		}
		switch {
		case r.Group != "" && r.CIDR.IsValid():
			return nil, fmt.Errorf("rule %d: both cidr %s and group %s: %w", i, r.CIDR, r.Group, ErrInvalid)
		case r.Group != "":
			if !groupIDRE.MatchString(r.Group) {
				return nil, fmt.Errorf("rule %d: group %q: %w", i, r.Group, ErrInvalid)
			}
			if !slices.Contains(groups[match], r.Group) {
				groups[match] = append(groups[match], r.Group)
			}
			used[r.Group] = true
		case r.CIDR.IsValid() && r.CIDR.Addr().Is4():
			cidrs[match] = append(cidrs[match], r.CIDR.Masked())
		default:
			return nil, fmt.Errorf("rule %d: want an IPv4 cidr or a group, got %q: %w", i, r.CIDR, ErrInvalid)
		}
	}
	ordered := make([]*ruleKey, 0, len(keys))
	for _, k := range keys {
		ordered = append(ordered, k)
	}
	slices.SortFunc(ordered, func(a, b *ruleKey) int { return cmp.Compare(a.order, b.order) })
	for _, k := range ordered {
		tail := strings.TrimSpace(k.match + " " + verdict)
		if ps := mergePrefixes(cidrs[k.match]); len(ps) > 0 {
			addr := ""
			if ps[0].Bits() != 0 { // 0.0.0.0/0 matches every address
				addr = "ip " + dir + " " + prefixSet(ps) + " "
			}
			fmt.Fprintf(b, "add rule %s %s%s\n", c, addr, tail)
		}
		for _, g := range groups[k.match] {
			fmt.Fprintf(b, "add rule %s ip %s @%s %s\n", c, dir, groupSet(g), tail)
		}
	}
	fmt.Fprintf(b, "add rule %s drop\n", c)
	return used, nil
}

// ruleMatch renders the protocol and port part of a rule.
func ruleMatch(r FirewallRule) (string, error) {
	proto := strings.ToLower(r.Protocol)
	switch proto {
	case "-1", "all":
		return "", nil
	case "6":
		proto = "tcp"
	case "17":
		proto = "udp"
	case "1":
		proto = "icmp"
	}
	switch proto {
	case "tcp", "udp":
		from, to := r.FromPort, r.ToPort
		if from == -1 && to == -1 || from == 0 && to == 65535 {
			return "meta l4proto " + proto, nil
		}
		if from < 0 || to > 65535 || from > to {
			return "", fmt.Errorf("%s ports %d-%d: %w", proto, from, to, ErrInvalid)
		}
		if from == to {
			return fmt.Sprintf("%s dport %d", proto, from), nil
		}
		return fmt.Sprintf("%s dport %d-%d", proto, from, to), nil
	case "icmp":
		typ, code := r.FromPort, r.ToPort
		if typ < -1 || typ > 255 || code < -1 || code > 255 || typ == -1 && code != -1 {
			return "", fmt.Errorf("icmp type %d code %d: %w", typ, code, ErrInvalid)
		}
		switch {
		case typ == -1:
			return "meta l4proto icmp", nil
		case code == -1:
			return fmt.Sprintf("icmp type %d", typ), nil
		default:
			return fmt.Sprintf("icmp type %d icmp code %d", typ, code), nil
		}
	}
	n, err := strconv.ParseUint(proto, 10, 8)
	if err != nil {
		return "", fmt.Errorf("protocol %q: %w", r.Protocol, ErrInvalid)
	}
	return fmt.Sprintf("meta l4proto %d", n), nil
}

// mergePrefixes sorts prefixes and drops those inside another, so nft gets
// disjoint intervals; 0.0.0.0/0 swallows everything.
func mergePrefixes(ps []netip.Prefix) []netip.Prefix {
	ps = slices.Clone(ps)
	slices.SortFunc(ps, func(a, b netip.Prefix) int {
		if c := a.Addr().Compare(b.Addr()); c != 0 {
			return c
		}
		return cmp.Compare(a.Bits(), b.Bits())
	})
	var out []netip.Prefix
	for _, p := range ps {
		if n := len(out); n > 0 && out[n-1].Contains(p.Addr()) && out[n-1].Bits() <= p.Bits() {
			continue
		}
		out = append(out, p)
	}
	return out
}

func prefixSet(ps []netip.Prefix) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		if p.IsSingleIP() {
			s[i] = p.Addr().String()
		} else {
			s[i] = p.String()
		}
	}
	if len(s) == 1 {
		return s[0]
	}
	return "{ " + strings.Join(s, ", ") + " }"
}

// renderMembers replaces the elements of a group's set in one transaction.
func renderMembers(groupID string, members []netip.Addr) string {
	var b strings.Builder
	s := "ip " + sgTable + " " + groupSet(groupID)
	fmt.Fprintf(&b, "add set %s { type ipv4_addr; }\nflush set %s\n", s, s)
	ms := slices.Clone(members)
	slices.SortFunc(ms, netip.Addr.Compare)
	ms = slices.Compact(ms)
	for i := 0; i < len(ms); i += 500 { // keep lines short for large groups
		chunk := ms[i:min(i+500, len(ms))]
		strs := make([]string, len(chunk))
		for j, a := range chunk {
			strs[j] = a.String()
		}
		fmt.Fprintf(&b, "add element %s { %s }\n", s, strings.Join(strs, ", "))
	}
	return b.String()
}

func sortedKeys(ms ...map[string]bool) []string {
	var out []string
	for _, m := range ms {
		for k := range m {
			if !slices.Contains(out, k) {
				out = append(out, k)
			}
		}
	}
	slices.Sort(out)
	return out
}

// validMAC is what an interface needs for anti-spoofing.
func validMAC(m net.HardwareAddr) bool { return len(m) == 6 && m[0]&1 == 0 }
