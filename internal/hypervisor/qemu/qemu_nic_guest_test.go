package qemu

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/kumo-cloud/kumo/internal/hypervisor"
)

// TestHotplugNICGuest attaches a second interface to kumo-minimal and
// checks what the guest makes of it, as ec2-net-utils would on Amazon
// Linux: eth1 gets its address by DHCP within seconds, with a routing table
// and rule of its own, while the default route and resolv.conf stay eth0's;
// detaching it removes both; and one present at boot comes up too. The VPC is a bridge in a throwaway namespace
// with busybox udhcpd on it and a fake metadata service whose user data
// prints the guest's network state on the console whenever it changes.
func TestHotplugNICGuest(t *testing.T) {
	if testing.Short() {
		t.Skip("boots kumo-minimal under TCG; skipped with -short")
	}
	requireQEMU(t)
	if _, err := exec.LookPath("busybox"); err != nil {
		t.Fatalf("busybox is required for its udhcpd (apt-get install busybox): %v", err)
	}
	img := kumoMinimal(t)
	d := newDriver(t)
	spec := testSpec(t)
	spec.MemoryMiB = 256
	spec.Kernel, spec.Initrd, spec.Cmdline = img.Kernel, img.Initrd, img.Cmdline
	spec.Disks = []hypervisor.Disk{{Path: overlay(t, img.RootDisk), Format: "qcow2", Serial: "vol0root"}}
	ns := testNetNS(t, &spec)
	primary := hypervisor.NIC{Tap: "tap0", MAC: "02:00:ac:1f:63:0a"}
	second := hypervisor.NIC{Tap: "tap1", MAC: "02:00:ac:1f:63:0b"}
	spec.NICs = []hypervisor.NIC{primary}
	fakeVPC(t, ns, []hypervisor.NIC{primary, second}, map[string]string{
		"meta-data/instance-id":    spec.ID,
		"meta-data/local-hostname": "ip-172-31-99-10.ec2.internal",
		"user-data":                netStateScript,
	})

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	began := time.Now()
	if err := d.Start(ctx, spec); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		d.Stop(context.Background(), spec.ID, true)
		d.Cleanup(context.Background(), spec.ID)
	})
	waitConsole(t, d, spec.ID, 0, "kumo-init: network up 172.31.99.10", 2*time.Minute)
	_, pos := waitNetState(t, d, spec.ID, 0, func(string) bool { return true })
	t.Logf("booted, user data running: %v", time.Since(began).Round(time.Millisecond))

	attached := time.Now()
	if err := d.AttachNIC(ctx, spec.ID, second); err != nil {
		t.Fatalf("AttachNIC: %v", err)
	}
	waitConsole(t, d, spec.ID, pos, "kumo-init: eth1 up 172.31.99.11", 30*time.Second)
	t.Logf("AttachNIC → eth1 has its DHCP address: %v", time.Since(attached).Round(time.Millisecond))
	st, pos := waitNetState(t, d, spec.ID, pos, func(s string) bool {
		return strings.Contains(s, "netstate: 10001: from 172.31.99.11 lookup 101") &&
			strings.Contains(s, "netstate: table101 default via 172.31.99.1 dev eth1")
	})
	for _, want := range []string{
		"netstate: inet 172.31.99.10/24 eth0",
		"netstate: inet 172.31.99.11/24 eth1",
		"netstate: default via 172.31.99.1 dev eth0",
		"netstate: 172.31.99.0/24 dev eth1 scope link src 172.31.99.11 metric 1001",
		"netstate: table101 172.31.99.0/24 dev eth1 scope link src 172.31.99.11",
		"netstate: resolv # eth0's", // the marker user data added: eth1 did not rewrite it
	} {
		if !strings.Contains(st, want+"\n") {
			t.Errorf("guest network state lacks %q:\n%s", want, st)
		}
	}
	if strings.Contains(st, "netstate: default via 172.31.99.1 dev eth1") {
		t.Errorf("eth1 took the main default route:\n%s", st)
	}
	t.Logf("guest network state with eth1:\n%s", st)
	// The guest answers on eth1's address.
	if out, err := exec.Command("ip", "netns", "exec", ns, "busybox", "ping", "-c", "1", "-W", "5", "172.31.99.11").CombinedOutput(); err != nil {
		t.Errorf("ping 172.31.99.11: %v\n%s", err, out)
	}

	detached := time.Now()
	if err := d.DetachNIC(ctx, spec.ID, second.MAC); err != nil {
		t.Fatalf("DetachNIC: %v", err)
	}
	t.Logf("DetachNIC took %v", time.Since(detached).Round(time.Millisecond))
	waitConsole(t, d, spec.ID, pos, "kumo-init: eth1 detached", 30*time.Second)
	// The kernel drops eth1's routes with it, and hotplug its rule.
	st, _ = waitNetState(t, d, spec.ID, pos, func(s string) bool {
		return !strings.Contains(s, "eth1") && !strings.Contains(s, "lookup 101")
	})
	if !strings.Contains(st, "netstate: default via 172.31.99.1 dev eth0\n") {
		t.Errorf("default route lost after detach:\n%s", st)
	}

	// An interface present at boot (here: attached again, then a reset)
	// comes up too, and eth0 stays the primary.
	if err := d.AttachNIC(ctx, spec.ID, second); err != nil {
		t.Fatalf("AttachNIC again: %v", err)
	}
	pos = waitConsole(t, d, spec.ID, pos, "kumo-init: eth1 up 172.31.99.11", 30*time.Second)
	reset := time.Now()
	if err := d.Reboot(ctx, spec.ID); err != nil {
		t.Fatalf("Reboot: %v", err)
	}
	waitConsole(t, d, spec.ID, pos, "kumo-init: network up 172.31.99.10", 2*time.Minute)
	waitConsole(t, d, spec.ID, pos, "kumo-init: eth1 up 172.31.99.11", 30*time.Second)
	t.Logf("reset → eth0 and eth1 up again: %v", time.Since(reset).Round(time.Millisecond))

	out, _ := d.Console(ctx, spec.ID)
	for _, line := range strings.Split(string(out), "\n") {
		if strings.Contains(line, "kumo-init:") {
			t.Log(strings.TrimSpace(line))
		}
	}
}

