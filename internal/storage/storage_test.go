package storage

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// These tests run the real qemu-img and qemu-io (qemu-utils).

func testPool(t *testing.T) Pool {
	t.Helper()
	for _, tool := range []string{"qemu-img", "qemu-io"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is required (apt-get install qemu-utils): %v", tool, err)
		}
	}
	return Pool{Dir: filepath.Join(t.TempDir(), "volumes")}
}

const (
	kib = int64(1) << 10
	mib = int64(1) << 20
	gib = int64(1) << 30
)

// qemuIO runs one qemu-io command on the file at path, through its chain,
// and fails the test if it fails (a pattern mismatch included).
func qemuIO(t *testing.T, path, command string) {
	t.Helper()
	out, err := exec.Command("qemu-io", "-f", "qcow2", "-c", command, path).CombinedOutput()
	if err != nil || strings.Contains(string(out), "fail") || strings.Contains(string(out), "error") {
		t.Fatalf("qemu-io -c %q %s: %v\n%s", command, path, err, out)
	}
}

func mustCreate(t *testing.T, p Pool, name string, size int64, backing string) {
	t.Helper()
	if err := p.Create(context.Background(), name, size, backing); err != nil {
		t.Fatalf("Create %s: %v", name, err)
	}
}

// header is the backing file name written in name's qcow2 header.
func header(t *testing.T, p Pool, name string) string {
	t.Helper()
	i, err := imageInfo(context.Background(), p.Path(name))
	if err != nil {
		t.Fatal(err)
	}
	return i.BackingFilename
}

func TestPoolCreate(t *testing.T) {
	p := testPool(t)
	ctx := context.Background()
	mustCreate(t, p, "base", 64*mib, "")
	mustCreate(t, p, "other", 64*mib, "")
	outside := filepath.Join(t.TempDir(), "ami-root.qcow2")
	if out, err := exec.Command("qemu-img", "create", "-q", "-f", "qcow2", outside, "32M").CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	mustCreate(t, p, "taken", 0, "base")

	tests := []struct {
		name     string
		file     string
		size     int64
		backing  string
		wantErr  error
		wantSize int64
		wantBack string // what Backing reports
	}{
		{name: "blank", file: "vol-a", size: 8 * gib, wantSize: 8 * gib},
		{name: "overlay same size", file: "vol-b", backing: "base", wantSize: 64 * mib, wantBack: "base"},
		{name: "larger than backing", file: "vol-c", size: gib, backing: "base", wantSize: gib, wantBack: "base"},
		{name: "backing by absolute path", file: "vol-d", backing: p.Path("base"), wantSize: 64 * mib, wantBack: "base"},
		{name: "backing outside the pool", file: "vol-e", size: 64 * mib, backing: outside, wantSize: 64 * mib, wantBack: outside},
		{name: "retry after crash", file: "taken", backing: "base", wantSize: 64 * mib, wantBack: "base"},
		{name: "name reused with another backing", file: "taken", backing: "other", wantErr: ErrExists},
		{name: "name reused blank", file: "taken", size: 64 * mib, wantErr: ErrExists},
		{name: "smaller than backing", file: "vol-f", size: 32 * mib, backing: "base", wantErr: ErrShrink},
		{name: "missing backing", file: "vol-g", backing: "nonexistent", wantErr: fs.ErrNotExist},
		{name: "blank without size", file: "vol-h", wantErr: ErrInvalid},
		{name: "odd size", file: "vol-i", size: 1000, wantErr: ErrInvalid},
		{name: "path as name", file: "../escape", size: mib, wantErr: ErrInvalid},
		{name: "hidden name", file: ".tmp-x", size: mib, wantErr: ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := p.Create(ctx, tt.file, tt.size, tt.backing)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Create = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Create: %v", err)
			}
			if !p.Exists(tt.file) {
				t.Errorf("Exists = false after Create")
			}
			if size, err := p.Size(ctx, tt.file); err != nil || size != tt.wantSize {
				t.Errorf("Size = %d, %v; want %d", size, err, tt.wantSize)
			}
			if back, err := p.Backing(ctx, tt.file); err != nil || back != tt.wantBack {
				t.Errorf("Backing = %q, %v; want %q", back, err, tt.wantBack)
			}
			if h := header(t, p, tt.file); h != "" && !filepath.IsAbs(h) {
				t.Errorf("header names backing file %q, want an absolute path", h)
			}
		})
	}
	// Nothing but finished files: no temporary file survives a Create.
	ents, _ := os.ReadDir(p.Dir)
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), tempPrefix) {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
}

