package netplane

import (
	"context"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"
)

const (
	testVPC     = "vpc-0e2e00000000000a1"
	testSubnetA = "subnet-0a00000000000000a"
	testSubnetB = "subnet-0b00000000000000b"
)

var (
	defaultVPC = netip.MustParsePrefix("172.31.0.0/16")
	subnetA    = netip.MustParsePrefix("172.31.0.0/20")
	subnetB    = netip.MustParsePrefix("172.31.16.0/20")
)

func TestVPCEndToEnd(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	p, ctx := e.p, context.Background()
	ns := p.NamespaceOf(testVPC)

	for range 2 { // everything is idempotent
		must(t, p.EnsureVPC(ctx, testVPC, defaultVPC))
		must(t, p.EnsureSubnet(ctx, testVPC, testSubnetA, subnetA))
		must(t, p.EnsureSubnet(ctx, testVPC, testSubnetB, subnetB))
	}
	hl, err := link(ctx, "", p.hostLinkOf(testVPC))
	if err != nil || hl == nil {
		t.Fatalf("host link: %v %v", hl, err)
	}
	ln, ok := linkNetOf(hl)
	if !ok {
		t.Fatalf("host link has no /30: %+v", hl.AddrInfo)
	}

	t.Run("no way out", func(t *testing.T) {
		rs, err := routes(ctx, ns, "table", "all")
		must(t, err)
		for _, r := range rs {
			if r.Dst == "default" {
				t.Errorf("vpc namespace has a default route: %+v", r)
			}
		}
		// A route lookup sends nothing.
		if err := ip(ctx, ns, "route", "get", "8.8.8.8"); err == nil {
			t.Error("route lookup of 8.8.8.8 in the vpc namespace succeeded; want unreachable")
		}
		rs, err = routes(ctx, "", "exact", e.pool.String())
		must(t, err)
		if len(rs) != 1 || rs[0].Type != "unreachable" {
			t.Errorf("host route for pool %s = %+v, want unreachable", e.pool, rs)
		}
	})

	ifc1 := Interface{ID: "eni-0e2e0000000000001", VPC: testVPC, Subnet: testSubnetA,
		MAC: mustMAC("02:4b:00:00:00:01"), PrivateIP: netip.MustParseAddr("172.31.0.10"),
		PublicIP: e.publicIP(10), DomainName: "ec2.internal"}
	ifc2 := Interface{ID: "eni-0e2e0000000000002", VPC: testVPC, Subnet: testSubnetA,
		MAC: mustMAC("02:4b:00:00:00:02"), PrivateIP: netip.MustParseAddr("172.31.0.11"),
		Hostname: "web-2", DomainName: "ec2.internal"}
	ifc3 := Interface{ID: "eni-0e2e0000000000003", VPC: testVPC, Subnet: testSubnetB,
		MAC: mustMAC("02:4b:00:00:00:03"), PrivateIP: netip.MustParseAddr("172.31.16.20")}
	for _, ifc := range []Interface{ifc1, ifc1, ifc2, ifc3} {
		tap, err := p.AttachInterface(ctx, ifc)
		must(t, err)
		must(t, p.SetFirewall(ctx, ifc, openFirewall)) // inbound is closed by default
		l, err := link(ctx, ns, tap)
		must(t, err)
		if l == nil || l.Master != bridgeOf(ifc.Subnet) || l.LinkInfo.Kind != "tun" {
			t.Fatalf("tap %s = %+v, want a tap on %s", tap, l, bridgeOf(ifc.Subnet))
		}
	}

	g1 := e.newGuest(testVPC, testSubnetA, ifc1.MAC)
	g2 := e.newGuest(testVPC, testSubnetA, ifc2.MAC)
	g3 := e.newGuest(testVPC, testSubnetB, ifc3.MAC)
	lease := g1.dhcp(t)
	want := map[string]string{"ip": "172.31.0.10", "router": "172.31.0.1", "subnet": "255.255.240.0",
		"hostname": "ip-172-31-0-10", "domain": "ec2.internal", "dns": "172.31.0.2", "mtu": "1500",
		"serverid": "172.31.0.1", "lease": "3600", "broadcast": "172.31.15.255"}
	for k, v := range want {
		if strings.TrimSpace(lease[k]) != v {
			t.Errorf("lease %s = %q, want %q", k, lease[k], v)
		}
	}
	g1.configure(t, lease)
	lease2 := g2.dhcp(t)
	if lease2["ip"] != "172.31.0.11" || lease2["hostname"] != "web-2" {
		t.Errorf("guest 2 lease = %v", lease2)
	}
	g2.configure(t, lease2)
	lease3 := g3.dhcp(t)
	if lease3["ip"] != "172.31.16.20" || lease3["router"] != "172.31.16.1" {
		t.Errorf("guest 3 lease = %v", lease3)
	}
	g3.configure(t, lease3)

	t.Run("unknown mac gets no lease", func(t *testing.T) {
		stranger := e.newGuest(testVPC, testSubnetA, mustMAC("02:4b:00:00:00:99"))
		err := ip(ctx, "", "netns", "exec", stranger.ns, "busybox", "udhcpc", "-i", "eth0", "-n", "-q", "-t", "2", "-T", "1", "-s", "/bin/true")
		if err == nil {
			t.Error("udhcpc with an unregistered MAC got a lease")
		}
	})

	l1 := listenIn(t, g1.ns, "172.31.0.10:8080")
	port := l1.Addr().(*net.TCPAddr).Port
	pub1 := netip.AddrPortFrom(ifc1.PublicIP, uint16(port)).String()

	t.Run("imds reachable through the gateway", func(t *testing.T) {
		l, err := p.ListenInVPC(testVPC, "169.254.169.254:80")
		must(t, err)
		serve(t, l)
		for g, ip := range map[*guest]string{g1: "172.31.0.10", g3: "172.31.16.20"} {
			got, err := ask(g.ns, "169.254.169.254:80", 5*time.Second)
			if err != nil || got != ip {
				t.Errorf("imds from %s: saw %q, %v; want %s", g.ns, got, err, ip)
			}
		}
	})

	t.Run("host reaches public ip", func(t *testing.T) {
		got, err := ask("", pub1, 5*time.Second)
		if err != nil || got != ln.Host.String() {
			t.Errorf("host → %s: server saw %q, %v; want the host's link address %s", pub1, got, err, ln.Host)
		}
	})

	t.Run("guest reaches host as its public ip", func(t *testing.T) {
		hostL := listenIn(t, "", ln.Host.String()+":0")
		got, err := ask(g1.ns, hostL.Addr().String(), 5*time.Second)
		if err != nil || got != ifc1.PublicIP.String() {
			t.Errorf("guest → host: host saw %q, %v; want %s (SNAT)", got, err, ifc1.PublicIP)
		}
		// Without a public IP there is no way to the host at all.
		if got, err := ask(g2.ns, hostL.Addr().String(), 500*time.Millisecond); err == nil {
			t.Errorf("guest without public ip reached the host (host saw %s)", got)
		}
	})

	t.Run("within the vpc", func(t *testing.T) {
		// Same subnet (bridged) and across subnets (routed by the namespace).
		for g, ip := range map[*guest]string{g2: "172.31.0.11", g3: "172.31.16.20"} {
			got, err := ask(g.ns, "172.31.0.10:"+strconv.Itoa(port), 5*time.Second)
			if err != nil || got != ip {
				t.Errorf("%s → 172.31.0.10: server saw %q, %v; want %s", g.ns, got, err, ip)
			}
		}
	})

	t.Run("hairpin through public ips", func(t *testing.T) {
		if got, err := ask(g2.ns, pub1, 500*time.Millisecond); err == nil {
			t.Errorf("guest without public ip reached %s (server saw %s)", pub1, got)
		}
		ifc2.PublicIP = e.publicIP(11)
		_, err := p.AttachInterface(ctx, ifc2)
		must(t, err)
		got, err := ask(g2.ns, pub1, 5*time.Second)
		if err != nil || got != ifc2.PublicIP.String() {
			t.Errorf("guest 2 → %s: server saw %q, %v; want guest 2's public ip %s", pub1, got, err, ifc2.PublicIP)
		}
		// Moving the public IP away removes the old mapping and route.
		ifc2.PublicIP = e.publicIP(12)
		_, err = p.AttachInterface(ctx, ifc2)
		must(t, err)
		checkPublic(t, e, e.publicIP(11), netip.Addr{})
		checkPublic(t, e, e.publicIP(12), ifc2.PrivateIP)
	})

	t.Run("detach removes tap, nat and route", func(t *testing.T) {
		for range 2 {
			must(t, p.DetachInterface(ctx, ifc1))
		}
		if l, _ := link(ctx, ns, TapOf(ifc1.ID)); l != nil {
			t.Errorf("tap %s left after detach", l.Name)
		}
		checkPublic(t, e, ifc1.PublicIP, netip.Addr{})
		if _, err := ask("", pub1, 500*time.Millisecond); err == nil {
			t.Errorf("host still reaches %s after detach", pub1)
		}
	})

	for range 2 {
		must(t, p.DeleteSubnet(ctx, testVPC, testSubnetA))
	}
	if l, _ := link(ctx, ns, bridgeOf(testSubnetA)); l != nil {
		t.Errorf("bridge %s left after DeleteSubnet", l.Name)
	}
	if l, _ := link(ctx, ns, TapOf(ifc2.ID)); l != nil {
		t.Errorf("tap %s left after DeleteSubnet", l.Name)
	}
	checkPublic(t, e, ifc2.PublicIP, netip.Addr{})

	for range 2 {
		must(t, p.DeleteVPC(ctx, testVPC))
	}
	checkGone(t, e)
	// Blind deletes of what no longer exists succeed.
	must(t, p.DeleteSubnet(ctx, testVPC, testSubnetB))
	must(t, p.DetachInterface(ctx, ifc3))
}

