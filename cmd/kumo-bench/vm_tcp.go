package main

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"runtime"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// The throughput rows: TCP between two instances of one subnet, first with
// the group holding only the rules the traffic needs, then with 1,000 rules
// in each direction, the most AWS allows on an interface.

// fullRules is the rules per direction of the second throughput row; kumo
// serve runs with --rules-per-security-group at least this.
const fullRules = 1000

// fillerPortBase is the first port of the filler rules, above the ports the
// rows use.
const fillerPortBase = 20000

// testNets are RFC 5737's documentation ranges: no instance or host sends
// from or to them, so rules naming them match none of the rows' packets.
var testNets = []netip.Prefix{
	netip.MustParsePrefix("192.0.2.0/24"),
	netip.MustParsePrefix("198.51.100.0/24"),
	netip.MustParsePrefix("203.0.113.0/24"),
}

// fillerRules are n rules that match none of the rows' traffic, each its
// own nft rule: distinct ports (rules differing only in address would share
// one set lookup) and distinct /32s of the documentation ranges as far as
// they go.
func fillerRules(n int) []types.IpPermission {
	perms := make([]types.IpPermission, n)
	for i := range perms {
		a := testNets[i/256%len(testNets)].Addr().As4()
		a[3] = byte(i % 256)
		cidr := netip.PrefixFrom(netip.AddrFrom4(a), 32).String()
		perms[i] = tcpPermission(int32(fillerPortBase+i), cidr)
	}
	return perms
}

// tcpRates is what the throughput rows measured: Mbit/s per run in the
// fleet's group, which holds only the rules needed, and in the full group;
// and how long each switch to the full group took to be enforced.
type tcpRates struct {
	needed, full []float64
	fullAfter    []float64 // ms
}

// measureTCP boots a second instance in the kept one's subnet and times
// tcp-send from it to tcp-sink in the kept one, alternating both between
// the fleet's group and one holding fullRules rules each way, so that drift
// (the guests warming up, other load on the host) is spread over both rows.
func (f *fleet) measureTCP(ctx context.Context) (tcpRates, error) {
	var r tcpRates
	a, err := f.keptVM(ctx)
	if err != nil {
		return r, err
	}
	if f.group == "" {
		return r, fmt.Errorf("kumo has no security group API")
	}
	priv, subnet, err := f.addresses(ctx, a.id)
	if err != nil {
		return r, err
	}
	full, err := f.fullGroup(ctx)
	if err != nil {
		return r, err
	}
	// The fleet's group gets the one data rule the traffic needs; the SSH
	// rule is its other one.
	if _, err := f.ec2.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{
		GroupId: aws.String(f.group), IpPermissions: []types.IpPermission{tcpPermission(sgPort, "0.0.0.0/0")}}); err != nil {
		return r, fmt.Errorf("authorize tcp/%d: %w", sgPort, err)
	}
	if f.peer == nil {
		f.noteOthers()
		b, _, err := f.boot(ctx, subnet)
		if err != nil {
			return r, fmt.Errorf("boot the second instance: %w", err)
		}
		f.peer = b
	}
	b := f.peer
	vms := []*bootedVM{a, b}
	for _, vm := range vms {
		if err := f.startSink(vm); err != nil {
			return r, err
		}
	}
	// Each group opens one port the other does not, so a port seen open
	// on both instances means both run with that group's rules: an
	// interface's chains are replaced in one transaction, both ways.
	needed := func(ctx context.Context) (time.Duration, error) { return f.switchGroup(ctx, vms, f.group, sgPort) }
	filled := func(ctx context.Context) (time.Duration, error) { return f.switchGroup(ctx, vms, full, fullPort) }
	if _, err := needed(ctx); err != nil {
		return r, err
	}
	to := func(port int) string { return net.JoinHostPort(priv, strconv.Itoa(port)) }
	if _, err := f.tcpSend(b, to(sgPort), time.Second); err != nil { // untimed: TCG translates the path's code first
		return r, err
	}
	for i := range f.cfg.runs {
		if i > 0 {
			if _, err := needed(ctx); err != nil {
				return r, err
			}
		}
		f.noteOthers()
		mbit, err := f.tcpSend(b, to(sgPort), f.cfg.tcpTime)
		if err != nil {
			return r, err
		}
		r.needed = append(r.needed, mbit)
		d, err := filled(ctx)
		if err != nil {
			return r, err
		}
		r.fullAfter = append(r.fullAfter, float64(d)/float64(time.Millisecond))
		if mbit, err = f.tcpSend(b, to(fullPort), f.cfg.tcpTime); err != nil {
			return r, err
		}
		r.full = append(r.full, mbit)
		progress("  tcp %s → %s: %s Mbit/s with the needed rules, %s Mbit/s with %s (enforced %.0f ms after the switch)",
			b.id, a.id, formatNumber(r.needed[i]), formatNumber(mbit), plural(fullRules, "rule", "rules"), r.fullAfter[i])
	}
	f.noteOthers()
	return r, nil
}