// TestPoolOverlayData: data written into a layer reads back through an
// overlay, and writes to the overlay leave the layer alone.
func TestPoolOverlayData(t *testing.T) {
	p := testPool(t)
	ctx := context.Background()
	mustCreate(t, p, "vol", 64*mib, "")
	qemuIO(t, p.Path("vol"), "write -P 0xab 0 1M")
	if err := p.NewOverlay(ctx, "vol", "vol.1"); err != nil {
		t.Fatalf("NewOverlay: %v", err)
	}
	if err := p.NewOverlay(ctx, "vol", "vol.1"); err != nil {
		t.Errorf("NewOverlay again: %v, want no-op", err)
	}
	if err := p.NewOverlay(ctx, "vol.1", "vol.1"); !errors.Is(err, ErrExists) {
		t.Errorf("NewOverlay over a file with another backing: %v, want ErrExists", err)
	}
	qemuIO(t, p.Path("vol.1"), "read -P 0xab 0 1M")
	qemuIO(t, p.Path("vol.1"), "write -P 0xcd 0 64k")
	qemuIO(t, p.Path("vol.1"), "read -P 0xcd 0 64k")
	qemuIO(t, p.Path("vol.1"), "read -P 0xab 64k 960k")
	qemuIO(t, p.Path("vol"), "read -P 0xab 0 1M")
	if back, err := p.Backing(ctx, "vol.1"); err != nil || back != "vol" {
		t.Errorf("Backing(vol.1) = %q, %v", back, err)
	}
	// A larger volume from the snapshot sees its data and zeroes beyond.
	mustCreate(t, p, "vol-big", 128*mib, "vol")
	qemuIO(t, p.Path("vol-big"), "read -P 0xab 0 1M")
	qemuIO(t, p.Path("vol-big"), "read -P 0 100M 1M")
}

// TestPoolLayerBytes: each snapshot's layer holds only what changed since
// the one before.
func TestPoolLayerBytes(t *testing.T) {
	p := testPool(t)
	ctx := context.Background()
	mustCreate(t, p, "vol", 8*gib, "")
	qemuIO(t, p.Path("vol"), "write -P 0x11 0 100M")
	// Snapshot 1 freezes vol.
	if err := p.NewOverlay(ctx, "vol", "vol.1"); err != nil {
		t.Fatal(err)
	}
	qemuIO(t, p.Path("vol.1"), "write -P 0x22 4G 1M")
	// Overwriting the first snapshot's data: counted here, once.
	qemuIO(t, p.Path("vol.1"), "write -P 0x33 0 64k")
	// Snapshot 2 freezes vol.1.
	if err := p.NewOverlay(ctx, "vol.1", "vol.2"); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		want int64
	}{
		{"vol", 100 * mib},
		{"vol.1", mib + 64*kib},
		{"vol.2", 0},
	} {
		got, err := p.LayerBytes(ctx, tt.name)
		if err != nil || got != tt.want {
			t.Errorf("LayerBytes(%s) = %d, %v; want %d", tt.name, got, err, tt.want)
		}
	}
	if _, err := p.LayerBytes(ctx, "nonexistent"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("LayerBytes of a missing file: %v, want ErrNotExist", err)
	}
}

