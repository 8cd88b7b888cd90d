package netplane

import (
	"context"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"testing"
	"time"
)

// Two accounts' default VPCs have the same CIDR and even the same addresses;
// each lives in its own namespace and is told apart by its public IP.
func TestTwoVPCsSameCIDR(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	p, ctx := e.p, context.Background()
	vpcs := []string{"vpc-0dup0000000000001", "vpc-0dup0000000000002"}
	var links []netip.Prefix
	for i, vpc := range vpcs {
		subnet := "subnet-0dup000000000000" + strconv.Itoa(i)
		must(t, p.EnsureVPC(ctx, vpc, defaultVPC))
		must(t, p.EnsureSubnet(ctx, vpc, subnet, subnetA))
		ifc := Interface{ID: "eni-0dup00000000000" + strconv.Itoa(i), VPC: vpc, Subnet: subnet,
			MAC: mustMAC("02:4b:00:00:01:0" + strconv.Itoa(i)), PrivateIP: netip.MustParseAddr("172.31.0.10"),
			PublicIP: e.publicIP(byte(20 + i))}
		_, err := p.AttachInterface(ctx, ifc)
		must(t, err)
		must(t, p.SetFirewall(ctx, ifc, openFirewall)) // inbound is closed by default
		g := e.newGuest(vpc, subnet, ifc.MAC)
		lease := g.dhcp(t)
		if lease["ip"] != "172.31.0.10" {
			t.Fatalf("vpc %d lease = %v", i, lease)
		}
		g.configure(t, lease)
		// Each guest answers with its own VPC's index, so a mix-up shows.
		var l net.Listener
		must(t, inNetns(g.ns, func() (err error) { l, err = net.Listen("tcp4", "172.31.0.10:7000"); return err }))
		t.Cleanup(func() { l.Close() })
		go func(i int) {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				c.Write([]byte(strconv.Itoa(i) + "\n"))
				c.Close()
			}
		}(i)
		hl, err := link(ctx, "", p.hostLinkOf(vpc))
		must(t, err)
		ln, _ := linkNetOf(hl)
		links = append(links, ln.prefix())
	}
	if links[0].Overlaps(links[1]) {
		t.Errorf("both VPCs link to the host on %v", links[0])
	}
	for i := range vpcs {
		c, err := net.DialTimeout("tcp4", netip.AddrPortFrom(e.publicIP(byte(20+i)), 7000).String(), 5*time.Second)
		if err != nil {
			t.Fatalf("host → vpc %d: %v", i, err)
		}
		b := make([]byte, 8)
		n, _ := c.Read(b)
		c.Close()
		if got := string(b[:n]); got != strconv.Itoa(i)+"\n" {
			t.Errorf("host → public ip of vpc %d reached vpc %q", i, got)
		}
	}
	for _, vpc := range vpcs {
		must(t, p.DeleteVPC(ctx, vpc))
	}
}

// After a restart the kernel state is still there; Restore adopts it and the
// re-registered interfaces get their leases again.
func TestRestore(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	ctx := context.Background()
	const vpc, subnet = "vpc-0rest000000000001", "subnet-0rest00000000001"
	must(t, e.p.EnsureVPC(ctx, vpc, defaultVPC))
	must(t, e.p.EnsureSubnet(ctx, vpc, subnet, subnetA))
	ifc := Interface{ID: "eni-0rest0000000000001", VPC: vpc, Subnet: subnet,
		MAC: mustMAC("02:4b:00:00:02:01"), PrivateIP: netip.MustParseAddr("172.31.0.30"), PublicIP: e.publicIP(30)}
	tap, err := e.p.AttachInterface(ctx, ifc)
	must(t, err)
	g := e.newGuest(vpc, subnet, ifc.MAC)

	must(t, e.p.Close()) // Kumo stops; the kernel keeps everything.
	if l, _ := link(ctx, e.p.NamespaceOf(vpc), tap); l == nil {
		t.Fatal("tap gone after Close")
	}
	p2, err := New(Config{Prefix: e.prefix, PublicPool: e.pool, Log: e.p.log})
	must(t, err)
	e.p = p2 // the sweep closes the new plane
	found, err := p2.Restore(ctx, []Interface{ifc})
	must(t, err)
	if !slices.Equal(found, []string{vpc}) {
		t.Errorf("Restore found %v, want [%s]", found, vpc)
	}
	lease := g.dhcp(t)
	if lease["ip"] != "172.31.0.30" {
		t.Errorf("lease after restore = %v", lease)
	}
	checkNAT(t, p2, vpc, ifc.PublicIP, ifc.PrivateIP)
	must(t, p2.DeleteVPC(ctx, vpc))
}

func checkNAT(t *testing.T, p *Plane, vpc string, pub, priv netip.Addr) {
	t.Helper()
	m, err := natMap(context.Background(), p.NamespaceOf(vpc), "pub2priv")
	must(t, err)
	if m[pub] != priv {
		t.Errorf("pub2priv = %v, want %s → %s", m, pub, priv)
	}
}

// A reconcile pass (EnsureVPC, EnsureSubnet, AttachInterface) repairs kernel
// state removed behind Kumo's back, including under a running DHCP server.
func TestRepair(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	p, ctx := e.p, context.Background()
	const vpc, subnet = "vpc-0fix000000000001", "subnet-0fix00000000001"
	ifc := Interface{ID: "eni-0fix0000000000001", VPC: vpc, Subnet: subnet,
		MAC: mustMAC("02:4b:00:00:03:01"), PrivateIP: netip.MustParseAddr("172.31.0.40"), PublicIP: e.publicIP(40)}
	reconcile := func() {
		t.Helper()
		must(t, p.EnsureVPC(ctx, vpc, defaultVPC))
		must(t, p.EnsureSubnet(ctx, vpc, subnet, subnetA))
		_, err := p.AttachInterface(ctx, ifc)
		must(t, err)
		must(t, p.SetFirewall(ctx, ifc, openFirewall)) // inbound is closed by default
	}
	reconcile()
	ns := p.NamespaceOf(vpc)
	must(t, ip(ctx, "", "link", "del", "dev", p.hostLinkOf(vpc))) // takes the public route along
	must(t, ip(ctx, ns, "link", "del", "dev", bridgeOf(subnet)))
	must(t, ip(ctx, ns, "link", "del", "dev", TapOf(ifc.ID)))
	reconcile()

	g := e.newGuest(vpc, subnet, ifc.MAC)
	lease := g.dhcp(t)
	if lease["ip"] != "172.31.0.40" {
		t.Fatalf("lease after repair = %v", lease)
	}
	g.configure(t, lease)
	l := listenIn(t, g.ns, "172.31.0.40:0")
	if _, err := ask("", netip.AddrPortFrom(ifc.PublicIP, uint16(l.Addr().(*net.TCPAddr).Port)).String(), 5*time.Second); err != nil {
		t.Errorf("host → public ip after repair: %v", err)
	}
	must(t, p.DeleteVPC(ctx, vpc))
}
