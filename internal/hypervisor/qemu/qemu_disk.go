package qemu

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/kumo-cloud/kumo/internal/hypervisor"
	"github.com/kumo-cloud/kumo/internal/qmp"
)

// AttachDisk hot-plugs d into a free PCIe root port; see hypervisor.Driver.
func (d *Driver) AttachDisk(ctx context.Context, id string, disk hypervisor.Disk) error {
	if err := disk.Validate(); err != nil {
		return fmt.Errorf("attach disk to %s: %w", id, err)
	}
	if disk.Serial == "" {
		return fmt.Errorf("attach disk to %s: %w: hot-plugged disks need a serial to be detached by",
			id, hypervisor.ErrInvalidSpec)
	}
	v, _, mon, err := d.liveMonitor(id)
	if err != nil {
		return fmt.Errorf("attach disk %s to %s: %w", disk.Serial, id, err)
	}
	v.plugMu.Lock()
	defer v.plugMu.Unlock()
	if err := attach(ctx, mon, disk); err != nil {
		return fmt.Errorf("attach disk %s to %s: %w", disk.Serial, id, err)
	}
	v.log.Info("disk attached", "serial", disk.Serial, "bus", disk.Bus)
	return nil
}

func attach(ctx context.Context, mon *qmp.Monitor, disk hypervisor.Disk) error {
	dev := diskDeviceID(disk, 0)
	topo, err := queryTopology(ctx, mon)
	if err != nil {
		return err
	}
	if topo.has(dev) {
		return nil
	}
	port := topo.freePort()
	if port == "" {
		return errors.New("no free pcie root port")
	}
	// Nodes left by an attach or detach that failed halfway would make
	// blockdev-add fail on their names; the device is absent, so they are
	// unused and safe to drop.
	if err := delBlockNodes(ctx, mon, dev); err != nil {
		return err
	}

	u := newUndo()
	defer u.fail()
	undoCtx := func() (context.Context, context.CancelFunc) {
		return context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	}
	if tg := throttleGroup(dev, disk); tg != nil {
		if err := mon.Execute(ctx, "object-add", tg, nil); err != nil {
			return err
		}
		u.add(func() {
			ctx, cancel := undoCtx()
			defer cancel()
			mon.Execute(ctx, "object-del", map[string]string{"id": "tg-" + dev}, nil)
		})
	}
	if err := mon.Execute(ctx, "blockdev-add", blockdev(dev, disk), nil); err != nil {
		return err
	}
	u.add(func() {
		ctx, cancel := undoCtx()
		defer cancel()
		mon.Execute(ctx, "blockdev-del", map[string]string{"node-name": topNode(dev, disk)}, nil)
	})
	driver := "virtio-blk-pci"
	if disk.Bus == "nvme" {
		driver = "nvme"
	}
	args := map[string]string{"driver": driver, "id": dev, "bus": port, "drive": topNode(dev, disk), "serial": disk.Serial}
	if err := mon.Execute(ctx, "device_add", args, nil); err != nil {
		return err
	}
	u.success()
	return nil
}

// DetachDisk hot-unplugs the disk with serial; see hypervisor.Driver.
func (d *Driver) DetachDisk(ctx context.Context, id, serial string) error {
	if err := hypervisor.ValidateSerial(serial); err != nil {
		return fmt.Errorf("detach disk from %s: %w", id, err)
	}
	v, r, mon, err := d.liveMonitor(id)
	if err != nil {
		return fmt.Errorf("detach disk %s from %s: %w", serial, id, err)
	}
	dev := diskDeviceID(hypervisor.Disk{Serial: serial}, 0)
	if err := r.unplug(ctx, &v.plugMu, mon, dev); err != nil {
		return fmt.Errorf("detach disk %s from %s: %w", serial, id, err)
	}
	v.log.Info("disk detached", "serial", serial)
	return nil
}

// unplugPoll is how often unplug re-checks, in case DEVICE_DELETED was
// missed or came before this call (a retry after a timeout).
const unplugPoll = 500 * time.Millisecond

// unplugRepress is how long unplug waits before pressing the slot's
// attention button again. Linux's pciehp takes a press within 5 s of the
// previous one (e.g. the one announcing a disk just attached) as "cancel",
// so a detach right after an attach would otherwise wait forever.
const unplugRepress = 6 * time.Second

