package qemu

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/kumo-cloud/kumo/internal/hypervisor"
	"github.com/kumo-cloud/kumo/internal/qmp"
)

// maxNodeName is QEMU's limit on node names.
const maxNodeName = 31

// SnapshotDisk moves the disk's writes to overlay; see hypervisor.Driver.
//
// The overlay is added as a node of its own with no backing and then made
// the disk's top with blockdev-snapshot, which drains and flushes the old
// top and swaps it under the device (or its throttle filter) in one step.
// QEMU does not rewrite the overlay's header: the backing file it names
// is what a later QEMU opens, so it is checked against the live graph
// before the switch.
func (d *Driver) SnapshotDisk(ctx context.Context, id, serial, overlay string) error {
	if err := hypervisor.ValidateSerial(serial); err != nil {
		return fmt.Errorf("snapshot disk of %s: %w", id, err)
	}
	if !filepath.IsAbs(overlay) {
		return fmt.Errorf("snapshot disk %s of %s: %w: overlay %q is not an absolute path",
			serial, id, hypervisor.ErrInvalidSpec, overlay)
	}
	v, _, mon, err := d.liveMonitor(id)
	if err != nil {
		return fmt.Errorf("snapshot disk %s of %s: %w", serial, id, err)
	}
	v.plugMu.Lock()
	defer v.plugMu.Unlock()
	frozen, err := snapshot(ctx, mon, diskDeviceID(hypervisor.Disk{Serial: serial}, 0), overlay)
	if err != nil {
		return fmt.Errorf("snapshot disk %s of %s: %w", serial, id, err)
	}
	if frozen != "" {
		v.log.Info("disk snapshot", "serial", serial, "frozen", frozen, "overlay", overlay)
	}
	return nil
}

// snapshot makes overlay disk dev's top and returns the file it froze, or
// "" if overlay was the top already.
func snapshot(ctx context.Context, mon *qmp.Monitor, dev, overlay string) (string, error) {
	g, err := readDisk(ctx, mon, dev)
	if err != nil {
		return "", err
	}
	active := g.top.path()
	if sameFile(active, overlay) {
		return "", nil
	}
	for i := g.top.Image.Backing; i != nil; i = i.Backing {
		if sameFile(plainFilename(i.Filename), overlay) {
			// A retry of a snapshot that another has since followed.
			return "", fmt.Errorf("%w: overlay %s is already frozen in the disk's chain", hypervisor.ErrInvalidSpec, overlay)
		}
	}
	// Leftovers of an attempt that stopped between the two steps; the
	// next generation's name may be among them.
	for _, n := range g.dangling {
		if err := mon.Execute(ctx, "blockdev-del", map[string]string{"node-name": n}, nil); err != nil {
			return "", fmt.Errorf("drop unused overlay node %s: %w", n, err)
		}
	}
	name := overlayNode(dev, g.gen+1)
	if len(name) > maxNodeName {
		return "", fmt.Errorf("node name %s: longer than qemu allows", name)
	}
	args := map[string]any{
		"driver": "qcow2", "node-name": name, "backing": nil,
		"read-only": g.top.RO, "discard": "unmap",
		"file": map[string]any{
			"driver": "file", "filename": overlay, "read-only": g.top.RO, "discard": "unmap",
		},
	}
	if err := mon.Execute(ctx, "blockdev-add", args, nil); err != nil {
		return "", err
	}
	u := newUndo()
	defer u.fail()
	u.add(func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		mon.Execute(ctx, "blockdev-del", map[string]string{"node-name": name}, nil)
	})
	added, err := findNode(ctx, mon, name)
	if err != nil {
		return "", err
	}
	if back := added.Image.backingPath(); !sameFile(back, active) {
		return "", fmt.Errorf("%w: overlay %s is backed by %q, not by the disk's active file %s",
			hypervisor.ErrInvalidSpec, overlay, back, active)
	}
	if added.Image.VirtualSize != g.top.Image.VirtualSize {
		return "", fmt.Errorf("%w: overlay %s has %d bytes, the disk %d",
			hypervisor.ErrInvalidSpec, overlay, added.Image.VirtualSize, g.top.Image.VirtualSize)
	}
	if err := mon.Execute(ctx, "blockdev-snapshot", map[string]string{"node": g.top.Name, "overlay": name}, nil); err != nil {
		return "", err
	}
	u.success()
	return active, nil
}

// findNode returns the named node.
func findNode(ctx context.Context, mon *qmp.Monitor, name string) (blockNode, error) {
	var nodes []blockNode
	if err := mon.Execute(ctx, "query-named-block-nodes", map[string]bool{"flat": true}, &nodes); err != nil {
		return blockNode{}, err
	}
	for _, n := range nodes {
		if n.Name == name {
			return n, nil
		}
	}
	return blockNode{}, fmt.Errorf("block node %s vanished", name)
}

// ResizeDisk grows the disk; see hypervisor.Driver. block_resize on the
// device's root node grows the active file through any filter, and
// virtio-blk tells the guest at once.
func (d *Driver) ResizeDisk(ctx context.Context, id, serial string, bytes int64) error {
	if err := hypervisor.ValidateSerial(serial); err != nil {
		return fmt.Errorf("resize disk of %s: %w", id, err)
	}
	if bytes <= 0 || bytes%512 != 0 {
		return fmt.Errorf("resize disk %s of %s: %w: %d bytes is not a positive multiple of 512",
			serial, id, hypervisor.ErrInvalidSpec, bytes)
	}
	v, _, mon, err := d.liveMonitor(id)
	if err != nil {
		return fmt.Errorf("resize disk %s of %s: %w", serial, id, err)
	}
	v.plugMu.Lock()
	defer v.plugMu.Unlock()
	g, err := readDisk(ctx, mon, diskDeviceID(hypervisor.Disk{Serial: serial}, 0))
	if err != nil {
		return fmt.Errorf("resize disk %s of %s: %w", serial, id, err)
	}
	cur := g.top.Image.VirtualSize
	switch {
	case bytes == cur:
		return nil
	case bytes < cur:
		return fmt.Errorf("resize disk %s of %s: %w: cannot shrink from %d to %d bytes",
			serial, id, hypervisor.ErrInvalidSpec, cur, bytes)
	case g.devType == "nvme":
		// QEMU's NVMe namespace holds its size fixed (it takes the resize
		// permission); the file can grow while the VM is stopped.
		return fmt.Errorf("resize disk %s of %s: %w: qemu's nvme device", serial, id, hypervisor.ErrUnsupported)
	}
	args := map[string]any{"node-name": g.root.Name, "size": bytes}
	if err := mon.Execute(ctx, "block_resize", args, nil); err != nil {
		return fmt.Errorf("resize disk %s of %s: %w", serial, id, err)
	}
	v.log.Info("disk resized", "serial", serial, "from", cur, "to", bytes)
	return nil
}
