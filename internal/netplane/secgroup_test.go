package netplane

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

var anywhere = netip.MustParsePrefix("0.0.0.0/0")

// openFirewall lets everything in and out, for tests about something else.
var openFirewall = InterfaceFirewall{
	Ingress: []FirewallRule{{Protocol: "-1", CIDR: anywhere}},
	Egress:  []FirewallRule{{Protocol: "-1", CIDR: anywhere}},
}

// allowOut is a new group's outbound default.
var allowOut = []FirewallRule{{Protocol: "-1", CIDR: anywhere}}

// guestOnTap is a guest whose eth0's peer is the interface's tap itself (a
// veth renamed to the tap's name), so that per-tap anti-spoofing and port
// isolation apply as they do to a VM.
func (e *testEnv) guestOnTap(ifc Interface) *guest {
	t := e.t
	t.Helper()
	ctx := context.Background()
	vns, tap := e.p.NamespaceOf(ifc.VPC), TapOf(ifc.ID)
	e.guests++
	g := &guest{ns: fmt.Sprintf("%s-guest%d", e.prefix, e.guests), mac: ifc.MAC}
	tmp := fmt.Sprintf("%sg%d", e.prefix, e.guests)
	must(t, ip(ctx, "", "netns", "add", g.ns))
	t.Cleanup(func() { _ = ip(context.Background(), "", "netns", "del", g.ns) })
	must(t, delLink(ctx, vns, tap))
	must(t, ip(ctx, "", "link", "add", tmp, "type", "veth", "peer", "name", "eth0", "netns", g.ns))
	must(t, ip(ctx, "", "link", "set", tmp, "netns", vns))
	must(t, ip(ctx, vns, "link", "set", "dev", tmp, "name", tap))
	must(t, ip(ctx, vns, "link", "set", "dev", tap, "alias", ifc.ID))
	_, err := e.p.AttachInterface(ctx, ifc) // enslaves, isolates, anti-spoofs
	must(t, err)
	must(t, ip(ctx, g.ns, "link", "set", "eth0", "address", ifc.MAC.String()))
	must(t, ip(ctx, g.ns, "link", "set", "eth0", "up"))
	must(t, ip(ctx, g.ns, "link", "set", "lo", "up"))
	return g
}

// dialFrom connects from namespace ns (optionally from a given local
// address) and reports whether it connected, was refused or timed out.
func dialFrom(ns string, local netip.Addr, addr string, timeout time.Duration) (net.Conn, error) {
	var c net.Conn
	d := net.Dialer{Timeout: timeout}
	if local.IsValid() {
		d.LocalAddr = &net.TCPAddr{IP: local.AsSlice()}
	}
	dial := func() (err error) { c, err = d.Dial("tcp4", addr); return err }
	if ns == "" {
		return c, dial()
	}
	err := inNetns(ns, dial)
	return c, err
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// wantTimeout checks that a connection attempt is silently dropped.
func wantTimeout(t *testing.T, what, ns, addr string) {
	t.Helper()
	c, err := dialFrom(ns, netip.Addr{}, addr, 700*time.Millisecond)
	if err == nil {
		c.Close()
		t.Errorf("%s: connected, want a timeout", what)
	} else if !isTimeout(err) {
		t.Errorf("%s: %v, want a timeout (a silent drop, no reset or unreachable)", what, err)
	}
}

// waitConnect polls until a connection succeeds and returns how long it took.
func waitConnect(t *testing.T, what, ns, addr string, start time.Time) time.Duration {
	t.Helper()
	for time.Since(start) < 5*time.Second {
		c, err := dialFrom(ns, netip.Addr{}, addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return time.Since(start)
		}
	}
	t.Errorf("%s: no connection within 5s", what)
	return 0
}

// echo serves line echo, for connections that outlive a rule change.
func echo(t *testing.T, ns, addr string) {
	t.Helper()
	var l net.Listener
	must(t, inNetns(ns, func() (err error) { l, err = net.Listen("tcp4", addr); return err }))
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				sc := bufio.NewScanner(c)
				for sc.Scan() {
					fmt.Fprintln(c, sc.Text())
				}
			}()
		}
	}()
}

func roundTrip(c net.Conn, msg string) error {
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := fmt.Fprintln(c, msg); err != nil {
		return err
	}
	got, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if strings.TrimSpace(got) != msg {
		return fmt.Errorf("echo %q, want %q", got, msg)
	}
	return nil
}

