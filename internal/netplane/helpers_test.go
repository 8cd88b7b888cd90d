package netplane

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Tests against the real kernel. Each test gets its own name prefix and a
// /24 of 198.19.0.0/16 as its public pool (away from the default pool a
// running Kumo may use), and removes everything it made in t.Cleanup. No
// packet leaves the machine: guests live in namespaces, and the only host
// addresses they reach are the test's own link-local ones.

func requireKernel(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Fatal("netplane kernel tests need root (network namespaces, nftables)")
	}
	for tool, pkg := range map[string]string{"ip": "iproute2", "nft": "nftables", "busybox": "busybox-static (for udhcpc)"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("netplane kernel tests need %q: install %s", tool, pkg)
		}
	}
}

func randHex(n int) string {
	b := make([]byte, (n+1)/2)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)[:n]
}

type testEnv struct {
	t      *testing.T
	p      *Plane
	prefix string
	pool   netip.Prefix
	guests int
}

func newTestEnv(t *testing.T) *testEnv {
	t.Helper()
	requireKernel(t)
	b := make([]byte, 1)
	_, _ = rand.Read(b)
	cfg := Config{
		Prefix:     "kt" + randHex(4),
		PublicPool: netip.PrefixFrom(netip.AddrFrom4([4]byte{198, 19, b[0], 0}), 24),
		Log:        slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	p, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e := &testEnv{t: t, p: p, prefix: cfg.Prefix, pool: p.PublicPool()}
	t.Cleanup(e.sweep)
	return e
}

// sweep removes anything left with the test's prefix, whatever the test did.
func (e *testEnv) sweep() {
	ctx := context.Background()
	_ = e.p.Close()
	entries, _ := os.ReadDir(netnsDir)
	for _, en := range entries {
		if strings.HasPrefix(en.Name(), e.prefix) {
			_ = ip(ctx, "", "netns", "del", en.Name())
		}
	}
	ls, _ := links(ctx, "")
	for _, l := range ls {
		if strings.HasPrefix(l.Name, e.prefix) {
			_ = ip(ctx, "", "link", "del", "dev", l.Name)
		}
	}
	_ = ip(ctx, "", "route", "del", "unreachable", e.pool.String())
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(b)))
	return len(b), nil
}

func (e *testEnv) publicIP(host byte) netip.Addr {
	a := e.pool.Addr().As4()
	a[3] = host
	return netip.AddrFrom4(a)
}

// guest is a namespace standing in for a VM: its eth0 is a veth whose other
// end is enslaved to the subnet bridge where a tap would be.
type guest struct {
	ns  string
	mac net.HardwareAddr
}

func (e *testEnv) newGuest(vpcID, subnetID string, mac net.HardwareAddr) *guest {
	t := e.t
	t.Helper()
	ctx := context.Background()
	e.guests++
	g := &guest{ns: fmt.Sprintf("%s-guest%d", e.prefix, e.guests), mac: mac}
	port := fmt.Sprintf("%sg%d", e.prefix, e.guests)
	vns := e.p.NamespaceOf(vpcID)
	must(t, ip(ctx, "", "netns", "add", g.ns))
	t.Cleanup(func() { _ = ip(context.Background(), "", "netns", "del", g.ns) })
	must(t, ip(ctx, "", "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", g.ns))
	must(t, ip(ctx, "", "link", "set", port, "netns", vns))
	must(t, ip(ctx, vns, "link", "set", port, "master", bridgeOf(subnetID), "up"))
	must(t, ip(ctx, g.ns, "link", "set", "eth0", "address", mac.String()))
	must(t, ip(ctx, g.ns, "link", "set", "eth0", "up"))
	must(t, ip(ctx, g.ns, "link", "set", "lo", "up"))
	return g
}

// dhcp runs busybox udhcpc in the guest and returns what the lease script saw.
func (g *guest) dhcp(t *testing.T) map[string]string {
	t.Helper()
	dir := t.TempDir()
	out := filepath.Join(dir, "lease.env")
	script := filepath.Join(dir, "udhcpc.sh")
	must(t, os.WriteFile(script, []byte("#!/bin/sh\n[ \"$1\" = bound ] && env > "+out+"\nexit 0\n"), 0o755))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "ip", "netns", "exec", g.ns, "busybox", "udhcpc",
		"-i", "eth0", "-n", "-q", "-t", "5", "-T", "1", "-s", script)
	b, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("udhcpc in %s: %v\n%s", g.ns, err, b)
	}
	env := map[string]string{}
	f, err := os.Open(out)
	if err != nil {
		t.Fatalf("udhcpc got no lease: %v\n%s", err, b)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok {
			env[k] = v
		}
	}
	return env
}

// configure applies a lease as a guest's DHCP client would.
func (g *guest) configure(t *testing.T, lease map[string]string) {
	t.Helper()
	ctx := context.Background()
	ones, _ := net.IPMask(net.ParseIP(lease["subnet"]).To4()).Size()
	must(t, ip(ctx, g.ns, "addr", "add", fmt.Sprintf("%s/%d", lease["ip"], ones), "dev", "eth0"))
	must(t, ip(ctx, g.ns, "route", "add", "default", "via", lease["router"]))
}

// serve answers every connection with the remote address it sees.
func serve(t *testing.T, l net.Listener) {
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			fmt.Fprintf(c, "%s\n", c.RemoteAddr())
			c.Close()
		}
	}()
}

// listenIn opens a TCP listener in a namespace ("" for the host).
func listenIn(t *testing.T, ns, addr string) net.Listener {
	t.Helper()
	var l net.Listener
	listen := func() (err error) { l, err = net.Listen("tcp4", addr); return err }
	if ns == "" {
		must(t, listen())
	} else {
		must(t, inNetns(ns, listen))
	}
	serve(t, l)
	return l
}

// ask dials addr from namespace ns ("" for the host) and returns the peer
// address the server reported.
func ask(ns, addr string, timeout time.Duration) (string, error) {
	var c net.Conn
	dial := func() (err error) { c, err = net.DialTimeout("tcp4", addr, timeout); return err }
	var err error
	if ns == "" {
		err = dial()
	} else {
		err = inNetns(ns, dial)
	}
	if err != nil {
		return "", err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(timeout))
	b, err := io.ReadAll(c)
	if err != nil {
		return "", err
	}
	host, _, err := net.SplitHostPort(strings.TrimSpace(string(b)))
	return host, err
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
