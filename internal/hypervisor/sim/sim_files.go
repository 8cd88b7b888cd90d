package sim

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/kumo-cloud/kumo/internal/hypervisor"
	"github.com/kumo-cloud/kumo/internal/storage"
)

// Unless Config.FakeDisks, the sim looks at disk files as QEMU would have
// to: it opens nothing for writing, but reads qcow2 headers to refuse an
// overlay that would break a volume's chain, and grows files on resize.

// checkFile reports whether path names a file a disk could open.
func checkFile(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if fi.IsDir() {
		return fmt.Errorf("%s is a directory", path)
	}
	return nil
}

// sameFile reports whether a and b name one file: the same path, or two
// paths to it.
func sameFile(a, b string) bool {
	if a == "" || b == "" {
		return a == b
	}
	if filepath.Clean(a) == filepath.Clean(b) {
		return true
	}
	fa, errA := os.Stat(a)
	fb, errB := os.Stat(b)
	return errA == nil && errB == nil && os.SameFile(fa, fb)
}

// qcow2 is what the sim needs of a qcow2 header.
type qcow2 struct {
	backing string // absolute path of the backing file, "" if none
	size    int64  // virtual size in bytes
}

// qcow2Magic starts every qcow2 file: "QFI\xfb".
const qcow2Magic = 0x514649fb

// maxBackingName is QEMU's limit on the backing file name in a header.
const maxBackingName = 1023

// readQcow2 reads path's header (the fixed part every qcow2 version
// shares). A file that is not qcow2 cannot be an overlay: ErrInvalidSpec.
func readQcow2(path string) (qcow2, error) {
	f, err := os.Open(path)
	if err != nil {
		return qcow2{}, err
	}
	defer f.Close()
	var h struct {
		Magic, Version uint32
		BackingOffset  uint64
		BackingSize    uint32
		ClusterBits    uint32
		Size           uint64
	}
	if err := binary.Read(f, binary.BigEndian, &h); err != nil || h.Magic != qcow2Magic {
		if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
			return qcow2{}, fmt.Errorf("read qcow2 header of %s: %w", path, err)
		}
		return qcow2{}, fmt.Errorf("%w: %s is not a qcow2 file", hypervisor.ErrInvalidSpec, path)
	}
	q := qcow2{size: int64(h.Size)}
	if h.BackingOffset == 0 || h.BackingSize == 0 {
		return q, nil
	}
	if h.BackingSize > maxBackingName {
		return qcow2{}, fmt.Errorf("%w: %s: backing file name of %d bytes", hypervisor.ErrInvalidSpec, path, h.BackingSize)
	}
	name := make([]byte, h.BackingSize)
	if _, err := f.ReadAt(name, int64(h.BackingOffset)); err != nil {
		return qcow2{}, fmt.Errorf("read backing file name of %s: %w", path, err)
	}
	q.backing = string(name)
	if !filepath.IsAbs(q.backing) {
		// As QEMU reads it: relative to the overlay's directory.
		q.backing = filepath.Join(filepath.Dir(path), q.backing)
	}
	return q, nil
}

// virtualSize is what the guest sees of the file at path.
func virtualSize(path, format string) (int64, error) {
	if format == "qcow2" {
		q, err := readQcow2(path)
		return q.size, err
	}
	fi, err := os.Stat(path)
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}

// grow makes the file at path bytes long, as QEMU's block_resize would.
func grow(ctx context.Context, path, format string, bytes int64) error {
	if format == "qcow2" {
		// The qcow2 L1 table may have to grow with the size: leave that to
		// qemu-img, through the package that owns volume files.
		return storage.Pool{Dir: filepath.Dir(path)}.Resize(ctx, filepath.Base(path), bytes)
	}
	return os.Truncate(path, bytes)
}