// switchGroup makes group the only group of vms and returns once port,
// which only that group opens, is open on each of them, with the time from
// the last call.
func (f *fleet) switchGroup(ctx context.Context, vms []*bootedVM, group string, port int) (time.Duration, error) {
	for _, vm := range vms {
		if _, err := f.ec2.ModifyInstanceAttribute(ctx, &ec2.ModifyInstanceAttributeInput{
			InstanceId: aws.String(vm.id), Groups: []string{group}}); err != nil {
			return 0, fmt.Errorf("move %s to %s: %w", vm.id, group, err)
		}
	}
	since := time.Now()
	var took time.Duration
	for _, vm := range vms {
		d, err := watchPort(ctx, net.JoinHostPort(vm.ip, strconv.Itoa(port)), since, true)
		if err != nil {
			return 0, fmt.Errorf("after moving %s to %s: %w", vm.id, group, err)
		}
		took = max(took, d)
	}
	return took, nil
}

// fullGroup makes a group with fullRules rules each way, those the traffic
// needs last, so that the first packet of a flow walks all the others: out,
// 999 fillers, then the default all-traffic rule; in, tcp/22 (which only
// SSH matches), 998 fillers, then fullPort.
func (f *fleet) fullGroup(ctx context.Context) (string, error) {
	out, err := f.ec2.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{
		GroupName:   aws.String("kumo-bench-full"),
		Description: aws.String(fmt.Sprintf("%d rules each way, the needed ones last", fullRules)),
	})
	if err != nil {
		return "", fmt.Errorf("create security group: %w", err)
	}
	g := out.GroupId
	all := []types.IpPermission{{IpProtocol: aws.String("-1"), IpRanges: []types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}}}
	if _, err := f.ec2.RevokeSecurityGroupEgress(ctx, &ec2.RevokeSecurityGroupEgressInput{GroupId: g, IpPermissions: all}); err != nil {
		return "", fmt.Errorf("revoke the default egress rule: %w", err)
	}
	for fill := fillerRules(fullRules - 1); len(fill) > 0; {
		n := min(len(fill), 100)
		if _, err := f.ec2.AuthorizeSecurityGroupEgress(ctx, &ec2.AuthorizeSecurityGroupEgressInput{GroupId: g, IpPermissions: fill[:n]}); err != nil {
			return "", fmt.Errorf("authorize egress filler rules: %w", err)
		}
		fill = fill[n:]
	}
	if _, err := f.ec2.AuthorizeSecurityGroupEgress(ctx, &ec2.AuthorizeSecurityGroupEgressInput{GroupId: g, IpPermissions: all}); err != nil {
		return "", fmt.Errorf("authorize all egress: %w", err)
	}
	if _, err := f.ec2.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{
		GroupId: g, IpPermissions: []types.IpPermission{tcpPermission(22, "0.0.0.0/0")}}); err != nil {
		return "", fmt.Errorf("allow ssh: %w", err)
	}
	for fill := fillerRules(fullRules - 2); len(fill) > 0; {
		n := min(len(fill), 100)
		if _, err := f.ec2.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: g, IpPermissions: fill[:n]}); err != nil {
			return "", fmt.Errorf("authorize ingress filler rules: %w", err)
		}
		fill = fill[n:]
	}
	if _, err := f.ec2.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{
		GroupId: g, IpPermissions: []types.IpPermission{tcpPermission(fullPort, "0.0.0.0/0")}}); err != nil {
		return "", fmt.Errorf("authorize tcp/%d: %w", fullPort, err)
	}
	in, eg, err := f.ruleCounts(ctx, aws.ToString(g))
	if err != nil {
		return "", err
	}
	if in != fullRules || eg != fullRules {
		return "", fmt.Errorf("group %s holds %d inbound and %d outbound rules, want %d each", aws.ToString(g), in, eg, fullRules)
	}
	return aws.ToString(g), nil
}

