// Package storage owns the host's EBS data files: a pool directory of
// qcow2 files that chain by backing file, and the qemu-img work on them
// (create, overlay, grow, measure, copy, collect garbage).
//
// A volume is a chain of files with its active file on top. A snapshot
// freezes the active file, which becomes the snapshot's layer and is never
// written again, and the volume continues in a new overlay backed by it
// (NewOverlay here; the hypervisor switches a running VM over). A volume
// made from a snapshot is an overlay on the snapshot's layer. Files are
// named once by the caller, never renamed, and referenced by name from the
// records that own them; Collect deletes what no record keeps.
//
// Backing paths in the qcow2 headers are absolute, so a chain opens the
// same from QEMU, qemu-img or any working directory. Every file appears
// under its final name only when complete (it is made under a temporary
// name and linked into place), so a crash leaves a complete file or a
// temporary one that Collect removes later, and a retried Create finds
// its earlier work done.
package storage

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Errors the pool returns, wrapped; match with errors.Is. A missing file
// is fs.ErrNotExist.
var (
	// ErrExists: a file of that name exists but is not what was asked
	// for (another backing file); names are never reused.
	ErrExists = errors.New("file exists with other contents")
	// ErrShrink: a volume cannot become smaller than it is, or than the
	// snapshot it is made from.
	ErrShrink = errors.New("cannot shrink a volume")
	// ErrInvalid: a name or size that can never work.
	ErrInvalid = errors.New("invalid storage request")
)

// Pool is a directory of qcow2 files, e.g. /var/lib/kumo/volumes. Files
// live flat in Dir and are named by plain file names. The zero Pool is not
// usable: Dir must be set.
type Pool struct {
	Dir string
	// MinAge protects new files from Collect: one made moments ago may
	// belong to a record being written now (a caller creates a file, then
	// records its name). Zero collects at once.
	MinAge time.Duration
}

// tempPrefix starts the names of files being made; Collect removes those
// older than tempGrace, which a create in flight never is.
const tempPrefix = ".tmp-"

// dir is Dir made absolute, so the paths written into headers are.
func (p Pool) dir() string {
	d, err := filepath.Abs(p.Dir)
	if err != nil {
		return filepath.Clean(p.Dir) // only if the working directory is gone
	}
	return d
}

// Path returns where the file name lives.
func (p Pool) Path(name string) string { return filepath.Join(p.dir(), name) }

// Exists reports whether the file name is in the pool.
func (p Pool) Exists(name string) bool {
	if checkName(name) != nil {
		return false
	}
	fi, err := os.Stat(p.Path(name))
	return err == nil && fi.Mode().IsRegular()
}

// resolve turns a backing or source argument, a pool file name or an
// absolute path, into an absolute path.
func (p Pool) resolve(ref string) (string, error) {
	if filepath.IsAbs(ref) {
		return filepath.Clean(ref), nil
	}
	if err := checkName(ref); err != nil {
		return "", err
	}
	return p.Path(ref), nil
}

// Create makes the qcow2 file name of sizeBytes: blank if backing is "",
// otherwise an overlay on backing (a pool file name or an absolute path to
// a qcow2 file). With a backing file, sizeBytes 0 means the backing's
// size, and a size below it is ErrShrink. If name already exists with the
// same backing file, Create does nothing (a retry after a crash); with
// another, it returns ErrExists.
func (p Pool) Create(ctx context.Context, name string, sizeBytes int64, backing string) error {
	if err := p.create(ctx, name, sizeBytes, backing); err != nil {
		return fmt.Errorf("create %s: %w", name, err)
	}
	return nil
}

func (p Pool) create(ctx context.Context, name string, size int64, backing string) error {
	if err := checkName(name); err != nil {
		return err
	}
	var bpath string
	if backing != "" {
		var err error
		if bpath, err = p.resolve(backing); err != nil {
			return err
		}
	}
	if done, err := p.alreadyMade(ctx, name, bpath); done || err != nil {
		return err
	}
	switch {
	case bpath == "" && size <= 0:
		return fmt.Errorf("%w: size %d: a blank volume needs a size", ErrInvalid, size)
	case size < 0:
		return fmt.Errorf("%w: size %d", ErrInvalid, size)
	case size%512 != 0:
		return fmt.Errorf("%w: size %d: not a multiple of 512", ErrInvalid, size)
	}
	args := []string{"create", "-q", "-f", "qcow2"}
	if bpath != "" {
		info, err := imageInfo(ctx, bpath)
		if err != nil {
			return fmt.Errorf("backing file: %w", err)
		}
		if size == 0 {
			size = info.VirtualSize
		}
		if size < info.VirtualSize {
			return fmt.Errorf("%w: %d bytes is smaller than backing file %s (%d bytes)", ErrShrink, size, backing, info.VirtualSize)
		}
		args = append(args, "-b", bpath, "-F", "qcow2")
	}
	return p.publish(name, func(tmp string) error {
		_, err := qemuImg(ctx, append(args, tmp, strconv.FormatInt(size, 10))...)
		return err
	})
}

