package agent

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/kumo-cloud/kumo/internal/ec2/instances"
	"github.com/kumo-cloud/kumo/internal/ec2/netif"
	"github.com/kumo-cloud/kumo/internal/ec2/vpc"
	"github.com/kumo-cloud/kumo/internal/netplane"
)

// firewallState remembers what was last installed, so a pass only touches the
// kernel for what changed.
type firewallState struct {
	rules   map[string]string // ENI id → fingerprint of its installed rules
	members map[string]string // VPC id/group id → fingerprint of its member set
}

// syncFirewalls makes the security groups of every running interface on this
// host what the records say: the union of its groups' rules, and each group's
// member addresses for rules that reference groups. It runs every pass, so a
// rule change reaches running instances within a tick.
func (a *Agent) syncFirewalls(ctx context.Context, mine []instances.Instance, enis map[string][]netif.Interface) {
	type vpcKey struct{ region, account, vpc string }
	byVPC := map[vpcKey][]port{}
	live := map[string]bool{}
	for i := range mine {
		in := &mine[i]
		if in.State != instances.Running {
			continue
		}
		k := vpcKey{in.Region, in.Account, in.VPCID}
		// Interfaces still being plugged in get their rules first, so
		// they never pass traffic unfiltered.
		for _, p := range ports(in, enis[in.ID], netif.Attached, netif.Attaching) {
			byVPC[k] = append(byVPC[k], p)
			live[p.eni] = true
		}
	}
	for eni := range a.fw.rules {
		if !live[eni] { // detached: the next attach starts without rules
			delete(a.fw.rules, eni)
		}
	}
	for k, ps := range byVPC {
		groups, err := a.cfg.VPCs.GroupsByID(ctx, k.region, k.account)
		if err != nil {
			a.log.Error("firewall: read security groups", "vpc_id", k.vpc, "err", err)
			continue
		}
		members := map[string][]netip.Addr{}
		for _, p := range ps {
			for _, g := range p.groups {
				for _, ip := range p.ips {
					members[g.ID] = append(members[g.ID], netip.MustParseAddr(ip))
				}
			}
		}
		for gid, g := range groups {
			if g.VPCID != k.vpc {
				continue
			}
			addrs := members[gid]
			slices.SortFunc(addrs, func(x, y netip.Addr) int { return x.Compare(y) })
			fp := fmt.Sprint(addrs)
			key := k.vpc + "/" + gid
			if a.fw.members[key] == fp {
				continue
			}
			if err := a.cfg.Net.SetGroupMembers(ctx, k.vpc, gid, addrs); err != nil {
				a.log.Error("firewall: set group members", "group_id", gid, "err", err)
				continue
			}
			a.fw.members[key] = fp
		}
		for _, p := range ps {
			fw := firewallOf(p.groups, groups)
			fp := fmt.Sprintf("%v %v", p.ips, fw) // addresses pick the chains; rules fill them
			if a.fw.rules[p.eni] == fp {
				continue
			}
			ifc, err := p.iface()
			if err == nil {
				err = a.cfg.Net.SetFirewall(ctx, ifc, fw)
			}
			if err != nil {
				a.log.Error("firewall: set rules", "instance_id", p.in.ID, "eni_id", p.eni, "err", err)
				continue
			}
			a.fw.rules[p.eni] = fp
		}
	}
}

// firewallOf is the union of the rules of an instance's groups, in the data
// plane's terms. IPv6 rules have nothing to match yet (instances have no IPv6).
func firewallOf(refs []instances.GroupRef, groups map[string]*vpc.SecurityGroup) netplane.InterfaceFirewall {
	var fw netplane.InterfaceFirewall
	for _, ref := range refs {
		g := groups[ref.ID]
		if g == nil {
			continue
		}
		fw.Ingress = append(fw.Ingress, planeRules(g.Ingress)...)
		fw.Egress = append(fw.Egress, planeRules(g.Egress)...)
	}
	return fw
}

func planeRules(rules []vpc.Rule) []netplane.FirewallRule {
	var out []netplane.FirewallRule
	for _, r := range rules {
		if r.Protocol == "icmpv6" || r.Protocol == "58" || r.CIDRv6 != "" {
			continue
		}
		fr := netplane.FirewallRule{Protocol: strings.ToLower(r.Protocol), FromPort: r.FromPort, ToPort: r.ToPort}
		switch {
		case r.Group != nil:
			fr.Group = r.Group.GroupID
		case r.CIDRv4 != "":
			p, err := netip.ParsePrefix(r.CIDRv4)
			if err != nil {
				continue
			}
			fr.CIDR = p
		default:
			continue
		}
		if fr.Protocol == "-1" {
			fr.FromPort, fr.ToPort = -1, -1
		}
		out = append(out, fr)
	}
	return out
}
