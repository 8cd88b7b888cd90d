package netplane

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"strings"
)

// The VPC router's nftables table. It is applied as one transaction that
// (re)declares the maps and chains and re-fills the chains, so EnsureVPC can
// run any number of times without disturbing the public-IP mappings, which
// live as elements of the two maps:
//
//	pub2priv: public IP → private IP (DNAT of traffic arriving for a public IP)
//	priv2pub: private IP → public IP (SNAT of traffic leaving for the host, and
//	          the set of instances allowed to send there at all)
//
// Security groups are not here: they get their own table and chains.
const nftTable = "kumo"

func renderVPCRules(vpcID string, cidr netip.Prefix) string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	t := "ip " + nftTable
	w("# kumo router of %s (%s)", vpcID, cidr)
	w("add table %s", t)
	w("add map %s pub2priv { type ipv4_addr : ipv4_addr; }", t)
	w("add map %s priv2pub { type ipv4_addr : ipv4_addr; }", t)
	w("add chain %s prerouting { type nat hook prerouting priority dstnat; policy accept; }", t)
	w("add chain %s postrouting { type nat hook postrouting priority srcnat; policy accept; }", t)
	w("add chain %s forward { type filter hook forward priority filter; policy drop; }", t)
	w("add chain %s input { type filter hook input priority filter; policy accept; }", t)
	for _, c := range []string{"prerouting", "postrouting", "forward", "input"} {
		w("flush chain %s %s", t, c)
	}
	up := fmt.Sprintf("%q", uplinkName)
	br := fmt.Sprintf("%q", bridgePre+"*")
	// 1:1 NAT. DNAT applies on every interface so that an instance can reach
	// another's public IP (hairpin); the hairpin's SNAT to the sender's public
	// IP makes the reply come back through the router, as through an AWS
	// internet gateway.
	w("add rule %s prerouting dnat to ip daddr map @pub2priv", t)
	w("add rule %s postrouting oifname %s snat to ip saddr map @priv2pub", t, up)
	w("add rule %s postrouting oifname %s ct status dnat snat to ip saddr map @priv2pub", t, br)
	// Forwarding: replies; anything between the VPC's subnets; the host to
	// public IPs; instances that have a public IP to the host. Nothing else
	// leaves, and the namespace has no route to anywhere else anyway.
	w("add rule %s forward ct state established,related accept", t)
	w("add rule %s forward ct state invalid drop", t)
	w("add rule %s forward iifname %s ct status dnat ip saddr != @priv2pub drop", t, br)
	w("add rule %s forward iifname %s oifname %s accept", t, br, br)
	w("add rule %s forward iifname %s oifname %s ct status dnat accept", t, up, br)
	w("add rule %s forward iifname %s oifname %s ip saddr @priv2pub accept", t, br, up)
	// The namespace itself (IMDS, DHCP, DNS) serves guests, not the host.
	w("add rule %s input iifname %s ct state established,related accept", t, up)
	w("add rule %s input iifname %s icmp type echo-request accept", t, up)
	w("add rule %s input iifname %s drop", t, up)
	return b.String()
}

// natMap reads one of the NAT maps of the namespace.
func natMap(ctx context.Context, ns, name string) (map[netip.Addr]netip.Addr, error) {
	out, err := run(ctx, "", "ip", "netns", "exec", ns, "nft", "-j", "list", "map", "ip", nftTable, name)
	if err != nil {
		return nil, err
	}
	var doc struct {
		Nftables []struct {
			Map *struct {
				Elem [][2]json.RawMessage `json:"elem"`
			} `json:"map"`
		} `json:"nftables"`
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		return nil, fmt.Errorf("decode nft map %s: %w", name, err)
	}
	m := map[netip.Addr]netip.Addr{}
	for _, o := range doc.Nftables {
		if o.Map == nil {
			continue
		}
		for _, e := range o.Map.Elem {
			var k, v string
			if json.Unmarshal(e[0], &k) != nil || json.Unmarshal(e[1], &v) != nil {
				return nil, fmt.Errorf("decode nft map %s: unexpected element %s", name, e[0])
			}
			ka, err1 := netip.ParseAddr(k)
			va, err2 := netip.ParseAddr(v)
			if err1 != nil || err2 != nil {
				return nil, fmt.Errorf("decode nft map %s: bad element %s : %s", name, k, v)
			}
			m[ka] = va
		}
	}
	return m, nil
}

