package agent

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/kumo-cloud/kumo/internal/ec2/instances"
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
func (a *Agent) syncFirewalls(ctx context.Context, mine []instances.Instance) {
	type vpcKey struct{ region, account, vpc string }
	byVPC := map[vpcKey][]*instances.Instance{}
	live := map[string]bool{}
	for i := range mine {
		in := &mine[i]
		if in.State != instances.Running {
			continue
		}
		k := vpcKey{in.Region, in.Account, in.VPCID}
		byVPC[k] = append(byVPC[k], in)
		live[in.ENIID] = true
	}
	for eni := range a.fw.rules {
		if !live[eni] { // detached: the next attach starts without rules
			delete(a.fw.rules, eni)
		}
	}
	for k, insts := range byVPC {
		groups, err := a.cfg.VPCs.GroupsByID(ctx, k.region, k.account)
		if err != nil {
			a.log.Error("firewall: read security groups", "vpc_id", k.vpc, "err", err)
			continue
		}
		members := map[string][]netip.Addr{}
		for _, in := range insts {
			for _, g := range in.Groups {
				members[g.ID] = append(members[g.ID], netip.MustParseAddr(in.PrivateIP))
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
		for _, in := range insts {
			fw := firewallOf(in, groups)
			fp := fmt.Sprintf("%v", fw)
			if a.fw.rules[in.ENIID] == fp {
				continue
			}
			ifc, err := iface(in)
			if err == nil {
				err = a.cfg.Net.SetFirewall(ctx, ifc, fw)
			}
			if err != nil {
				a.log.Error("firewall: set rules", "instance_id", in.ID, "err", err)
				continue
			}
			a.fw.rules[in.ENIID] = fp
		}
	}
}

// firewallOf is the union of the rules of an instance's groups, in the data
// plane's terms. IPv6 rules have nothing to match yet (instances have no IPv6).
func firewallOf(in *instances.Instance, groups map[string]*vpc.SecurityGroup) netplane.InterfaceFirewall {
	var fw netplane.InterfaceFirewall
	for _, ref := range in.Groups {
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
