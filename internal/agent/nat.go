package agent

import (
	"context"
	"net/netip"

	"github.com/kumo-cloud/kumo/internal/ec2/instances"
)

// syncPublicIPs makes the public address of every running interface on this
// host what the records say: the instance's address (auto-assigned or
// Elastic) when its subnet routes to an attached internet gateway, none
// otherwise — on AWS a public IP without that route reaches nothing. It runs
// every pass, so an Elastic IP move or a route change applies within a tick
// (at once when the API kicks the agent).
func (a *Agent) syncPublicIPs(ctx context.Context, mine []instances.Instance) {
	type subnetKey struct{ region, account, subnet string }
	routed := map[subnetKey]bool{}
	live := map[string]bool{}
	for i := range mine {
		in := &mine[i]
		if in.State != instances.Running {
			continue
		}
		live[in.ENIID] = true
		if in.AssignPublicIP && in.PublicIP == "" {
			// A disassociated Elastic IP leaves an interface that asked for a
			// public address with a new auto-assigned one, as on AWS.
			got, err := a.ensurePublicIP(ctx, in)
			if err != nil {
				a.log.Error("nat: assign public ip", "instance_id", in.ID, "err", err)
				continue
			}
			in = got
		}
		k := subnetKey{in.Region, in.Account, in.SubnetID}
		r, ok := routed[k]
		if !ok {
			var err error
			if r, err = a.cfg.VPCs.InternetRouted(ctx, in.Region, in.Account, in.SubnetID); err != nil {
				a.log.Error("nat: read routes", "subnet_id", in.SubnetID, "err", err)
				continue
			}
			routed[k] = r
		}
		want := ""
		if r {
			want = in.PublicIP
		}
		if have, ok := a.nat[in.ENIID]; ok && have == want {
			continue
		}
		var pub netip.Addr
		if want != "" {
			pub = netip.MustParseAddr(want)
		}
		if err := a.cfg.Net.SetPublicIP(ctx, in.VPCID, netip.MustParseAddr(in.PrivateIP), pub); err != nil {
			a.log.Error("nat: set public ip", "instance_id", in.ID, "err", err)
			continue
		}
		a.nat[in.ENIID] = want
	}
	for eni := range a.nat {
		if !live[eni] { // stopped or gone: the next boot attaches afresh
			delete(a.nat, eni)
		}
	}
}

// publicIPRouted reports whether the instance's public address should reach
// it now: it has one and its subnet routes to an internet gateway.
func (a *Agent) publicIPRouted(ctx context.Context, in *instances.Instance) (bool, error) {
	if in.PublicIP == "" {
		return false, nil
	}
	return a.cfg.VPCs.InternetRouted(ctx, in.Region, in.Account, in.SubnetID)
}