func TestPoolResize(t *testing.T) {
	p := testPool(t)
	ctx := context.Background()
	mustCreate(t, p, "vol", 64*mib, "")
	qemuIO(t, p.Path("vol"), "write -P 0xab 0 1M")
	mustCreate(t, p, "vol.1", 0, "vol")
	tests := []struct {
		name    string
		size    int64
		wantErr error
		want    int64
	}{
		{"grow", 128 * mib, nil, 128 * mib},
		{"same size", 128 * mib, nil, 128 * mib},
		{"shrink", 64 * mib, ErrShrink, 128 * mib},
		{"odd size", 128*mib + 1, ErrInvalid, 128 * mib},
		{"grow again", gib, nil, gib},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := p.Resize(ctx, "vol.1", tt.size); !errors.Is(err, tt.wantErr) {
				t.Fatalf("Resize = %v, want %v", err, tt.wantErr)
			}
			if got, err := p.Size(ctx, "vol.1"); err != nil || got != tt.want {
				t.Errorf("Size = %d, %v; want %d", got, err, tt.want)
			}
		})
	}
	qemuIO(t, p.Path("vol.1"), "read -P 0xab 0 1M")
	qemuIO(t, p.Path("vol.1"), "read -P 0 1000M 1M")
}

// TestPoolCollect: garbage collection keeps every kept file's chain,
// whatever is not an image, and creates in flight.
func TestPoolCollect(t *testing.T) {
	p := testPool(t)
	ctx := context.Background()
	outside := filepath.Join(t.TempDir(), "ami-root.qcow2")
	if out, err := exec.Command("qemu-img", "create", "-q", "-f", "qcow2", outside, "32M").CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	// Two volumes with snapshots, one volume from a snapshot of the first,
	// one on an image outside the pool.
	mustCreate(t, p, "a.0", 64*mib, "")
	mustCreate(t, p, "a.1", 0, "a.0")
	mustCreate(t, p, "a.2", 0, "a.1")
	mustCreate(t, p, "b.0", 64*mib, "a.1")
	mustCreate(t, p, "c.0", 64*mib, "")
	mustCreate(t, p, "c.1", 0, "c.0")
	mustCreate(t, p, "root.0", 0, outside)
	write := func(name string, data []byte, age time.Duration) {
		path := p.Path(name)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		old := time.Now().Add(-age)
		os.Chtimes(path, old, old)
	}
	write("notes.txt", []byte("not an image"), time.Hour)
	write(tempPrefix+"young-1234", []byte("QFI\xfb in flight"), 0)
	write(tempPrefix+"old-1234", []byte("QFI\xfb crashed"), 2*time.Minute)

	tests := []struct {
		name        string
		keep        []string
		wantRemoved []string
		wantLeft    []string
	}{
		{
			name: "snapshot of a deleted volume keeps its chain",
			// a deleted (a.2 goes); a.1 is a snapshot that b.0 was made
			// from; c's snapshot c.0 deleted but c.1 backs on it; a
			// volume not made yet.
			keep:        []string{"a.1", "b.0", "c.1", "root.0", "vol-not-made-yet"},
			wantRemoved: []string{tempPrefix + "old-1234", "a.2"},
			wantLeft:    []string{tempPrefix + "young-1234", "a.0", "a.1", "b.0", "c.0", "c.1", "notes.txt", "root.0"},
		},
		{
			name:        "kept by absolute path",
			keep:        []string{p.Path("b.0")},
			wantRemoved: []string{"c.0", "c.1", "root.0"},
			wantLeft:    []string{tempPrefix + "young-1234", "a.0", "a.1", "b.0", "notes.txt"},
		},
		{
			name:        "nothing kept",
			wantRemoved: []string{"a.0", "a.1", "b.0"},
			wantLeft:    []string{tempPrefix + "young-1234", "notes.txt"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			removed, err := p.Collect(ctx, tt.keep)
			if err != nil {
				t.Fatalf("Collect: %v", err)
			}
			slices.Sort(removed)
			if diff := cmp.Diff(tt.wantRemoved, removed); diff != "" {
				t.Errorf("removed (-want +got):\n%s", diff)
			}
			var left []string
			ents, _ := os.ReadDir(p.Dir)
			for _, e := range ents {
				left = append(left, e.Name())
			}
			if diff := cmp.Diff(tt.wantLeft, left); diff != "" {
				t.Errorf("left (-want +got):\n%s", diff)
			}
		})
	}
	if _, err := os.Stat(outside); err != nil {
		t.Errorf("Collect touched a file outside the pool: %v", err)
	}
	if removed, err := (Pool{Dir: filepath.Join(t.TempDir(), "never-made")}).Collect(ctx, nil); err != nil || removed != nil {
		t.Errorf("Collect of a missing pool = %v, %v", removed, err)
	}
}