// unplug asks the guest to release device dev, waits until QEMU has freed
// it, and then removes its block nodes. The device leaves the QOM tree as
// soon as the guest lets go, but QEMU frees it (and sends DEVICE_DELETED)
// only when the last reference drops; until then its block node is in use
// and the image must stay open. plug is held while touching devices, not
// while waiting for the guest, so a slow guest does not hold up attaches.
func (r *run) unplug(ctx context.Context, plug *sync.Mutex, mon *qmp.Monitor, dev string) error {
	r.mu.Lock()
	deleted := r.unplugs[dev]
	if deleted == nil {
		deleted = make(chan struct{})
		r.unplugs[dev] = deleted
	}
	r.mu.Unlock()

	var pressed time.Time
	// step presses the button when due and reports whether the device is
	// gone and its nodes deleted.
	step := func() (bool, error) {
		plug.Lock()
		defer plug.Unlock()
		topo, err := queryTopology(ctx, mon)
		if err != nil {
			return false, err
		}
		if topo.has(dev) {
			if time.Since(pressed) >= unplugRepress {
				pressed = time.Now()
				// An error is usually "unplug already in progress"; the
				// wait tells success from failure either way.
				if err := mon.Execute(ctx, "device_del", map[string]string{"id": dev}, nil); err != nil {
					r.log.Debug("device_del", "device", dev, "err", err)
				}
			}
			return false, nil
		}
		err = delBlockNodes(ctx, mon, dev)
		if ce := (*qmp.CommandError)(nil); errors.As(err, &ce) {
			return false, nil // the node is still in use by the dying device
		}
		return err == nil, err
	}
	t := time.NewTicker(unplugPoll)
	defer t.Stop()
	for {
		if ok, err := step(); ok || err != nil {
			return err
		}
		select {
		case <-deleted:
			deleted = nil // fired once; a nil channel never fires again
		case <-t.C:
		case <-ctx.Done():
			return fmt.Errorf("guest did not release the device: %w", ctx.Err())
		}
	}
}

// delBlockNodes removes the block nodes and throttle group of device dev
// that exist. Deleting the top node frees the nodes below it.
func delBlockNodes(ctx context.Context, mon *qmp.Monitor, dev string) error {
	var nodes []struct {
		NodeName string `json:"node-name"`
	}
	if err := mon.Execute(ctx, "query-named-block-nodes", map[string]bool{"flat": true}, &nodes); err != nil {
		return err
	}
	have := map[string]bool{}
	for _, n := range nodes {
		have[n.NodeName] = true
	}
	for _, name := range []string{dev + "-thr", dev + "-fmt"} {
		if have[name] {
			if err := mon.Execute(ctx, "blockdev-del", map[string]string{"node-name": name}, nil); err != nil {
				return err
			}
			break
		}
	}
	var objs []struct {
		Name string `json:"name"`
	}
	if err := mon.Execute(ctx, "qom-list", map[string]string{"path": "/objects"}, &objs); err != nil {
		return err
	}
	for _, o := range objs {
		if o.Name == "tg-"+dev {
			return mon.Execute(ctx, "object-del", map[string]string{"id": o.Name}, nil)
		}
	}
	return nil
}

// liveMonitor returns a running VM, its run and its monitor, for hot-plug.
func (d *Driver) liveMonitor(id string) (*vm, *run, *qmp.Monitor, error) {
	v, err := d.lookup(id)
	if err != nil {
		return nil, nil, nil, err
	}
	r := v.live()
	if r == nil {
		return nil, nil, nil, hypervisor.ErrNotRunning
	}
	mon := r.monitor()
	if mon == nil {
		return nil, nil, nil, errors.New("qmp unreachable")
	}
	return v, r, mon, nil
}

// topology is what hot-plug needs to know about the VM's devices: which
// exist and which root ports are taken. It comes from QOM rather than
// query-pci, which only sees devices behind a port once the firmware has
// numbered its bus, i.e. not in the first moments after Start.
type topology struct {
	ports   map[string]bool // root port id → has a device behind it
	devices map[string]bool // device ids
}

func queryTopology(ctx context.Context, mon *qmp.Monitor) (topology, error) {
	var children []struct {
		Name string `json:"name"`
		Type string `json:"type"`
	}
	if err := mon.Execute(ctx, "qom-list", map[string]string{"path": "/machine/peripheral"}, &children); err != nil {
		return topology{}, err
	}
	t := topology{ports: map[string]bool{}, devices: map[string]bool{}}
	for _, c := range children {
		if c.Type == "child<pcie-root-port>" {
			if _, seen := t.ports[c.Name]; !seen {
				t.ports[c.Name] = false
			}
			continue
		}
		if !strings.HasPrefix(c.Type, "child<") {
			continue // properties, not devices
		}
		t.devices[c.Name] = true
		var bus string // e.g. /machine/peripheral/rp3/rp3
		args := map[string]string{"path": "/machine/peripheral/" + c.Name, "property": "parent_bus"}
		if err := mon.Execute(ctx, "qom-get", args, &bus); err != nil {
			return topology{}, err
		}
		t.ports[bus[strings.LastIndexByte(bus, '/')+1:]] = true
	}
	return t, nil
}

func (t topology) has(dev string) bool { return t.devices[dev] }

// freePort returns the lowest-numbered empty root port, or "".
func (t topology) freePort() string {
	for i := range len(t.ports) {
		if busy, ok := t.ports[rootPortID(i)]; ok && !busy {
			return rootPortID(i)
		}
	}
	return ""
}
