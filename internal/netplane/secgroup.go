package netplane

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

var groupIDRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]{0,127}$`)

// SetFirewall installs the rules of one interface (the union of its security
// groups), replacing what it had, in one nftables transaction: a packet sees
// either the old rules or the new ones, and they apply to the next packet
// after it returns. Connections already established keep flowing; only new
// ones meet the new rules. Idempotent; call it whenever the interface's
// groups or any of their rules change. The interface must be attached.
//
// Until the first call an attached interface gets no new inbound traffic and
// may send anywhere (a new group's defaults). Group references match the
// addresses given to SetGroupMembers, empty until then.
func (p *Plane) SetFirewall(ctx context.Context, ifc Interface, fw InterfaceFirewall) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.setFirewall(ctx, ifc, fw); err != nil {
		return fmt.Errorf("set firewall of %s: %w", ifc.ID, err)
	}
	return nil
}

func (p *Plane) setFirewall(ctx context.Context, ifc Interface, fw InterfaceFirewall) error {
	if _, err := p.vpc(ifc.VPC); err != nil {
		return err
	}
	if !validMAC(ifc.MAC) || !ifc.PrivateIP.Is4() {
		return fmt.Errorf("mac %q, private ip %s: want a unicast MAC and an IPv4 address: %w", ifc.MAC, ifc.PrivateIP, ErrInvalid)
	}
	rules, err := renderFirewall(ifc, fw)
	if err != nil {
		return err
	}
	ns := p.NamespaceOf(ifc.VPC)
	var b strings.Builder
	b.WriteString(renderSGBase())
	b.WriteString(rules)
	b.WriteString(renderSpoof(ifc))
	for _, m := range []struct{ name, chain string }{{"ingress", inChain(ifc.ID)}, {"egress", outChain(ifc.ID)}} {
		cur, err := verdictMap(ctx, ns, "ip", m.name)
		if err != nil {
			return err
		}
		b.WriteString(renderMapElement(m.name, ifc.Addresses(), m.chain, cur))
	}
	return nft(ctx, ns, b.String())
}

// renderMapElement points the interface's addresses at chain in map m given
// the map's current elements: it deletes what points elsewhere from one of
// them, and what points at chain from another address (an address the
// interface no longer has).
func renderMapElement(m string, addrs []netip.Addr, chain string, cur map[string]string) string {
	var b strings.Builder
	mine := map[string]bool{}
	for _, a := range addrs {
		mine[a.String()] = true
	}
	for k, v := range cur {
		if mine[k] && v != chain || !mine[k] && v == chain {
			fmt.Fprintf(&b, "delete element ip %s %s { %s }\n", sgTable, m, k)
		}
	}
	for _, a := range addrs {
		fmt.Fprintf(&b, "add element ip %s %s { %s : jump %s }\n", sgTable, m, a, chain)
	}
	return b.String()
}

// SetGroupMembers sets the member addresses of a security group in a VPC:
// what rules referencing the group match. Replaces the previous members in
// one transaction; call it whenever an interface joins or leaves the group
// or changes address. Existing connections are unaffected.
func (p *Plane) SetGroupMembers(ctx context.Context, vpcID, groupID string, members []netip.Addr) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, err := p.vpc(vpcID); err != nil {
		return fmt.Errorf("set members of %s: %w", groupID, err)
	}
	if !groupIDRE.MatchString(groupID) {
		return fmt.Errorf("set members: group %q: %w", groupID, ErrInvalid)
	}
	for _, a := range members {
		if !a.Is4() {
			return fmt.Errorf("set members of %s: address %s: want IPv4: %w", groupID, a, ErrInvalid)
		}
	}
	if err := nft(ctx, p.NamespaceOf(vpcID), renderSGBase()+renderMembers(groupID, members)); err != nil {
		return fmt.Errorf("set members of %s: %w", groupID, err)
	}
	return nil
}

// ensureSpoof installs an attached interface's anti-spoofing (the tables
// too), leaving its rules alone.
func ensureSpoof(ctx context.Context, ns string, ifc Interface) error {
	return nft(ctx, ns, renderSGBase()+renderSpoof(ifc))
}

// removeFirewall deletes an interface's chains and the map elements that
// lead to them. Blind: what is gone is skipped.
func removeFirewall(ctx context.Context, ns, eniID string) error {
	var b strings.Builder
	b.WriteString(renderSGBase())
	for _, m := range []struct{ name, chain string }{{"ingress", inChain(eniID)}, {"egress", outChain(eniID)}} {
		cur, err := verdictMap(ctx, ns, "ip", m.name)
		if err != nil {
			return err
		}
		for k, v := range cur {
			if v == m.chain {
				fmt.Fprintf(&b, "delete element ip %s %s { %s }\n", sgTable, m.name, k)
			}
		}
		// add+delete deletes whether or not it existed.
		fmt.Fprintf(&b, "add chain ip %s %s\ndelete chain ip %s %s\n", sgTable, m.chain, sgTable, m.chain)
	}
	tap, as := TapOf(eniID), spoofChain(eniID)
	fmt.Fprintf(&b, "add chain bridge %s %s\n", sgTable, as)
	fmt.Fprintf(&b, "add element bridge %s spoof { %q : jump %s }\n", sgTable, tap, as)
	fmt.Fprintf(&b, "delete element bridge %s spoof { %q }\n", sgTable, tap)
	fmt.Fprintf(&b, "delete chain bridge %s %s\n", sgTable, as)
	return nft(ctx, ns, b.String())
}

// verdictMap reads a map of the security-group table: key → jump target.
func verdictMap(ctx context.Context, ns, family, name string) (map[string]string, error) {
	out, err := run(ctx, "", "ip", "netns", "exec", ns, "nft", "-j", "list", "map", family, sgTable, name)
	if err != nil {
		if strings.Contains(err.Error(), "No such file or directory") {
			return map[string]string{}, nil // the table is made by the same transaction
		}
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
	m := map[string]string{}
	for _, o := range doc.Nftables {
		if o.Map == nil {
			continue
		}
		for _, e := range o.Map.Elem {
			var k string
			var v struct {
				Jump *struct {
					Target string `json:"target"`
				} `json:"jump"`
			}
			if json.Unmarshal(e[0], &k) != nil || json.Unmarshal(e[1], &v) != nil || v.Jump == nil {
				return nil, fmt.Errorf("decode nft map %s: unexpected element %s : %s", name, e[0], e[1])
			}
			m[k] = v.Jump.Target
		}
	}
	return m, nil
}

// isolateBridge makes a subnet bridge route instance↔instance traffic: with
// isolated ports the bridge answers ARP for the whole subnet with its own MAC
// (proxy_arp_pvlan, at once instead of after a random proxy delay), and
// never tells a guest to go direct (no redirects), so every packet between
// instances crosses the forward hook where security groups are enforced.
func isolateBridge(ns, br string) error {
	return inNetns(ns, func() error {
		for _, s := range []struct{ path, val string }{
			{"ipv4/conf/" + br + "/proxy_arp_pvlan", "1"},
			{"ipv4/neigh/" + br + "/proxy_delay", "0"},
			{"ipv4/conf/all/send_redirects", "0"},
			{"ipv4/conf/" + br + "/send_redirects", "0"},
		} {
			if err := os.WriteFile(filepath.Join("/proc/sys/net", s.path), []byte(s.val+"\n"), 0o644); err != nil {
				return fmt.Errorf("sysctl %s in %s: %w", s.path, ns, err)
			}
		}
		return nil
	})
}

// isolatePort stops a bridge port from reaching other isolated ports at
// layer 2; it still reaches the bridge (the router, DHCP, IMDS).
func isolatePort(ctx context.Context, ns, port string) error {
	return ip(ctx, ns, "link", "set", "dev", port, "type", "bridge_slave", "isolated", "on")
}