func TestSecurityGroups(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	p, ctx := e.p, context.Background()
	const vpc = "vpc-0sg00000000000001"
	const subA, subB = "subnet-0sg0000000000a", "subnet-0sg0000000000b"
	ns := p.NamespaceOf(vpc)
	must(t, p.EnsureVPC(ctx, vpc, defaultVPC))
	must(t, p.EnsureSubnet(ctx, vpc, subA, subnetA))
	must(t, p.EnsureSubnet(ctx, vpc, subB, subnetB))
	hl, err := link(ctx, "", p.hostLinkOf(vpc))
	must(t, err)
	ln, _ := linkNetOf(hl)

	ifcA := Interface{ID: "eni-0sg000000000000a", VPC: vpc, Subnet: subA, MAC: mustMAC("02:4b:00:00:05:0a"),
		PrivateIP: netip.MustParseAddr("172.31.0.10"), PublicIP: e.publicIP(50)}
	ifcB := Interface{ID: "eni-0sg000000000000b", VPC: vpc, Subnet: subA, MAC: mustMAC("02:4b:00:00:05:0b"),
		PrivateIP: netip.MustParseAddr("172.31.0.11")}
	ifcC := Interface{ID: "eni-0sg000000000000c", VPC: vpc, Subnet: subB, MAC: mustMAC("02:4b:00:00:05:0c"),
		PrivateIP: netip.MustParseAddr("172.31.16.20")}
	guests := map[string]*guest{}
	for _, ifc := range []Interface{ifcA, ifcB, ifcC} {
		_, err := p.AttachInterface(ctx, ifc)
		must(t, err)
		// Deny all, both ways: DHCP and IMDS must still work.
		must(t, p.SetFirewall(ctx, ifc, InterfaceFirewall{}))
		g := e.guestOnTap(ifc)
		lease := g.dhcp(t)
		if lease["ip"] != ifc.PrivateIP.String() {
			t.Fatalf("%s lease = %v", ifc.ID, lease)
		}
		g.configure(t, lease)
		guests[ifc.ID] = g
	}
	gA, gB, gC := guests[ifcA.ID].ns, guests[ifcB.ID].ns, guests[ifcC.ID].ns
	l, err := p.ListenInVPC(vpc, "169.254.169.254:80")
	must(t, err)
	serve(t, l)
	if got, err := ask(gA, "169.254.169.254:80", 5*time.Second); err != nil || got != "172.31.0.10" {
		t.Errorf("imds with deny-all rules: %q, %v", got, err)
	}

	listenIn(t, gA, "172.31.0.10:8080")
	echo(t, gA, "172.31.0.10:9090")
	aPort := "172.31.0.10:8080"
	pubA := netip.AddrPortFrom(ifcA.PublicIP, 8080).String()

	t.Run("default deny inbound", func(t *testing.T) {
		wantTimeout(t, "same subnet B → A", gB, aPort)
		wantTimeout(t, "other subnet C → A", gC, aPort)
		wantTimeout(t, "host → public ip of A", "", pubA)
	})

	t.Run("layer 2 between instances is closed", func(t *testing.T) {
		// Even with A open to all, B's frames only reach A through the router:
		// B's ARP for A is answered by the bridge.
		must(t, p.SetFirewall(ctx, ifcA, InterfaceFirewall{Ingress: openFirewall.Ingress, Egress: allowOut}))
		must(t, p.SetFirewall(ctx, ifcB, InterfaceFirewall{Egress: allowOut}))
		if _, err := ask(gB, aPort, 5*time.Second); err != nil {
			t.Fatalf("B → A with A open: %v", err)
		}
		out, err := run(ctx, "", "ip", "-n", gB, "neigh", "show", "172.31.0.10")
		must(t, err)
		if !strings.Contains(string(out), bridgeMAC(subA).String()) {
			t.Errorf("B's neighbour entry for A = %q, want the bridge's MAC %s", out, bridgeMAC(subA))
		}
	})

	t.Run("cidr rule", func(t *testing.T) {
		start := time.Now()
		must(t, p.SetFirewall(ctx, ifcA, InterfaceFirewall{Egress: allowOut, Ingress: []FirewallRule{
			{Protocol: "tcp", FromPort: 8080, ToPort: 8081, CIDR: netip.MustParsePrefix("172.31.0.11/32")}}}))
		applied := time.Since(start)
		enforced := waitConnect(t, "B → A:8080 after allowing B", gB, aPort, start)
		t.Logf("SetFirewall took %v; first connection %v after the call", applied, enforced)
		wantTimeout(t, "C → A (not allowed)", gC, aPort)
		_, err := dialFrom(gB, netip.Addr{}, "172.31.0.10:8081", 2*time.Second)
		if !errors.Is(err, syscall.ECONNREFUSED) {
			t.Errorf("B → A closed port 8081: %v, want connection refused from A's stack", err)
		}
		wantTimeout(t, "B → A:8082 (port not allowed)", gB, "172.31.0.10:8082")
	})

	t.Run("host via public ip", func(t *testing.T) {
		wantTimeout(t, "host → A before allowed", "", pubA)
		must(t, p.SetFirewall(ctx, ifcA, InterfaceFirewall{Egress: allowOut, Ingress: []FirewallRule{
			{Protocol: "tcp", FromPort: 8080, ToPort: 8080, CIDR: HostSource}}}))
		if got, err := ask("", pubA, 5*time.Second); err != nil || got != ln.Host.String() {
			t.Errorf("host → A: saw %q, %v; want %s", got, err, ln.Host)
		}
		wantTimeout(t, "B → A (only the host allowed)", gB, aPort)
	})

	t.Run("group reference", func(t *testing.T) {
		must(t, p.SetFirewall(ctx, ifcA, InterfaceFirewall{Egress: allowOut, Ingress: []FirewallRule{
			{Protocol: "tcp", FromPort: 8080, ToPort: 8080, Group: "sg-0web"}}}))
		wantTimeout(t, "C → A before C is a member", gC, aPort)
		must(t, p.SetFirewall(ctx, ifcC, InterfaceFirewall{Egress: allowOut}))
		start := time.Now()
		must(t, p.SetGroupMembers(ctx, vpc, "sg-0web", []netip.Addr{ifcC.PrivateIP}))
		enforced := waitConnect(t, "C → A once C is a member", gC, aPort, start)
		t.Logf("SetGroupMembers → first connection: %v", enforced)
		wantTimeout(t, "B → A (not a member)", gB, aPort)
		must(t, p.SetGroupMembers(ctx, vpc, "sg-0web", nil))
		wantTimeout(t, "C → A after C left", gC, aPort)
	})

	t.Run("egress", func(t *testing.T) {
		// B allows everything in; A may only send to C's subnet.
		must(t, p.SetFirewall(ctx, ifcB, openFirewall))
		listenIn(t, gB, "172.31.0.11:8080")
		must(t, p.SetFirewall(ctx, ifcA, InterfaceFirewall{Egress: []FirewallRule{{Protocol: "-1", CIDR: subnetB}}}))
		wantTimeout(t, "A → B (egress denied)", gA, "172.31.0.11:8080")
		must(t, p.SetFirewall(ctx, ifcA, InterfaceFirewall{Egress: allowOut}))
		if _, err := ask(gA, "172.31.0.11:8080", 5*time.Second); err != nil {
			t.Errorf("A → B with egress open: %v", err)
		}
	})

	t.Run("removing a rule keeps established flows", func(t *testing.T) {
		allow := InterfaceFirewall{Egress: allowOut, Ingress: []FirewallRule{
			{Protocol: "tcp", FromPort: 9090, ToPort: 9090, CIDR: subnetA}}}
		must(t, p.SetFirewall(ctx, ifcA, allow))
		c, err := dialFrom(gB, netip.Addr{}, "172.31.0.10:9090", 5*time.Second)
		must(t, err)
		defer c.Close()
		must(t, roundTrip(c, "before"))
		start := time.Now()
		must(t, p.SetFirewall(ctx, ifcA, InterfaceFirewall{Egress: allowOut}))
		t.Logf("rule removal applied in %v", time.Since(start))
		if err := roundTrip(c, "after"); err != nil {
			t.Errorf("established connection after rule removal: %v", err)
		}
		wantTimeout(t, "new B → A:9090 after removal", gB, "172.31.0.10:9090")
	})

	t.Run("anti-spoofing", func(t *testing.T) {
		must(t, p.SetFirewall(ctx, ifcA, InterfaceFirewall{Egress: allowOut, Ingress: []FirewallRule{
			{Protocol: "tcp", FromPort: 8080, ToPort: 8080, CIDR: subnetA}}}))
		if _, err := ask(gB, aPort, 5*time.Second); err != nil {
			t.Fatalf("B → A from its own address: %v", err)
		}
		spoof := netip.MustParseAddr("172.31.0.99")
		must(t, ip(ctx, gB, "addr", "add", spoof.String()+"/32", "dev", "eth0"))
		c, err := dialFrom(gB, spoof, aPort, 700*time.Millisecond)
		if err == nil {
			c.Close()
			t.Error("B → A from a spoofed address connected")
		} else if !isTimeout(err) {
			t.Errorf("B → A from a spoofed address: %v, want a timeout", err)
		}
		must(t, ip(ctx, gB, "addr", "del", spoof.String()+"/32", "dev", "eth0"))
		// A foreign MAC is dropped too, even with B's own address.
		must(t, ip(ctx, gB, "link", "set", "eth0", "address", "02:4b:00:00:05:99"))
		must(t, ip(ctx, gB, "neigh", "flush", "dev", "eth0"))
		wantTimeout(t, "B → A with a spoofed MAC", gB, aPort)
		must(t, ip(ctx, gB, "link", "set", "eth0", "address", ifcB.MAC.String()))
	})

	t.Run("1000 rules", func(t *testing.T) {
		var manyPorts, manyCIDRs InterfaceFirewall
		for i := range 1000 {
			manyPorts.Ingress = append(manyPorts.Ingress, FirewallRule{Protocol: "tcp", FromPort: int32(20000 + i), ToPort: int32(20000 + i),
				CIDR: netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(i >> 8), byte(i), 0}), 24)})
			manyCIDRs.Ingress = append(manyCIDRs.Ingress, FirewallRule{Protocol: "tcp", FromPort: 8080, ToPort: 8080,
				CIDR: netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 200, byte(i >> 8), byte(i)}), 32)})
		}
		manyPorts.Ingress = append(manyPorts.Ingress, FirewallRule{Protocol: "tcp", FromPort: 8080, ToPort: 8080, CIDR: subnetA})
		manyCIDRs.Ingress = append(manyCIDRs.Ingress, FirewallRule{Protocol: "tcp", FromPort: 8080, ToPort: 8080, CIDR: subnetA})
		for name, fw := range map[string]InterfaceFirewall{"1000 port rules": manyPorts, "1000 cidrs, one port": manyCIDRs} {
			fw.Egress = allowOut
			for range 2 {
				start := time.Now()
				must(t, p.SetFirewall(ctx, ifcA, fw))
				t.Logf("SetFirewall with %s: %v", name, time.Since(start))
			}
			if _, err := ask(gB, aPort, 5*time.Second); err != nil {
				t.Errorf("B → A with %s: %v", name, err)
			}
		}
		members := make([]netip.Addr, 1000)
		for i := range members {
			members[i] = netip.AddrFrom4([4]byte{172, 31, byte(32 + i/250), byte(1 + i%250)})
		}
		start := time.Now()
		must(t, p.SetGroupMembers(ctx, vpc, "sg-0big", members))
		t.Logf("SetGroupMembers with 1000 members: %v", time.Since(start))
	})

	t.Run("detach removes the chains", func(t *testing.T) {
		for range 2 {
			must(t, p.DetachInterface(ctx, ifcA))
		}
		out, err := run(ctx, "", "ip", "netns", "exec", ns, "nft", "list", "ruleset")
		must(t, err)
		for _, s := range []string{inChain(ifcA.ID), outChain(ifcA.ID), spoofChain(ifcA.ID), "172.31.0.10", TapOf(ifcA.ID)} {
			if strings.Contains(string(out), s) {
				t.Errorf("%s left in the ruleset after detach", s)
			}
		}
		if !strings.Contains(string(out), inChain(ifcB.ID)) {
			t.Errorf("detaching A removed B's chain")
		}
	})
	must(t, p.DeleteVPC(ctx, vpc))
	if _, err := os.Stat(netnsDir + "/" + ns); err == nil {
		t.Errorf("namespace %s left", ns)
	}
}

