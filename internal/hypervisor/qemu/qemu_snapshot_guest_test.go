package qemu

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/kumo-cloud/kumo/internal/hypervisor"
	"github.com/kumo-cloud/kumo/internal/storage"
)

// TestSnapshotDiskGuest snapshots a disk while the guest writes to it and
// grows it under the guest. The guest is kumo-minimal's kernel and
// initramfs with a test program as the initramfs's init (no root disk,
// no network): it writes blocks 0, 1, 2, … of the data disk in order,
// each synced before the next and holding its own number, and then
// reports the disk's size whenever it changes. A crash-consistent
// snapshot then means: the frozen layer holds exactly blocks 0..K-1 for
// some K, the overlay the rest, and the layer never changes again.
func TestSnapshotDiskGuest(t *testing.T) {
	if testing.Short() {
		t.Skip("boots kumo-minimal's kernel under TCG; skipped with -short")
	}
	requireQEMU(t)
	img := kumoMinimal(t)
	d := newDriver(t)
	spec := testSpec(t)
	spec.MemoryMiB = 256 // the Debian cloud kernel wants more than 128
	spec.Kernel, spec.Initrd = img.Kernel, snapTestInitrd(t, img.Initrd)
	spec.Cmdline = img.Cmdline + " rdinit=/snaptest"
	p := storage.Pool{Dir: t.TempDir()}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const size = 64 << 20
	if err := p.Create(ctx, "vol.0", size, ""); err != nil {
		t.Fatal(err)
	}
	// Throttled, so the writes go through a filter node the snapshot
	// must reach under.
	data := hypervisor.Disk{Path: p.Path("vol.0"), Format: "qcow2", Serial: "vol0snap", IOPS: 20000}
	spec.Disks = []hypervisor.Disk{data}

	began := time.Now()
	if err := d.Start(ctx, spec); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		d.Stop(context.Background(), spec.ID, true)
		d.Cleanup(context.Background(), spec.ID)
	})
	pos := waitConsole(t, d, spec.ID, 0, "snaptest: wrote 100 ", time.Minute)
	t.Logf("guest writing: %v after Start", time.Since(began).Round(time.Millisecond))

	if err := p.NewOverlay(ctx, "vol.0", "vol.1"); err != nil {
		t.Fatal(err)
	}
	if err := d.SnapshotDisk(ctx, spec.ID, data.Serial, p.Path("vol.1")); err != nil {
		t.Fatalf("SnapshotDisk: %v", err)
	}
	frozen := fileHash(t, p.Path("vol.0"))
	if err := d.SnapshotDisk(ctx, spec.ID, data.Serial, p.Path("vol.1")); err != nil {
		t.Errorf("SnapshotDisk again: %v, want no-op", err)
	}
	pos = waitConsole(t, d, spec.ID, pos, "snaptest: writer done", time.Minute)

	if err := d.ResizeDisk(ctx, spec.ID, data.Serial, 2*size); err != nil {
		t.Fatalf("ResizeDisk: %v", err)
	}
	// /sys/block/vdX/size counts 512-byte sectors.
	waitConsole(t, d, spec.ID, pos, fmt.Sprintf("snaptest: size %d\r\n", 2*size/512), 30*time.Second)

	if out, _ := d.Console(ctx, spec.ID); bytes.Contains(out, []byte("snaptest: failed")) {
		t.Fatalf("the guest's writes failed:\n%s", tail(out, 3000))
	}
	if h := fileHash(t, p.Path("vol.0")); h != frozen {
		t.Errorf("the frozen layer changed while the guest wrote on")
	}
	if err := d.Stop(ctx, spec.ID, true); err != nil {
		t.Fatal(err)
	}
	if h := fileHash(t, p.Path("vol.0")); h != frozen {
		t.Errorf("the frozen layer changed when the VM stopped")
	}
	t.Logf("test took %v", time.Since(began).Round(time.Millisecond))

	// What the snapshot holds: a prefix of the blocks, nothing torn.
	layer := readImage(t, p.Path("vol.0"))
	k := 0
	for k < snapBlocks && bytes.Equal(block(layer, k), snapBlock(k)) {
		k++
	}
	if k < 100 || k == snapBlocks {
		t.Errorf("the layer holds blocks 0..%d, want the writer's position when the snapshot was taken (100 to %d)", k-1, snapBlocks-1)
	}
	for i := k; i < len(layer)/snapBlockSize; i++ {
		if b := block(layer, i); !bytes.Equal(b, make([]byte, snapBlockSize)) {
			t.Fatalf("layer block %d after the snapshot point %d is not empty: %q…", i, k, b[:16])
		}
	}
	// What the volume holds now: every block, from both files.
	vol := readImage(t, p.Path("vol.1"))
	if len(vol) != 2*size {
		t.Errorf("the volume has %d bytes, want %d", len(vol), 2*size)
	}
	for i := range snapBlocks {
		if !bytes.Equal(block(vol, i), snapBlock(i)) {
			t.Fatalf("volume block %d = %q…, want its number", i, block(vol, i)[:16])
		}
	}
	// Each file holds its share, whole qcow2 clusters of it.
	const cluster = 64 << 10
	roundUp := func(n int64) int64 { return (n + cluster - 1) / cluster * cluster }
	if n, err := p.LayerBytes(ctx, "vol.0"); err != nil || n != roundUp(int64(k)*snapBlockSize) {
		t.Errorf("LayerBytes(vol.0) = %d, %v; want %d", n, err, roundUp(int64(k)*snapBlockSize))
	}
	want := roundUp(snapBlocks*snapBlockSize) - int64(k)*snapBlockSize/cluster*cluster
	if n, err := p.LayerBytes(ctx, "vol.1"); err != nil || n != want {
		t.Errorf("LayerBytes(vol.1) = %d, %v; want %d", n, err, want)
	}
	for _, f := range []string{"vol.0", "vol.1"} {
		if out, err := exec.Command("qemu-img", "check", "-q", p.Path(f)).CombinedOutput(); err != nil {
			t.Errorf("qemu-img check %s: %v\n%s", f, err, out)
		}
	}
	t.Logf("snapshot point: block %d of %d", k, snapBlocks)
}