// setNAT makes priv's public IP pub (none if pub is zero), replacing any
// other mapping of priv or pub in the namespace, in one nft transaction, and
// returns the public IPs whose host routes are now stale.
func setNAT(ctx context.Context, ns string, priv, pub netip.Addr) (stale []netip.Addr, err error) {
	p2p, err := natMap(ctx, ns, "priv2pub")
	if err != nil {
		return nil, err
	}
	pub2, err := natMap(ctx, ns, "pub2priv")
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	del := func(m string, k netip.Addr) { fmt.Fprintf(&b, "delete element ip %s %s { %s }\n", nftTable, m, k) }
	if old, ok := p2p[priv]; ok && old != pub {
		del("priv2pub", priv)
		if pub2[old] == priv {
			del("pub2priv", old)
			stale = append(stale, old)
		}
	}
	if pub.IsValid() {
		if other, ok := pub2[pub]; ok && other != priv {
			// The public IP moved from another interface of this VPC.
			del("pub2priv", pub)
			if p2p[other] == pub {
				del("priv2pub", other)
			}
		}
		if p2p[priv] != pub {
			fmt.Fprintf(&b, "add element ip %s priv2pub { %s : %s }\n", nftTable, priv, pub)
		}
		if pub2[pub] != priv {
			fmt.Fprintf(&b, "add element ip %s pub2priv { %s : %s }\n", nftTable, pub, priv)
		}
	}
	if b.Len() == 0 {
		return stale, nil
	}
	return stale, nft(ctx, ns, b.String())
}

// natInSubnet lists the private→public mappings whose private IP is in cidr.
func natInSubnet(ctx context.Context, ns string, cidr netip.Prefix) (map[netip.Addr]netip.Addr, error) {
	m, err := natMap(ctx, ns, "priv2pub")
	if err != nil {
		return nil, err
	}
	for k := range m {
		if !cidr.Contains(k) {
			delete(m, k)
		}
	}
	return m, nil
}

// ensurePublicRoute routes pub to the VPC's namespace. `src` is the host's
// end of the veth, so the host's own connections to pub leave from an
// address the namespace routes back over the same veth.
func (p *Plane) ensurePublicRoute(ctx context.Context, vpcID string, pub netip.Addr) error {
	hl, err := link(ctx, "", p.hostLinkOf(vpcID))
	if err != nil {
		return err
	}
	if hl == nil {
		return fmt.Errorf("host link %s missing: %w", p.hostLinkOf(vpcID), ErrNotFound)
	}
	ln, ok := linkNetOf(hl)
	if !ok {
		return fmt.Errorf("host link %s has no link-local /30: %w", hl.Name, ErrNotFound)
	}
	return ip(ctx, "", "route", "replace", pub.String()+"/32",
		"via", ln.Peer.String(), "dev", hl.Name, "src", ln.Host.String())
}

// delPublicRoute removes pub's host route if it points at this VPC (the
// address may have moved to another VPC since).
func (p *Plane) delPublicRoute(ctx context.Context, vpcID string, pub netip.Addr) error {
	host := p.hostLinkOf(vpcID)
	rs, err := routes(ctx, "", "exact", pub.String()+"/32")
	if err != nil {
		return err
	}
	for _, r := range rs {
		if r.Dev == host {
			return ip(ctx, "", "route", "del", pub.String()+"/32", "dev", host)
		}
	}
	return nil
}

// SetPublicIP makes pub the public address of the interface with private
// address priv in the VPC (none when pub is zero): the 1:1 NAT and the host
// route move in one step, so an Elastic IP can be re-associated, or a subnet
// lose its internet route, while the VM runs.
func (p *Plane) SetPublicIP(ctx context.Context, vpcID string, priv, pub netip.Addr) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, err := p.vpc(vpcID); err != nil {
		return fmt.Errorf("set public ip of %s: %w", priv, err)
	}
	stale, err := setNAT(ctx, p.NamespaceOf(vpcID), priv, pub)
	if err != nil {
		return fmt.Errorf("set public ip of %s: %w", priv, err)
	}
	for _, old := range stale {
		if err := p.delPublicRoute(ctx, vpcID, old); err != nil {
			return err
		}
	}
	if pub.IsValid() {
		return p.ensurePublicRoute(ctx, vpcID, pub)
	}
	return nil
}