// The golden rulesets are accepted by the kernel as written, in one
// transaction, and applying them again changes nothing (idempotent).
func TestSecurityGroupGoldenApplies(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	ctx := context.Background()
	ns := e.prefix + "-golden"
	must(t, ip(ctx, "", "netns", "add", ns))
	t.Cleanup(func() { _ = ip(context.Background(), "", "netns", "del", ns) })
	var script strings.Builder
	for _, f := range []string{"secgroup_base.nft", "secgroup_iface.nft", "secgroup_members.nft"} {
		b, err := os.ReadFile("testdata/" + f)
		must(t, err)
		script.Write(b)
	}
	must(t, nft(ctx, ns, script.String()))
	first, err := run(ctx, "", "ip", "netns", "exec", ns, "nft", "list", "ruleset")
	must(t, err)
	must(t, nft(ctx, ns, script.String()))
	second, err := run(ctx, "", "ip", "netns", "exec", ns, "nft", "list", "ruleset")
	must(t, err)
	if string(first) != string(second) {
		t.Errorf("re-applying changed the ruleset:\n%s\n---\n%s", first, second)
	}
	if !strings.Contains(string(first), "elements = { 172.31.0.11, 172.31.16.20 }") {
		t.Errorf("group members missing:\n%s", first)
	}
}