// ruleCounts counts a group's rules as DescribeSecurityGroups reports them.
func (f *fleet) ruleCounts(ctx context.Context, group string) (in, out int, err error) {
	res, err := f.ec2.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{group}})
	if err != nil {
		return 0, 0, fmt.Errorf("describe %s: %w", group, err)
	}
	if len(res.SecurityGroups) != 1 {
		return 0, 0, fmt.Errorf("describe %s: %d groups", group, len(res.SecurityGroups))
	}
	count := func(ps []types.IpPermission) int {
		n := 0
		for _, p := range ps {
			n += len(p.IpRanges) + len(p.Ipv6Ranges) + len(p.UserIdGroupPairs) + len(p.PrefixListIds)
		}
		return n
	}
	g := res.SecurityGroups[0]
	return count(g.IpPermissions), count(g.IpPermissionsEgress), nil
}

// addresses returns an instance's private address and subnet.
func (f *fleet) addresses(ctx context.Context, id string) (priv, subnet string, err error) {
	out, err := f.ec2.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
	if err != nil {
		return "", "", fmt.Errorf("describe %s: %w", id, err)
	}
	if len(out.Reservations) != 1 || len(out.Reservations[0].Instances) != 1 {
		return "", "", fmt.Errorf("describe %s: not found", id)
	}
	in := out.Reservations[0].Instances[0]
	priv, subnet = aws.ToString(in.PrivateIpAddress), aws.ToString(in.SubnetId)
	if priv == "" || subnet == "" {
		return "", "", fmt.Errorf("describe %s: private address %q, subnet %q", id, priv, subnet)
	}
	return priv, subnet, nil
}

// tcpSend runs `kumo-guest-agent tcp-send` in vm for d and returns its Mbit/s.
func (f *fleet) tcpSend(vm *bootedVM, addr string, d time.Duration) (float64, error) {
	out, err := runSSH(vm.ssh, fmt.Sprintf("%s tcp-send %s %g", agentPath, addr, d.Seconds()))
	if err != nil {
		return 0, fmt.Errorf("tcp-send in %s: %w", vm.id, err)
	}
	mbit, err := strconv.ParseFloat(keyValues(string(out))["mbit_per_s"], 64)
	if err != nil || mbit <= 0 {
		return 0, fmt.Errorf("tcp-send in %s: unexpected output %q", vm.id, out)
	}
	return mbit, nil
}

// tcpRows are the two throughput rows; no budget is set for them.
func (f *fleet) tcpRows() []bench {
	rates := newLazy(f.measureTCP)
	c := f.cfg
	row := func(name string, pick func(tcpRates) []float64, rules func(tcpRates) string) bench {
		return bench{name: name, unit: "Mbit/s", budget: noBudget, run: func(ctx context.Context) (result, error) {
			r, err := rates.get(ctx)
			if err != nil {
				return result{}, err
			}
			v := pick(r)
			how := fmt.Sprintf("`kumo-guest-agent tcp-send` in one %s kumo-minimal writing zeros for %s to `tcp-sink` in another "+
				"of the same subnet, by private address (routed through the VPC namespace, where the groups are enforced), "+
				"counted until the receiver had read all and closed; %s, alternating with the other throughput row's group "+
				"(ModifyInstanceAttribute of both instances, then waiting until the host sees the port only that group opens), "+
				"after 1 untimed 1 s run%s; %s. The first packet of a connection walks the rules; the rest pass by conntrack "+
				"(`ct state established` comes first), as in AWS's stateful groups. Both guests are emulated and share the "+
				"host's %d cores with their QEMUs' network back ends, so this is a bound of emulation, not of nftables; %s%s",
				vmType, c.tcpTime, runsOf(c.runs, 0), spread("Mbit/s", v), rules(r), runtime.NumCPU(), f.accelNote(), f.othersNote())
			return result{value: median(v), how: how}, nil
		}}
	}
	return []bench{
		row("TCP throughput instance → instance, needed rules only", func(r tcpRates) []float64 { return r.needed },
			func(tcpRates) string {
				return fmt.Sprintf("both in one group holding only the rules needed: in, tcp/22 and tcp/%d from anywhere; out, the default all traffic", sgPort)
			}),
		row("TCP throughput instance → instance, 1,000 rules each way", func(r tcpRates) []float64 { return r.full },
			func(r tcpRates) string {
				return fmt.Sprintf("both in one group holding %s rules each way (kumo serve --rules-per-security-group %d), the needed ones last: "+
					"in, tcp/22, %s rules of distinct ports from /32s of the documentation ranges (RFC 5737), then tcp/%d; "+
					"out, %s such rules, then all traffic; moving both instances into it was enforced after %s ms",
					formatInt(fullRules), fullRules, formatInt(fullRules-2), fullPort, formatInt(fullRules-1), joinNumbers(r.fullAfter))
			}),
	}
}