// alreadyMade reports whether name exists with backing file bpath (""
// for none), and errors if it exists with another.
func (p Pool) alreadyMade(ctx context.Context, name, bpath string) (bool, error) {
	path := p.Path(name)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	info, err := imageInfo(ctx, path)
	if err != nil {
		return false, err
	}
	if got := info.backingPath(path); !samePath(got, bpath) {
		if got == "" {
			got = "none"
		}
		return false, fmt.Errorf("%w: backing file is %s", ErrExists, got)
	}
	return true, nil
}

// NewOverlay makes overlay, a qcow2 file backed by active with active's
// virtual size: the first step of a snapshot, after which the hypervisor
// (or, for a volume no VM uses, simply the records) switches the volume to
// overlay and active is frozen. It does nothing if overlay exists with
// that backing file. active may be in use by a running VM.
func (p Pool) NewOverlay(ctx context.Context, active, overlay string) error {
	if err := p.create(ctx, overlay, 0, active); err != nil {
		return fmt.Errorf("new overlay %s on %s: %w", overlay, active, err)
	}
	return nil
}

// Resize grows name to sizeBytes while no VM uses it (a running VM's disk
// grows through the hypervisor instead). The same size is a no-op; a
// smaller one is ErrShrink.
func (p Pool) Resize(ctx context.Context, name string, sizeBytes int64) error {
	if err := checkName(name); err != nil {
		return fmt.Errorf("resize %s: %w", name, err)
	}
	if sizeBytes <= 0 || sizeBytes%512 != 0 {
		return fmt.Errorf("resize %s: %w: size %d", name, ErrInvalid, sizeBytes)
	}
	path := p.Path(name)
	info, err := imageInfo(ctx, path)
	if err != nil {
		return fmt.Errorf("resize %s: %w", name, err)
	}
	switch {
	case sizeBytes == info.VirtualSize:
		return nil
	case sizeBytes < info.VirtualSize:
		return fmt.Errorf("resize %s: %w: from %d to %d bytes", name, ErrShrink, info.VirtualSize, sizeBytes)
	}
	if _, err := qemuImg(ctx, "resize", "-q", "-f", "qcow2", path, strconv.FormatInt(sizeBytes, 10)); err != nil {
		return fmt.Errorf("resize %s: %w", name, err)
	}
	return nil
}

// Size returns name's virtual size: what a guest sees.
func (p Pool) Size(ctx context.Context, name string) (int64, error) {
	path, err := p.resolve(name)
	if err != nil {
		return 0, fmt.Errorf("size of %s: %w", name, err)
	}
	info, err := imageInfo(ctx, path)
	if err != nil {
		return 0, fmt.Errorf("size of %s: %w", name, err)
	}
	return info.VirtualSize, nil
}

// Backing returns the file directly below name in its chain: a pool file
// name, an absolute path for a file outside the pool (an image's root
// disk), or "" if name has no backing file.
func (p Pool) Backing(ctx context.Context, name string) (string, error) {
	path, err := p.resolve(name)
	if err != nil {
		return "", fmt.Errorf("backing of %s: %w", name, err)
	}
	info, err := imageInfo(ctx, path)
	if err != nil {
		return "", fmt.Errorf("backing of %s: %w", name, err)
	}
	return p.ref(info.backingPath(path)), nil
}

// ref names an absolute path the way the pool's callers do: by file name
// inside the pool, by path outside it.
func (p Pool) ref(path string) string {
	if path != "" && filepath.Dir(path) == p.dir() {
		return filepath.Base(path)
	}
	return path
}

// publish makes the file name by running build on a temporary path in the
// pool, syncing it and linking it into place, so that name exists only
// when complete. If name appeared meanwhile (a concurrent retry), the
// temporary file is dropped and name kept.
func (p Pool) publish(name string, build func(tmp string) error) error {
	if err := os.MkdirAll(p.dir(), 0o750); err != nil {
		return err
	}
	b := make([]byte, 6)
	rand.Read(b)
	tmp := p.Path(tempPrefix + name + "-" + hex.EncodeToString(b))
	defer os.Remove(tmp)
	if err := build(tmp); err != nil {
		return err
	}
	if err := syncPath(tmp); err != nil {
		return err
	}
	if err := os.Link(tmp, p.Path(name)); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	return syncPath(p.dir())
}

func syncPath(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// checkName allows plain file names that are not temporary ones.
func checkName(name string) error {
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, "/\x00") ||
		strings.HasPrefix(name, ".") || len(name) > 200 {
		return fmt.Errorf("%w: file name %q", ErrInvalid, name)
	}
	return nil
}

// samePath reports whether a and b name the same file: the same path, or
// two paths to one file (a symlinked directory).
func samePath(a, b string) bool {
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
