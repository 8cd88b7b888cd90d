package qemu

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/kumo-cloud/kumo/internal/hypervisor"
	"github.com/kumo-cloud/kumo/internal/storage"
)

func TestNodeKind(t *testing.T) {
	const dev = "d-vol0abc"
	tests := []struct {
		name     string
		wantKind string
		wantGen  int
	}{
		{"d-vol0abc-thr", "thr", 0},
		{"d-vol0abc-fmt", "fmt", 0},
		{"d-vol0abc-file", "file", 0},
		{"d-vol0abc-s1", "s", 1},
		{"d-vol0abc-s42", "s", 42},
		{"d-vol0abc-s0", "", 0},
		{"d-vol0abc-s01", "", 0},
		{"d-vol0abc-s", "", 0},
		{"d-vol0abc-s1-fmt", "", 0}, // another disk's node, serial "vol0abc-s1"
		{"d-vol0abcd-fmt", "", 0},
		{"#block123", "", 0},
	}
	for _, tt := range tests {
		kind, gen := nodeKind(dev, tt.name)
		if kind != tt.wantKind || gen != tt.wantGen {
			t.Errorf("nodeKind(%q) = %q, %d; want %q, %d", tt.name, kind, gen, tt.wantKind, tt.wantGen)
		}
	}
}

func TestPlainFilename(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/var/lib/kumo/volumes/vol-1.0", "/var/lib/kumo/volumes/vol-1.0"},
		{`json:{"backing": null, "driver": "qcow2", "file": {"driver": "file", "filename": "/v/a.1"}}`, "/v/a.1"},
		{`json:{"throttle-group": "tg-d-x", "driver": "throttle", "file": {"driver": "qcow2", "file": {"driver": "file", "filename": "/v/a.2"}}}`, "/v/a.2"},
		{`json:{"driver": "nbd"}`, `json:{"driver": "nbd"}`},
		{`json:not json`, `json:not json`},
	}
	for _, tt := range tests {
		if got := plainFilename(tt.in); got != tt.want {
			t.Errorf("plainFilename(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestSnapshotDiskResume: a snapshot interrupted between adding the
// overlay node and switching to it (an agent killed mid-call) leaves a
// node the next attempt clears away; overlays that do not fit the disk
// are refused before anything changes.
func TestSnapshotDiskResume(t *testing.T) {
	d := newDriver(t)
	spec := testSpec(t)
	p := storage.Pool{Dir: t.TempDir()}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := p.Create(ctx, "vol.0", 64<<20, ""); err != nil {
		t.Fatal(err)
	}
	disk := hypervisor.Disk{Path: p.Path("vol.0"), Format: "qcow2", Serial: "vol0resume", IOPS: 1000}
	spec.Disks = []hypervisor.Disk{disk}
	if err := d.Start(ctx, spec); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		d.Stop(context.Background(), spec.ID, true)
		d.Cleanup(context.Background(), spec.ID)
	})
	mon := d.vms[spec.ID].current().monitor()
	const dev = "d-vol0resume"

	// Refused: an overlay of another size.
	if err := p.Create(ctx, "vol.big", 128<<20, "vol.0"); err != nil {
		t.Fatal(err)
	}
	if err := d.SnapshotDisk(ctx, spec.ID, disk.Serial, p.Path("vol.big")); !errors.Is(err, hypervisor.ErrInvalidSpec) {
		t.Errorf("SnapshotDisk to a larger overlay: %v, want ErrInvalidSpec", err)
	}

	// The first step of a snapshot, then the agent is gone.
	if err := p.NewOverlay(ctx, "vol.0", "vol.1"); err != nil {
		t.Fatal(err)
	}
	add := map[string]any{"driver": "qcow2", "node-name": dev + "-s1", "backing": nil,
		"file": map[string]any{"driver": "file", "filename": p.Path("vol.1")}}
	if err := mon.Execute(ctx, "blockdev-add", add, nil); err != nil {
		t.Fatal(err)
	}
	g, err := readDisk(ctx, mon, dev)
	if err != nil {
		t.Fatal(err)
	}
	if g.top.Name != dev+"-fmt" || g.root.Name != dev+"-thr" || len(g.dangling) != 1 {
		t.Errorf("with a dangling overlay: top %s, root %s, dangling %v", g.top.Name, g.root.Name, g.dangling)
	}
	if err := d.SnapshotDisk(ctx, spec.ID, disk.Serial, p.Path("vol.1")); err != nil {
		t.Fatalf("SnapshotDisk after an interrupted one: %v", err)
	}
	g, err = readDisk(ctx, mon, dev)
	if err != nil {
		t.Fatal(err)
	}
	if g.top.Name != dev+"-s1" || g.top.path() != p.Path("vol.1") || g.gen != 1 || len(g.dangling) != 0 {
		t.Errorf("after the snapshot: top %s (%s), gen %d, dangling %v", g.top.Name, g.top.path(), g.gen, g.dangling)
	}
	// And the chain goes on from there.
	if err := p.NewOverlay(ctx, "vol.1", "vol.2"); err != nil {
		t.Fatal(err)
	}
	if err := d.SnapshotDisk(ctx, spec.ID, disk.Serial, p.Path("vol.2")); err != nil {
		t.Fatalf("second SnapshotDisk: %v", err)
	}
	if g, err := readDisk(ctx, mon, dev); err != nil || g.top.Name != dev+"-s2" || g.top.path() != p.Path("vol.2") {
		t.Errorf("after the second snapshot: top %s (%s), %v", g.top.Name, g.top.path(), err)
	}
	// A stale retry of the first snapshot (its overlay is now frozen
	// below the top) fails and changes nothing.
	if err := d.SnapshotDisk(ctx, spec.ID, disk.Serial, p.Path("vol.1")); !errors.Is(err, hypervisor.ErrInvalidSpec) {
		t.Errorf("SnapshotDisk to an overlay below the top: %v, want ErrInvalidSpec", err)
	}
	if g, err := readDisk(ctx, mon, dev); err != nil || g.top.path() != p.Path("vol.2") || len(g.dangling) != 0 {
		t.Errorf("after a stale snapshot: top %s (%s), dangling %v, %v", g.top.Name, g.top.path(), g.dangling, err)
	}
}