const (
	snapBlocks    = 300
	snapBlockSize = 4096
)

// snapBlock is what the guest writes into block i: its number, right
// aligned, and a newline.
func snapBlock(i int) []byte { return fmt.Appendf(nil, "%4095d\n", i) }

func block(img []byte, i int) []byte { return img[i*snapBlockSize : (i+1)*snapBlockSize] }

// snapTestScript is the guest: the initramfs's module loading, then the
// writer and the size reporter. Each block goes out synced (conv=fsync)
// before the next starts, so the writes are ordered on the disk.
const snapTestScript = `#!/bin/sh
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
while read -r m; do insmod "/lib/modules/$m"; done </etc/modules.order
dev=
i=0
while [ -z "$dev" ] && [ $i -lt 100 ]; do
	for b in /sys/block/vd*; do
		[ "$(cat $b/serial 2>/dev/null)" = vol0snap ] && dev=${b##*/}
	done
	i=$((i + 1))
	sleep 0.1
done
[ -n "$dev" ] || echo "snaptest: failed: no disk vol0snap"
n=0
while [ $n -lt 300 ]; do
	printf '%4095d\n' $n | dd of=/dev/$dev bs=4096 count=1 seek=$n iflag=fullblock conv=fsync 2>/dev/null ||
		echo "snaptest: failed: write $n"
	n=$((n + 1))
	[ $((n % 20)) = 0 ] && echo "snaptest: wrote $n "
done
echo "snaptest: writer done"
size=
while :; do
	s=$(cat /sys/block/$dev/size)
	[ "$s" != "$size" ] && echo "snaptest: size $s" && size=$s
	sleep 0.2
done
`

// snapTestInitrd is base with /snaptest added: the kernel unpacks
// concatenated archives in order, each starting 4-byte aligned.
func snapTestInitrd(t *testing.T, base string) string {
	t.Helper()
	b, err := os.ReadFile(base)
	if err != nil {
		t.Fatal(err)
	}
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	b = appendCPIO(b, "snaptest", 0o100755, []byte(snapTestScript))
	b = appendCPIO(b, "TRAILER!!!", 0, nil)
	p := filepath.Join(t.TempDir(), "initrd.img")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// appendCPIO appends one entry in the newc format the kernel unpacks.
func appendCPIO(b []byte, name string, mode uint32, data []byte) []byte {
	pad := func(b []byte) []byte {
		for len(b)%4 != 0 {
			b = append(b, 0)
		}
		return b
	}
	nlink := 1
	b = fmt.Appendf(b, "070701%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x",
		0, mode, 0, 0, nlink, 0, len(data), 0, 0, 0, 0, len(name)+1, 0)
	b = pad(append(append(b, name...), 0))
	return pad(append(b, data...))
}

// readImage returns the guest's view of a qcow2 chain, through qemu-img.
func readImage(t *testing.T, path string) []byte {
	t.Helper()
	raw := filepath.Join(t.TempDir(), "image.raw")
	if out, err := exec.Command("qemu-img", "convert", "-f", "qcow2", "-O", "raw", path, raw).CombinedOutput(); err != nil {
		t.Fatalf("qemu-img convert %s: %v\n%s", path, err, out)
	}
	b, err := os.ReadFile(raw)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func fileHash(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}
