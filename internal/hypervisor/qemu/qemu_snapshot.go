package qemu

import (
	"context"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/kumo-cloud/kumo/internal/hypervisor"
	"github.com/kumo-cloud/kumo/internal/qmp"
)

// maxNodeName is QEMU's limit on node names.
const maxNodeName = 31

// SnapshotDisk moves the disk's writes to overlay; see hypervisor.Driver.
// It is SnapshotDisks with one disk.
func (d *Driver) SnapshotDisk(ctx context.Context, id, serial, overlay string) error {
	return d.SnapshotDisks(ctx, id, map[string]string{serial: overlay})
}

// SnapshotDisks moves each disk's writes to its overlay at one instant; see
// hypervisor.Driver.
//
// Each overlay is added as a node of its own with no backing, and then one
// QMP transaction makes every overlay its disk's top with a
// blockdev-snapshot action: QEMU flushes each old top and swaps it out
// from under its device (or throttle filter), holds every disk quiesced
// until all are swapped, so no guest write can land between two of the
// switches, and undoes them all if one fails. QEMU does not rewrite an
// overlay's header: the backing file it names is what a later QEMU opens,
// so it is checked against the live graph before the switch.
func (d *Driver) SnapshotDisks(ctx context.Context, id string, overlays map[string]string) error {
	serials := slices.Sorted(maps.Keys(overlays))
	for i, serial := range serials {
		if err := hypervisor.ValidateSerial(serial); err != nil {
			return fmt.Errorf("snapshot disk of %s: %w", id, err)
		}
		overlay := overlays[serial]
		if !filepath.IsAbs(overlay) {
			return fmt.Errorf("snapshot disk %s of %s: %w: overlay %q is not an absolute path",
				serial, id, hypervisor.ErrInvalidSpec, overlay)
		}
		for _, other := range serials[:i] {
			if sameFile(overlays[other], overlay) {
				return fmt.Errorf("snapshot disk %s of %s: %w: overlay %s is also disk %s's",
					serial, id, hypervisor.ErrInvalidSpec, overlay, other)
			}
		}
	}
	what := "disks " + strings.Join(serials, ", ")
	if len(serials) == 1 {
		what = "disk " + serials[0]
	}
	v, _, mon, err := d.liveMonitor(id)
	if err != nil {
		return fmt.Errorf("snapshot %s of %s: %w", what, id, err)
	}
	v.plugMu.Lock()
	defer v.plugMu.Unlock()

	// Every check that needs no change to the VM comes first, so a refused
	// disk leaves the others as they were.
	var todo []diskSwitch
	for _, serial := range serials {
		s, ok, err := planSwitch(ctx, mon, serial, overlays[serial])
		if err != nil {
			return fmt.Errorf("snapshot disk %s of %s: %w", serial, id, err)
		}
		if ok {
			todo = append(todo, s)
		}
	}
	if len(todo) == 0 {
		return nil
	}
	u := newUndo()
	defer u.fail()
	for _, s := range todo {
		if err := addOverlay(ctx, mon, s, u); err != nil {
			return fmt.Errorf("snapshot disk %s of %s: %w", s.serial, id, err)
		}
	}
	actions := make([]map[string]any, len(todo))
	for i, s := range todo {
		actions[i] = map[string]any{
			"type": "blockdev-snapshot",
			"data": map[string]string{"node": s.top.Name, "overlay": s.node},
		}
	}
	if err := mon.Execute(ctx, "transaction", map[string]any{"actions": actions}, nil); err != nil {
		return fmt.Errorf("snapshot %s of %s: %w", what, id, err)
	}
	u.success()
	for _, s := range todo {
		v.log.Info("disk snapshot", "serial", s.serial, "frozen", s.top.path(), "overlay", s.overlay)
	}
	return nil
}

// diskSwitch is one disk's part of a snapshot: the overlay to put on top
// of its active file.
type diskSwitch struct {
	serial   string
	overlay  string    // the overlay file
	node     string    // the overlay's node name, dev-sN
	top      blockNode // the active file's node, frozen by the switch
	dangling []string  // overlay nodes an interrupted attempt left
}

// planSwitch reads disk serial's nodes and checks that overlay can go on
// top. It changes nothing; ok is false if overlay is the top already.
func planSwitch(ctx context.Context, mon *qmp.Monitor, serial, overlay string) (s diskSwitch, ok bool, err error) {
	dev := diskDeviceID(hypervisor.Disk{Serial: serial}, 0)
	g, err := readDisk(ctx, mon, dev)
	if err != nil {
		return diskSwitch{}, false, err
	}
	if sameFile(g.top.path(), overlay) {
		return diskSwitch{}, false, nil
	}
	for i := g.top.Image.Backing; i != nil; i = i.Backing {
		if sameFile(plainFilename(i.Filename), overlay) {
			// A retry of a snapshot that another has since followed.
			return diskSwitch{}, false, fmt.Errorf("%w: overlay %s is already frozen in the disk's chain", hypervisor.ErrInvalidSpec, overlay)
		}
	}
	name := overlayNode(dev, g.gen+1)
	if len(name) > maxNodeName {
		return diskSwitch{}, false, fmt.Errorf("node name %s: longer than qemu allows", name)
	}
	return diskSwitch{serial: serial, overlay: overlay, node: name, top: g.top, dangling: g.dangling}, true, nil
}

// addOverlay adds s's overlay as a node with no backing, in place of any
// an interrupted attempt left, and checks that its header continues the
// disk's chain. The node's removal goes to u.
func addOverlay(ctx context.Context, mon *qmp.Monitor, s diskSwitch, u *undo) error {
	for _, n := range s.dangling {
		if err := mon.Execute(ctx, "blockdev-del", map[string]string{"node-name": n}, nil); err != nil {
			return fmt.Errorf("drop unused overlay node %s: %w", n, err)
		}
	}
	args := map[string]any{
		"driver": "qcow2", "node-name": s.node, "backing": nil,
		"read-only": s.top.RO, "discard": "unmap",
		"file": map[string]any{
			"driver": "file", "filename": s.overlay, "read-only": s.top.RO, "discard": "unmap",
		},
	}
	if err := mon.Execute(ctx, "blockdev-add", args, nil); err != nil {
		return err
	}
	u.add(func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		mon.Execute(ctx, "blockdev-del", map[string]string{"node-name": s.node}, nil)
	})
	added, err := findNode(ctx, mon, s.node)
	if err != nil {
		return err
	}
	active := s.top.path()
	if back := added.Image.backingPath(); !sameFile(back, active) {
		return fmt.Errorf("%w: overlay %s is backed by %q, not by the disk's active file %s",
			hypervisor.ErrInvalidSpec, s.overlay, back, active)
	}
	if added.Image.VirtualSize != s.top.Image.VirtualSize {
		return fmt.Errorf("%w: overlay %s has %d bytes, the disk %d",
			hypervisor.ErrInvalidSpec, s.overlay, added.Image.VirtualSize, s.top.Image.VirtualSize)
	}
	return nil
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
