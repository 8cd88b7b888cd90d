package qemu

import (
	"context"
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/kumo-cloud/kumo/internal/hypervisor"
	"github.com/kumo-cloud/kumo/internal/qmp"
)

// TestHotplugNIC checks NIC hot-plug from QEMU's side, with firmware only:
// the device lands on a free root port with its MAC, QEMU opens the tap
// inside the VM's namespace and closes it on detach, a NIC given at Start
// counts as attached, and an attach that fails leaves nothing behind. The
// guest's side is TestHotplugNICGuest's.
func TestHotplugNIC(t *testing.T) {
	d := newDriver(t)
	spec := testSpec(t)
	nics := testNICs(t, &spec, 2)
	spec.NICs = nics[:1]
	hot := nics[1]
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := d.Start(ctx, spec); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		d.Stop(context.Background(), spec.ID, true)
		d.Cleanup(context.Background(), spec.ID)
	})
	// Let the firmware finish with the PCI bus (see testHotplugDisk).
	waitConsole(t, d, spec.ID, 0, "No bootable device", 30*time.Second)
	mon := d.vms[spec.ID].current().monitor()
	devices := func() map[string]bool {
		t.Helper()
		topo, err := queryTopology(ctx, mon)
		if err != nil {
			t.Fatal(err)
		}
		return topo.devices
	}
	dev := nicDeviceID(hot.MAC)

	if err := d.AttachNIC(ctx, spec.ID, spec.NICs[0]); err != nil {
		t.Errorf("AttachNIC of the NIC given at Start: %v", err)
	}
	if got := len(devices()); got != 1 {
		t.Errorf("after attaching the NIC given at Start again: %d devices, want 1", got)
	}

	if tapCarrier(t, spec.NetNS, hot.Tap) {
		t.Errorf("tap %s has a carrier before attach", hot.Tap)
	}
	if err := d.AttachNIC(ctx, spec.ID, hot); err != nil {
		t.Fatalf("AttachNIC: %v", err)
	}
	topo, err := queryTopology(ctx, mon)
	if err != nil {
		t.Fatal(err)
	}
	if !topo.has(dev) || !topo.ports[rootPortID(1)] {
		t.Errorf("after AttachNIC: devices %v, ports %v; want %s on %s", topo.devices, topo.ports, dev, rootPortID(1))
	}
	n, found, err := findNIC(ctx, mon, topo, hot.MAC)
	if err != nil || !found || n.id != dev || n.netdev != netdevID(hot.MAC) {
		t.Errorf("findNIC(%s) = %+v, %v, %v; want %s on %s", hot.MAC, n, found, err, dev, netdevID(hot.MAC))
	}
	// QEMU, inside the namespace, holds the tap open.
	if !tapCarrier(t, spec.NetNS, hot.Tap) {
		t.Errorf("tap %s has no carrier after attach", hot.Tap)
	}
	upper := hot
	upper.MAC = strings.ToUpper(hot.MAC)
	for _, n := range []hypervisor.NIC{hot, upper} {
		if err := d.AttachNIC(ctx, spec.ID, n); err != nil {
			t.Errorf("AttachNIC %s again: %v", n.MAC, err)
		}
	}
	if got := len(devices()); got != 2 {
		t.Errorf("after attaching %s again: %d devices, want 2", hot.MAC, got)
	}

	if err := d.DetachNIC(ctx, spec.ID, upper.MAC); err != nil {
		t.Fatalf("DetachNIC: %v", err)
	}
	if devices()[dev] {
		t.Errorf("device %s still there after DetachNIC", dev)
	}
	wantNoNetdev(t, ctx, mon, netdevID(hot.MAC))
	if tapCarrier(t, spec.NetNS, hot.Tap) {
		t.Errorf("tap %s still has a carrier after detach: QEMU holds it", hot.Tap)
	}
	if err := d.DetachNIC(ctx, spec.ID, hot.MAC); err != nil {
		t.Errorf("DetachNIC again: %v, want no-op", err)
	}

	// Attaches that fail leave nothing: a tap that does not exist (QEMU
	// would make one, connected to nothing) and one QEMU holds already.
	for _, tap := range []string{"nosuchtap", spec.NICs[0].Tap} {
		if err := d.AttachNIC(ctx, spec.ID, hypervisor.NIC{Tap: tap, MAC: hot.MAC}); err == nil {
			t.Fatalf("AttachNIC on tap %s succeeded", tap)
		} else {
			t.Logf("AttachNIC on tap %s: %v", tap, err)
		}
		if got := len(devices()); got != 1 {
			t.Errorf("after a failed attach: %d devices, want 1", got)
		}
		wantNoNetdev(t, ctx, mon, netdevID(hot.MAC))
	}
	if ok, _ := hasInterface(d.vms[spec.ID].current().proc.pid, "nosuchtap"); ok {
		t.Error("a failed attach created tap nosuchtap")
	}
}

// wantNoNetdev checks that QEMU has no backend named netdev.
func wantNoNetdev(t *testing.T, ctx context.Context, mon *qmp.Monitor, netdev string) {
	t.Helper()
	// netdev_del of an absent backend fails with DeviceNotFound; if the
	// backend was there, this removes it, and the test fails anyway.
	err := mon.Execute(ctx, "netdev_del", map[string]string{"id": netdev}, nil)
	if ce := (*qmp.CommandError)(nil); !errors.As(err, &ce) || ce.Class != "DeviceNotFound" {
		t.Errorf("netdev %s is still there (netdev_del: %v)", netdev, err)
	}
}

// tapCarrier reports whether a process holds tap open.
func tapCarrier(t *testing.T, ns, tap string) bool {
	t.Helper()
	out, err := exec.Command("ip", "-n", ns, "-o", "link", "show", "dev", tap).CombinedOutput()
	if err != nil {
		t.Fatalf("ip link show %s: %v: %s", tap, err, out)
	}
	return !strings.Contains(string(out), "NO-CARRIER")
}

// waitConsole polls the VM's console until want appears after byte offset
// from, and returns the offset just past it.
func waitConsole(t *testing.T, d *Driver, id string, from int, want string, timeout time.Duration) int {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		out, err := d.Console(context.Background(), id)
		if err != nil {
			t.Fatalf("Console: %v", err)
		}
		if from < len(out) {
			if i := strings.Index(string(out[from:]), want); i >= 0 {
				return from + i + len(want)
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("console never showed %q within %v; it ends:\n%s", want, timeout, tail(out, 3000))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func tail(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}
