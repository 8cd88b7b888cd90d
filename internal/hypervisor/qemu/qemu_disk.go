package qemu

import (
	"context"
	"fmt"
	"math"
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
		return errNoPort
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
	release := func(ctx context.Context) error { return delBlockNodes(ctx, mon, dev) }
	if err := r.unplug(ctx, &v.plugMu, mon, dev, release); err != nil {
		return fmt.Errorf("detach disk %s from %s: %w", serial, id, err)
	}
	v.log.Info("disk detached", "serial", serial)
	return nil
}

// delBlockNodes removes the block nodes and throttle group of device dev
// that exist. It deletes from the top down (throttle filter, live
// snapshot overlays newest first, format node), one node per round and
// looking again after each: a node is freed with the last node above it,
// and only the nodes a blockdev-add made can be deleted by name.
func delBlockNodes(ctx context.Context, mon *qmp.Monitor, dev string) error {
	for {
		var nodes []struct {
			NodeName string `json:"node-name"`
		}
		if err := mon.Execute(ctx, "query-named-block-nodes", map[string]bool{"flat": true}, &nodes); err != nil {
			return err
		}
		next, rank := "", 0
		for _, n := range nodes {
			// thr above every overlay, newer overlays above older ones,
			// fmt below them all; "file" goes with fmt.
			r := 0
			switch kind, gen := nodeKind(dev, n.NodeName); kind {
			case "thr":
				r = math.MaxInt
			case "s":
				r = 1 + gen
			case "fmt":
				r = 1
			}
			if r > rank {
				next, rank = n.NodeName, r
			}
		}
		if next == "" {
			break
		}
		if err := mon.Execute(ctx, "blockdev-del", map[string]string{"node-name": next}, nil); err != nil {
			return err
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
