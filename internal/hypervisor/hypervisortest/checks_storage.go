package hypervisortest

import (
	"context"
	"errors"
	"os/exec"
	"testing"

	"github.com/kumo-cloud/kumo/internal/hypervisor"
	"github.com/kumo-cloud/kumo/internal/storage"
)

// The live snapshot and online growth checks use EBS's storage model
// (internal/storage): a volume is a chain of qcow2 files, and a snapshot
// switches the disk to a new overlay on its active file.

// volumePool is a storage pool for one test, made with the real qemu-img.
func volumePool(t *testing.T) storage.Pool {
	t.Helper()
	if _, err := exec.LookPath("qemu-img"); err != nil {
		t.Fatalf("qemu-img is required for qcow2 volumes (apt-get install qemu-utils): %v", err)
	}
	return storage.Pool{Dir: t.TempDir()}
}

// volume makes a blank 64 MiB volume file in p.
func volume(t *testing.T, p storage.Pool, name string) string {
	t.Helper()
	if err := p.Create(context.Background(), name, 64<<20, ""); err != nil {
		t.Fatal(err)
	}
	return p.Path(name)
}

// snapshot takes a live snapshot of disk serial from file active to file
// overlay, as the agent does, and checks that a retry is a no-op.
func (e *env) snapshot(p storage.Pool, id, serial, active, overlay string) {
	e.t.Helper()
	ctx, cancel := e.ctx()
	defer cancel()
	if err := p.NewOverlay(ctx, active, overlay); err != nil {
		e.t.Fatalf("NewOverlay %s: %v", overlay, err)
	}
	if err := e.d.SnapshotDisk(ctx, id, serial, p.Path(overlay)); err != nil {
		e.t.Fatalf("SnapshotDisk %s → %s: %v", serial, overlay, err)
	}
	if err := e.d.SnapshotDisk(ctx, id, serial, p.Path(overlay)); err != nil {
		e.t.Errorf("SnapshotDisk %s → %s again: %v, want no-op", serial, overlay, err)
	}
}

// wantChain checks that each file's backing file is the next one.
func wantChain(t *testing.T, p storage.Pool, chain ...string) {
	t.Helper()
	for i, name := range chain {
		want := ""
		if i+1 < len(chain) {
			want = chain[i+1]
		}
		if got, err := p.Backing(context.Background(), name); err != nil || got != want {
			t.Errorf("Backing(%s) = %q, %v; want %q", name, got, err, want)
		}
	}
}

// testSnapshotDisk snapshots a disk given at Start and a throttled NVMe
// disk attached later, across an agent restart, a detach and re-attach,
// and a stop and start on the volume's new active file.
func (h Harness) testSnapshotDisk(t *testing.T) {
	p := volumePool(t)
	e := h.env(t)
	spec := h.Spec(t)
	cold := hypervisor.Disk{Path: volume(t, p, "cold.0"), Format: "qcow2", Serial: "vol0cold"}
	hot := hypervisor.Disk{Path: volume(t, p, "hot.0"), Format: "qcow2", Serial: "vol0hot", Bus: "nvme", IOPS: 3000}
	spec.Disks = append(spec.Disks, cold)
	e.start(spec)
	// As in testHotplugDisk: let the firmware finish with the PCI bus.
	e.waitConsole(spec.ID, h.ConsoleWant)
	ctx, cancel := e.ctx()
	defer cancel()
	if err := e.d.AttachDisk(ctx, spec.ID, hot); err != nil {
		t.Fatalf("AttachDisk: %v", err)
	}
	e.snapshot(p, spec.ID, cold.Serial, "cold.0", "cold.1")
	e.snapshot(p, spec.ID, hot.Serial, "hot.0", "hot.1")

	// Overlays on anything but the active file would break the chain.
	volume(t, p, "stray")
	wantErr(t, "SnapshotDisk to a blank overlay", e.d.SnapshotDisk(ctx, spec.ID, cold.Serial, p.Path("stray")), hypervisor.ErrInvalidSpec)
	if err := p.NewOverlay(ctx, "cold.0", "cold.stale"); err != nil {
		t.Fatal(err)
	}
	wantErr(t, "SnapshotDisk to an overlay on the frozen file", e.d.SnapshotDisk(ctx, spec.ID, cold.Serial, p.Path("cold.stale")), hypervisor.ErrInvalidSpec)
	wantErr(t, "SnapshotDisk to a relative path", e.d.SnapshotDisk(ctx, spec.ID, cold.Serial, "cold.9"), hypervisor.ErrInvalidSpec)
	wantErr(t, "SnapshotDisk of an absent serial", e.d.SnapshotDisk(ctx, spec.ID, "vol0absent", p.Path("cold.9")), hypervisor.ErrNoDisk)
	// A failed attempt leaves nothing in the way of the next one.
	e.snapshot(p, spec.ID, cold.Serial, "cold.1", "cold.2")

	// A new agent finds the disks' top files in the VM.
	e.restart()
	if _, err := e.d.Adopt(ctx, spec); err != nil {
		t.Fatalf("Adopt: %v", err)
	}
	e.snapshot(p, spec.ID, cold.Serial, "cold.2", "cold.3")
	e.snapshot(p, spec.ID, hot.Serial, "hot.1", "hot.2")

	// A snapshotted disk detaches whole and comes back on its top file.
	if err := e.d.DetachDisk(ctx, spec.ID, hot.Serial); err != nil {
		t.Fatalf("DetachDisk after snapshots: %v", err)
	}
	hot.Path = p.Path("hot.2")
	if err := e.d.AttachDisk(ctx, spec.ID, hot); err != nil {
		t.Fatalf("AttachDisk on the new top file: %v", err)
	}
	e.snapshot(p, spec.ID, hot.Serial, "hot.2", "hot.3")
	e.stop(spec.ID, true)
	wantErr(t, "SnapshotDisk of a stopped VM", e.d.SnapshotDisk(ctx, spec.ID, cold.Serial, p.Path("cold.9")), hypervisor.ErrNotRunning)
	wantChain(t, p, "cold.3", "cold.2", "cold.1", "cold.0")
	wantChain(t, p, "hot.3", "hot.2", "hot.1", "hot.0")

	// Started again, the VM gets the volume's current top file.
	spec.Disks[len(spec.Disks)-1].Path = p.Path("cold.3")
	e.start(spec)
	e.snapshot(p, spec.ID, cold.Serial, "cold.3", "cold.4")
	e.stop(spec.ID, true)
	wantChain(t, p, "cold.4", "cold.3", "cold.2", "cold.1", "cold.0")
}

