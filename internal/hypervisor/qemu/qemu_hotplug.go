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

// Hot-plug of disks (qemu_disk.go) and NICs (qemu_nic.go) shares this: a
// view of the VM's devices and root ports read from QEMU itself, so that
// nothing about attached devices has to survive an agent restart, and the
// unplug handshake with the guest.

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
	nics    []string        // ids of the virtio-net-pci devices
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
		if c.Type == "child<virtio-net-pci>" {
			t.nics = append(t.nics, c.Name)
		}
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

// errNoPort: every root port has a device; see hotplugPorts.
var errNoPort = errors.New("no free pcie root port")

// unplugPoll is how often unplug re-checks, in case DEVICE_DELETED was
// missed or came before this call (a retry after a timeout).
const unplugPoll = 500 * time.Millisecond

// unplugRepress is how long unplug waits before pressing the slot's
// attention button again. Linux's pciehp takes a press within 5 s of the
// previous one (e.g. the one announcing a device just attached) as
// "cancel", so a detach right after an attach would otherwise wait forever.
const unplugRepress = 6 * time.Second

// unplug asks the guest to release device dev, waits until the device has
// left QEMU's device tree, and then frees its backend with release. A
// backend may stay in use for a moment after that: QEMU frees a device (and
// sends DEVICE_DELETED) only when its last reference drops, and until then
// a disk's block node is busy and its image must stay open. release says so
// by returning a *qmp.CommandError, and is retried. plug is held while
// touching devices, not while waiting for the guest, so a slow guest does
// not hold up attaches.
func (r *run) unplug(ctx context.Context, plug *sync.Mutex, mon *qmp.Monitor, dev string, release func(context.Context) error) error {
	r.mu.Lock()
	deleted := r.unplugs[dev]
	if deleted == nil {
		deleted = make(chan struct{})
		r.unplugs[dev] = deleted
	}
	r.mu.Unlock()

	var pressed time.Time
	// step presses the button when due and reports whether the device is
	// gone and its backend released.
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
		err = release(ctx)
		if ce := (*qmp.CommandError)(nil); errors.As(err, &ce) {
			return false, nil // the backend is still in use by the dying device
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