// netStateScript is user data that prints the guest's addresses, routes,
// rules, eth1's table and resolv.conf whenever they change, as one
// "netstate:" block per change.
const netStateScript = `#!/bin/sh
echo "# eth0's" >>/etc/resolv.conf
prev=
while :; do
	cur=$( {
		ip -4 -o addr show | grep ' eth' | awk '{ print $3, $4, $2 }'
		ip route
		ip rule | grep -v -e 'lookup local' -e 'lookup main' -e 'lookup default'
		ip route show table 101 2>/dev/null | sed 's/^/table101 /'
		sed 's/^/resolv /' /etc/resolv.conf
	} 2>&1 | tr -s ' \t' '  ' | sed 's/ *$//')
	if [ "$cur" != "$prev" ]; then
		echo "netstate: begin"
		echo "$cur" | sed 's/^/netstate: /'
		echo "netstate: end"
		prev=$cur
	fi
	sleep 0.3
done
`

// waitNetState waits for a netstate block after console offset from that
// ok accepts, and returns it (without CRs) and the offset past it.
func waitNetState(t *testing.T, d *Driver, id string, from int, ok func(string) bool) (string, int) {
	t.Helper()
	const begin, end = "netstate: begin", "netstate: end"
	deadline := time.Now().Add(30 * time.Second)
	last := "(none)"
	for {
		out, err := d.Console(context.Background(), id)
		if err != nil {
			t.Fatalf("Console: %v", err)
		}
		con := string(out)
		for pos := from; ; {
			b := strings.Index(con[pos:], begin)
			if b < 0 {
				break
			}
			e := strings.Index(con[pos+b:], end)
			if e < 0 {
				break
			}
			block := strings.ReplaceAll(con[pos+b:pos+b+e], "\r", "")
			pos += b + e + len(end)
			last = block
			if ok(block) {
				return block, pos
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the guest's network state never got as wanted; the last:\n%s", last)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// fakeVPC turns namespace ns into a one-subnet VPC for the given NICs'
// taps: a bridge at 172.31.99.1/24, busybox udhcpd giving the i-th NIC
// 172.31.99.(10+i), and a metadata service at 169.254.169.254 serving
// paths under /latest/ (IMDSv2 tokens are handed out but not checked).
func fakeVPC(t *testing.T, ns string, nics []hypervisor.NIC, paths map[string]string) {
	t.Helper()
	ipCmd(t, "-n", ns, "link", "add", "br0", "type", "bridge")
	ipCmd(t, "-n", ns, "addr", "add", "172.31.99.1/24", "dev", "br0")
	ipCmd(t, "-n", ns, "addr", "add", "169.254.169.254/32", "dev", "br0")
	ipCmd(t, "-n", ns, "link", "set", "br0", "up")
	dir := t.TempDir()
	conf := fmt.Sprintf("start 172.31.99.10\nend 172.31.99.20\ninterface br0\n"+
		"lease_file %s/leases\npidfile %s/udhcpd.pid\n"+
		"opt subnet 255.255.255.0\nopt router 172.31.99.1\nopt dns 172.31.99.1\nopt domain ec2.internal\n", dir, dir)
	for i, n := range nics {
		ipCmd(t, "-n", ns, "tuntap", "add", "dev", n.Tap, "mode", "tap")
		ipCmd(t, "-n", ns, "link", "set", n.Tap, "master", "br0", "up")
		conf += fmt.Sprintf("static_lease %s 172.31.99.%d\n", n.MAC, 10+i)
	}
	if err := os.WriteFile(filepath.Join(dir, "udhcpd.conf"), []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "leases"), nil, 0o600)
	dhcpd := exec.Command("ip", "netns", "exec", ns, "busybox", "udhcpd", "-f", filepath.Join(dir, "udhcpd.conf"))
	if err := dhcpd.Start(); err != nil {
		t.Fatalf("udhcpd: %v", err)
	}
	t.Cleanup(func() {
		dhcpd.Process.Kill()
		dhcpd.Wait()
	})

	l := listenInNetNS(t, ns, "169.254.169.254:80")
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut && r.URL.Path == "/latest/api/token" {
			io.WriteString(w, "kumo-test-token")
			return
		}
		body, ok := paths[strings.TrimPrefix(r.URL.Path, "/latest/")]
		if r.Method != http.MethodGet || !ok {
			http.NotFound(w, r)
			return
		}
		io.WriteString(w, body)
	})}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
}

// listenInNetNS listens on addr inside namespace ns. The socket keeps the
// namespace; the thread that made it is never unlocked, so it exits with
// its goroutine instead of returning to the pool in the wrong namespace.
func listenInNetNS(t *testing.T, ns, addr string) net.Listener {
	t.Helper()
	type result struct {
		l   net.Listener
		err error
	}
	ch := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		f, err := os.Open(filepath.Join("/run/netns", ns))
		if err != nil {
			ch <- result{nil, err}
			return
		}
		defer f.Close()
		if err := unix.Setns(int(f.Fd()), unix.CLONE_NEWNET); err != nil {
			ch <- result{nil, fmt.Errorf("setns %s: %w", ns, err)}
			return
		}
		l, err := net.Listen("tcp", addr)
		ch <- result{l, err}
	}()
	r := <-ch
	if r.err != nil {
		t.Fatalf("listen on %s in %s: %v", addr, ns, r.err)
	}
	return r.l
}
