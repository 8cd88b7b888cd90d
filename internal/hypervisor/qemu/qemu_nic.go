package qemu

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/kumo-cloud/kumo/internal/hypervisor"
	"github.com/kumo-cloud/kumo/internal/qmp"
)

// NIC hot-plug opens the tap by name, as the command line does for the NICs
// given at Start: QEMU runs inside Spec.NetNS (see command), so its
// netdev_add finds the tap there without passing a file descriptor.
//
// A NIC is found by its MAC, read back from QEMU, not by device id: NICs
// given at Start are nic0, nic1… (their ids are part of the command line of
// VMs that may still run) and hot-plugged ones are named after their MAC,
// and either kind must be found again after an agent restart.

// AttachNIC hot-plugs nic into a free PCIe root port; see hypervisor.Driver.
func (d *Driver) AttachNIC(ctx context.Context, id string, nic hypervisor.NIC) error {
	if err := nic.Validate(); err != nil {
		return fmt.Errorf("attach nic to %s: %w", id, err)
	}
	v, r, mon, err := d.liveMonitor(id)
	if err != nil {
		return fmt.Errorf("attach nic %s to %s: %w", nic.MAC, id, err)
	}
	v.plugMu.Lock()
	defer v.plugMu.Unlock()
	attached, err := attachNIC(ctx, mon, r.proc.pid, nic)
	if err != nil {
		return fmt.Errorf("attach nic %s to %s: %w", nic.MAC, id, err)
	}
	if attached {
		v.log.Info("nic attached", "mac", nic.MAC, "tap", nic.Tap)
	}
	return nil
}

// attachNIC adds nic to the QEMU with process id pid unless a NIC with its
// MAC exists, and says whether it did.
func attachNIC(ctx context.Context, mon *qmp.Monitor, pid int, nic hypervisor.NIC) (bool, error) {
	mac := strings.ToLower(nic.MAC)
	topo, err := queryTopology(ctx, mon)
	if err != nil {
		return false, err
	}
	if _, ok, err := findNIC(ctx, mon, topo, mac); err != nil || ok {
		return false, err
	}
	port := topo.freePort()
	if port == "" {
		return false, errNoPort
	}
	// Opening a tap by a name that does not exist creates one, which
	// nothing would ever connect: refuse instead.
	if ok, err := hasInterface(pid, nic.Tap); err != nil || !ok {
		if err == nil {
			err = fmt.Errorf("tap %s not found in the vm's network namespace", nic.Tap)
		}
		return false, err
	}
	dev, netdev := nicDeviceID(mac), netdevID(mac)
	// A backend left by an attach or detach that failed halfway would make
	// netdev_add fail on its id; no device has this MAC, so it is unused.
	if err := delNetdev(ctx, mon, netdev); err != nil {
		return false, err
	}

	u := newUndo()
	defer u.fail()
	args := map[string]any{
		"type": "tap", "id": netdev, "ifname": nic.Tap,
		"script": "no", "downscript": "no",
		"vhost": false, // as on the command line: vhost needs KVM to pay off
	}
	if err := mon.Execute(ctx, "netdev_add", args, nil); err != nil {
		return false, fmt.Errorf("open tap %s: %w", nic.Tap, err)
	}
	u.add(func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		delNetdev(ctx, mon, netdev)
	})
	dargs := map[string]string{
		"driver": "virtio-net-pci", "id": dev, "netdev": netdev, "bus": port, "mac": mac,
		"romfile": "", // no iPXE option ROM, as on the command line
	}
	if err := mon.Execute(ctx, "device_add", dargs, nil); err != nil {
		return false, err
	}
	u.success()
	return true, nil
}

// DetachNIC hot-unplugs the NIC with mac; see hypervisor.Driver.
func (d *Driver) DetachNIC(ctx context.Context, id, mac string) error {
	if err := hypervisor.ValidateMAC(mac); err != nil {
		return fmt.Errorf("detach nic from %s: %w", id, err)
	}
	v, r, mon, err := d.liveMonitor(id)
	if err != nil {
		return fmt.Errorf("detach nic %s from %s: %w", mac, id, err)
	}
	mac = strings.ToLower(mac)
	v.plugMu.Lock()
	nic, found, err := func() (nicDevice, bool, error) {
		topo, err := queryTopology(ctx, mon)
		if err != nil {
			return nicDevice{}, false, err
		}
		nic, found, err := findNIC(ctx, mon, topo, mac)
		if err == nil && !found {
			// A detach interrupted between the device leaving and its
			// backend going (an agent restart) left the tap open.
			err = delNetdev(ctx, mon, netdevID(mac))
		}
		return nic, found, err
	}()
	v.plugMu.Unlock()
	if err != nil {
		return fmt.Errorf("detach nic %s from %s: %w", mac, id, err)
	}
	if !found {
		return nil
	}
	// Once the device has left the tree QEMU has unrealized it, which
	// unhooks the backend; deleting the backend then closes the tap.
	release := func(ctx context.Context) error { return delNetdev(ctx, mon, nic.netdev) }
	if err := r.unplug(ctx, &v.plugMu, mon, nic.id, release); err != nil {
		return fmt.Errorf("detach nic %s from %s: %w", mac, id, err)
	}
	v.log.Info("nic detached", "mac", mac)
	return nil
}

// nicDevice is a virtio-net-pci device and its backend.
type nicDevice struct {
	id, netdev string
}

// findNIC looks among topo's NICs for the one with mac (lower case).
func findNIC(ctx context.Context, mon *qmp.Monitor, topo topology, mac string) (nicDevice, bool, error) {
	for _, dev := range topo.nics {
		path := "/machine/peripheral/" + dev
		var got string
		if err := mon.Execute(ctx, "qom-get", map[string]string{"path": path, "property": "mac"}, &got); err != nil {
			return nicDevice{}, false, err
		}
		if strings.ToLower(got) != mac {
			continue
		}
		n := nicDevice{id: dev}
		if err := mon.Execute(ctx, "qom-get", map[string]string{"path": path, "property": "netdev"}, &n.netdev); err != nil {
			return nicDevice{}, false, err
		}
		return n, true, nil
	}
	return nicDevice{}, false, nil
}

// delNetdev removes backend netdev if it exists.
func delNetdev(ctx context.Context, mon *qmp.Monitor, netdev string) error {
	if netdev == "" {
		return nil
	}
	err := mon.Execute(ctx, "netdev_del", map[string]string{"id": netdev}, nil)
	if ce := (*qmp.CommandError)(nil); errors.As(err, &ce) && ce.Class == "DeviceNotFound" {
		return nil
	}
	return err
}

// hasInterface reports whether a network interface called name exists in
// the network namespace of process pid.
func hasInterface(pid int, name string) (bool, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/net/dev")
	if err != nil {
		return false, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if ifc, _, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(ifc) == name {
			return true, nil
		}
	}
	return false, nil
}

// nicDeviceID and netdevID name a hot-plugged NIC's device and backend
// after its MAC (lower case), e.g. nic-0200ac1f0005. NICs given at Start
// are nic0, net0…, which cannot collide: they have no dash.
func nicDeviceID(mac string) string { return "nic-" + strings.ReplaceAll(mac, ":", "") }
func netdevID(mac string) string    { return "net-" + strings.ReplaceAll(mac, ":", "") }