// checkPublic checks pub's NAT and host route: mapped to priv, or absent if
// priv is zero.
func checkPublic(t *testing.T, e *testEnv, pub, priv netip.Addr) {
	t.Helper()
	ctx := context.Background()
	ns := e.p.NamespaceOf(testVPC)
	pub2priv, err := natMap(ctx, ns, "pub2priv")
	must(t, err)
	priv2pub, err := natMap(ctx, ns, "priv2pub")
	must(t, err)
	rs, err := routes(ctx, "", "exact", pub.String()+"/32")
	must(t, err)
	if !priv.IsValid() {
		if got, ok := pub2priv[pub]; ok {
			t.Errorf("pub2priv[%s] = %s, want none", pub, got)
		}
		for k, v := range priv2pub {
			if v == pub {
				t.Errorf("priv2pub[%s] = %s, want none", k, v)
			}
		}
		if len(rs) != 0 {
			t.Errorf("host route for %s left: %+v", pub, rs)
		}
		return
	}
	if pub2priv[pub] != priv || priv2pub[priv] != pub {
		t.Errorf("nat for %s: pub2priv %v priv2pub %v, want ↔ %s", pub, pub2priv, priv2pub, priv)
	}
	if len(rs) != 1 || rs[0].Dev != e.p.hostLinkOf(testVPC) {
		t.Errorf("host route for %s = %+v", pub, rs)
	}
}

// checkGone checks that nothing of the plane is left on the host but the
// pool's unreachable route.
func checkGone(t *testing.T, e *testEnv) {
	t.Helper()
	ctx := context.Background()
	if ok, _ := netnsExists(e.p.NamespaceOf(testVPC)); ok {
		t.Errorf("namespace %s left", e.p.NamespaceOf(testVPC))
	}
	ls, err := links(ctx, "")
	must(t, err)
	for _, l := range ls {
		if strings.HasPrefix(l.Name, e.prefix) {
			t.Errorf("host link %s left", l.Name)
		}
	}
	rs, err := routes(ctx, "", "table", "all")
	must(t, err)
	for _, r := range rs {
		pfx, ok := r.prefix()
		if strings.HasPrefix(r.Dev, e.prefix) || ok && pfx.Bits() >= e.pool.Bits() && e.pool.Overlaps(pfx) && r.Type != "unreachable" {
			t.Errorf("host route left: %+v", r)
		}
	}
}