// testSnapshotDisks snapshots a disk given at Start and a throttled NVMe
// disk attached later in one call: a retry skips the disks already
// switched, and a call refused for one disk switches none.
func (h Harness) testSnapshotDisks(t *testing.T) {
	p := volumePool(t)
	e := h.env(t)
	spec := h.Spec(t)
	cold := hypervisor.Disk{Path: volume(t, p, "cold.0"), Format: "qcow2", Serial: "vol0cold"}
	hot := hypervisor.Disk{Path: volume(t, p, "hot.0"), Format: "qcow2", Serial: "vol0hot", Bus: "nvme", IOPS: 3000}
	spec.Disks = append(spec.Disks, cold)
	e.start(spec)
	e.waitConsole(spec.ID, h.ConsoleWant)
	ctx, cancel := e.ctx()
	defer cancel()
	if err := e.d.AttachDisk(ctx, spec.ID, hot); err != nil {
		t.Fatalf("AttachDisk: %v", err)
	}
	overlay := func(active, name string) string {
		t.Helper()
		if err := p.NewOverlay(ctx, active, name); err != nil {
			t.Fatalf("NewOverlay %s: %v", name, err)
		}
		return p.Path(name)
	}
	snapshot := func(what string, overlays map[string]string) {
		t.Helper()
		if err := e.d.SnapshotDisks(ctx, spec.ID, overlays); err != nil {
			t.Fatalf("SnapshotDisks %s: %v", what, err)
		}
	}
	both := map[string]string{cold.Serial: overlay("cold.0", "cold.1"), hot.Serial: overlay("hot.0", "hot.1")}
	snapshot("of both disks", both)
	snapshot("of both disks again", both)
	snapshot("of no disk", map[string]string{})

	// A disk switched on its own since is skipped; the other switches.
	e.snapshot(p, spec.ID, cold.Serial, "cold.1", "cold.2")
	snapshot("with one disk done", map[string]string{cold.Serial: p.Path("cold.2"), hot.Serial: overlay("hot.1", "hot.2")})

	// One disk refused: neither switches, so cold.3 still fits on cold.2.
	volume(t, p, "stray")
	early := overlay("cold.2", "cold.early")
	wantErr(t, "SnapshotDisks with a blank overlay", e.d.SnapshotDisks(ctx, spec.ID,
		map[string]string{cold.Serial: early, hot.Serial: p.Path("stray")}), hypervisor.ErrInvalidSpec)
	wantErr(t, "SnapshotDisks with an absent serial", e.d.SnapshotDisks(ctx, spec.ID,
		map[string]string{cold.Serial: early, "vol0absent": p.Path("absent.1")}), hypervisor.ErrNoDisk)
	wantErr(t, "SnapshotDisks with one overlay for two disks", e.d.SnapshotDisks(ctx, spec.ID,
		map[string]string{cold.Serial: early, hot.Serial: early}), hypervisor.ErrInvalidSpec)
	snapshot("after refusals", map[string]string{cold.Serial: overlay("cold.2", "cold.3"), hot.Serial: overlay("hot.2", "hot.3")})

	e.stop(spec.ID, true)
	wantErr(t, "SnapshotDisks of a stopped VM", e.d.SnapshotDisks(ctx, spec.ID,
		map[string]string{cold.Serial: p.Path("cold.9")}), hypervisor.ErrNotRunning)
	wantChain(t, p, "cold.3", "cold.2", "cold.1", "cold.0")
	wantChain(t, p, "hot.3", "hot.2", "hot.1", "hot.0")
}