// TestPoolCollectUnreadable: a kept file whose chain cannot be read stops
// the collection rather than risk its chain.
func TestPoolCollectUnreadable(t *testing.T) {
	p := testPool(t)
	mustCreate(t, p, "a.0", 64*mib, "")
	mustCreate(t, p, "a.1", 0, "a.0")
	// A truncated header: qcow2 magic, then nothing qemu-img can read.
	if err := os.WriteFile(p.Path("a.1"), []byte("QFI\xfb\x00\x00"), 0o600); err != nil {
		t.Fatal(err)
	}
	removed, err := p.Collect(context.Background(), []string{"a.1"})
	if err == nil || len(removed) > 0 {
		t.Errorf("Collect = %v, %v; want an error and nothing removed", removed, err)
	}
	if !p.Exists("a.0") {
		t.Error("a.0 removed")
	}
}

// TestPoolCopy: a copy is one file with the chain's data and no backing.
func TestPoolCopy(t *testing.T) {
	p := testPool(t)
	ctx := context.Background()
	mustCreate(t, p, "a.0", 64*mib, "")
	qemuIO(t, p.Path("a.0"), "write -P 0xab 0 1M")
	mustCreate(t, p, "a.1", 0, "a.0")
	qemuIO(t, p.Path("a.1"), "write -P 0xcd 1M 1M")
	mustCreate(t, p, "a.2", 0, "a.1")

	if err := p.Copy(ctx, "a.1", "copy"); err != nil {
		t.Fatalf("Copy: %v", err)
	}
	if back, err := p.Backing(ctx, "copy"); err != nil || back != "" {
		t.Errorf("Backing(copy) = %q, %v; want none", back, err)
	}
	qemuIO(t, p.Path("copy"), "read -P 0xab 0 1M")
	qemuIO(t, p.Path("copy"), "read -P 0xcd 1M 1M")
	qemuIO(t, p.Path("copy"), "read -P 0 2M 62M")
	if n, err := p.LayerBytes(ctx, "copy"); err != nil || n != 2*mib {
		t.Errorf("LayerBytes(copy) = %d, %v; want the 2 MiB of data, sparse", n, err)
	}
	fi, _ := os.Stat(p.Path("copy"))
	if err := p.Copy(ctx, "a.1", "copy"); err != nil {
		t.Errorf("Copy again: %v, want no-op", err)
	}
	if fi2, _ := os.Stat(p.Path("copy")); !os.SameFile(fi, fi2) || !fi.ModTime().Equal(fi2.ModTime()) {
		t.Errorf("Copy again rewrote the copy")
	}
	if err := p.Copy(ctx, "missing", "copy2"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Copy of a missing file: %v", err)
	}
	// The copy is independent: removing the chain leaves it whole.
	if _, err := p.Collect(ctx, []string{"copy"}); err != nil {
		t.Fatal(err)
	}
	if p.Exists("a.0") {
		t.Error("a.0 survived a Collect that kept only the copy")
	}
	qemuIO(t, p.Path("copy"), "read -P 0xcd 1M 1M")
}

// TestPoolRelativeDir: a pool named by a relative directory still writes
// absolute backing paths.
func TestPoolRelativeDir(t *testing.T) {
	testPool(t)
	t.Chdir(t.TempDir())
	p := Pool{Dir: "volumes"}
	mustCreate(t, p, "a.0", 64*mib, "")
	mustCreate(t, p, "a.1", 0, "a.0")
	if h := header(t, p, "a.1"); !filepath.IsAbs(h) {
		t.Errorf("header names %q, want an absolute path", h)
	}
	if back, err := p.Backing(context.Background(), "a.1"); err != nil || back != "a.0" {
		t.Errorf("Backing = %q, %v", back, err)
	}
}