// testResizeDisk grows disks while the VM runs, before and after a
// snapshot and across an agent restart.
func (h Harness) testResizeDisk(t *testing.T) {
	p := volumePool(t)
	e := h.env(t)
	spec := h.Spec(t)
	cold := hypervisor.Disk{Path: volume(t, p, "cold.0"), Format: "qcow2", Serial: "vol0cold"}
	hot := hypervisor.Disk{Path: volume(t, p, "hot.0"), Format: "qcow2", Serial: "vol0hot", IOPS: 3000}
	nvme := hypervisor.Disk{Path: volume(t, p, "nvme.0"), Format: "qcow2", Serial: "vol0nvme", Bus: "nvme"}
	spec.Disks = append(spec.Disks, cold)
	e.start(spec)
	e.waitConsole(spec.ID, h.ConsoleWant)
	ctx, cancel := e.ctx()
	defer cancel()
	for _, d := range []hypervisor.Disk{hot, nvme} {
		if err := e.d.AttachDisk(ctx, spec.ID, d); err != nil {
			t.Fatalf("AttachDisk %s: %v", d.Serial, err)
		}
	}
	resize := func(serial string, bytes int64, file string) {
		t.Helper()
		if err := e.d.ResizeDisk(ctx, spec.ID, serial, bytes); err != nil {
			t.Fatalf("ResizeDisk %s to %d: %v", serial, bytes, err)
		}
		if got, err := p.Size(ctx, file); err != nil || got != bytes {
			t.Errorf("after ResizeDisk %s: %s has %d bytes, %v; want %d", serial, file, got, err, bytes)
		}
	}
	resize(cold.Serial, 128<<20, "cold.0")
	resize(cold.Serial, 128<<20, "cold.0") // the same size: no-op
	wantErr(t, "ResizeDisk smaller", e.d.ResizeDisk(ctx, spec.ID, cold.Serial, 96<<20), hypervisor.ErrInvalidSpec)
	wantErr(t, "ResizeDisk to an odd size", e.d.ResizeDisk(ctx, spec.ID, cold.Serial, 128<<20+1), hypervisor.ErrInvalidSpec)
	wantErr(t, "ResizeDisk of an absent serial", e.d.ResizeDisk(ctx, spec.ID, "vol0absent", 128<<20), hypervisor.ErrNoDisk)
	resize(hot.Serial, 96<<20, "hot.0") // through the throttle filter
	// After a snapshot the active file grows and the frozen one stays.
	e.snapshot(p, spec.ID, hot.Serial, "hot.0", "hot.1")
	resize(hot.Serial, 128<<20, "hot.1")
	if got, _ := p.Size(ctx, "hot.0"); got != 96<<20 {
		t.Errorf("frozen hot.0 has %d bytes, want %d", got, 96<<20)
	}
	// Some disks cannot grow while the guest uses them; they say so.
	if err := e.d.ResizeDisk(ctx, spec.ID, nvme.Serial, 128<<20); err != nil && !errors.Is(err, hypervisor.ErrUnsupported) {
		t.Errorf("ResizeDisk of the nvme disk: %v, want nil or ErrUnsupported", err)
	} else if err == nil {
		if got, _ := p.Size(ctx, "nvme.0"); got != 128<<20 {
			t.Errorf("nvme.0 has %d bytes after ResizeDisk, want %d", got, 128<<20)
		}
	}

	e.restart()
	if _, err := e.d.Adopt(ctx, spec); err != nil {
		t.Fatalf("Adopt: %v", err)
	}
	resize(cold.Serial, 192<<20, "cold.0")
	resize(hot.Serial, 192<<20, "hot.1")
	e.stop(spec.ID, true)
	wantErr(t, "ResizeDisk of a stopped VM", e.d.ResizeDisk(ctx, spec.ID, cold.Serial, 256<<20), hypervisor.ErrNotRunning)
}
