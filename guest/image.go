// Package guest builds kumo-minimal, the built-in AMI: a Debian cloud kernel,
// an initramfs that loads its virtio and ACPI modules, and a small ext4 root
// disk of busybox, dropbear and an init that does what cloud-init does on
// EC2 (DHCP, IMDSv2 metadata, hostname, SSH key, user data once per
// instance). Everything comes from Debian packages fetched with the host's
// apt on first use and cached under the image directory; nothing is taken
// from the host's installed files.
package guest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// Image is a built kumo-minimal.
type Image struct {
	Kernel          string // path to vmlinuz
	Initrd          string // path to initrd (cpio.gz)
	RootDisk        string // path to the root disk image (qcow2), used read-only as the backing file of instance overlays
	RootDiskSizeGiB int    // virtual size of the root disk
	Cmdline         string // kernel command line to boot it
	Version         string // content hash of the recipe, so a changed recipe rebuilds
}

// File names inside a build directory <dir>/<version>/.
const (
	kernelFile   = "vmlinuz"
	initrdFile   = "initrd.img"
	rootDiskFile = "root.qcow2"
	manifestFile = "image.json" // written last: its presence marks a complete build
)

// manifest records what a build was made from, for operators.
type manifest struct {
	Version       string            `json:"version"`
	KernelRelease string            `json:"kernel_release"`
	Packages      map[string]string `json:"packages"` // name → .deb file
	Modules       []string          `json:"modules"`  // loaded by the initramfs, in order
	Builtin       []string          `json:"builtin"`  // wanted modules the kernel has built in
	Libraries     []string          `json:"libraries"`
	BuiltAt       time.Time         `json:"built_at"`
	BuildSeconds  float64           `json:"build_seconds"`
}

// buildSem serialises builds within the process; lockDir does so across
// processes. A channel rather than a mutex so that waiting obeys ctx.
var buildSem = make(chan struct{}, 1)

// Build makes kumo-minimal in dir (e.g. <data-dir>/images/kumo-minimal)
// unless an up-to-date build is already there, in which case it returns at
// once. Each recipe version gets its own subdirectory and old ones are kept:
// their root disks back the overlays of instances launched from them. The
// build happens in a temporary directory renamed into place, so a crash
// leaves no half-built image. progress gets short lines for the operator.
func Build(ctx context.Context, dir string, progress func(string)) (*Image, error) {
	if progress == nil {
		progress = func(string) {}
	}
	version := recipeVersion()
	final := filepath.Join(dir, version)
	if img, err := load(final, version); err == nil {
		return img, nil
	}
	select {
	case buildSem <- struct{}{}:
		defer func() { <-buildSem }()
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("build kumo-minimal: %w", err)
	}
	unlock, err := lockDir(ctx, dir)
	if err != nil {
		return nil, fmt.Errorf("build kumo-minimal: %w", err)
	}
	defer unlock()
	// Another process may have finished it while we waited.
	if img, err := load(final, version); err == nil {
		return img, nil
	}
	// Leftovers of builds that crashed; we hold the lock, so none is live.
	stale, _ := filepath.Glob(filepath.Join(dir, ".build-*"))
	for _, s := range stale {
		os.RemoveAll(s)
	}
	tmp, err := os.MkdirTemp(dir, ".build-"+version+"-")
	if err != nil {
		return nil, fmt.Errorf("build kumo-minimal: %w", err)
	}
	defer os.RemoveAll(tmp)

	start := time.Now()
	progress(fmt.Sprintf("building kumo-minimal %s in %s …", version, dir))
	m, err := build(ctx, dir, tmp, progress)
	if err != nil {
		return nil, fmt.Errorf("build kumo-minimal: %w", err)
	}
	m.Version = version
	m.BuiltAt = time.Now().UTC()
	m.BuildSeconds = time.Since(start).Seconds()
	out := filepath.Join(tmp, "out")
	b, _ := json.MarshalIndent(m, "", "  ")
	if err := writeSynced(filepath.Join(out, manifestFile), b); err != nil {
		return nil, fmt.Errorf("build kumo-minimal: %w", err)
	}
	if err := syncDir(out); err != nil {
		return nil, fmt.Errorf("build kumo-minimal: %w", err)
	}
	// A directory without its manifest is a damaged build (a complete one
	// was returned above). Move it aside rather than delete it: its disk
	// may still back instance overlays.
	if _, err := os.Stat(final); err == nil {
		os.Rename(final, fmt.Sprintf("%s.damaged-%d", final, time.Now().Unix()))
	}
	if err := os.Rename(out, final); err != nil {
		return nil, fmt.Errorf("build kumo-minimal: %w", err)
	}
	if err := syncDir(dir); err != nil {
		return nil, fmt.Errorf("build kumo-minimal: %w", err)
	}
	progress(fmt.Sprintf("kumo-minimal %s ready (%.1fs)", version, m.BuildSeconds))
	return load(final, version)
}

// load returns the image in a complete build directory.
func load(final, version string) (*Image, error) {
	if _, err := os.Stat(filepath.Join(final, manifestFile)); err != nil {
		return nil, err
	}
	img := &Image{
		Kernel:          filepath.Join(final, kernelFile),
		Initrd:          filepath.Join(final, initrdFile),
		RootDisk:        filepath.Join(final, rootDiskFile),
		RootDiskSizeGiB: rootDiskSizeGiB,
		Cmdline:         cmdline,
		Version:         version,
	}
	for _, f := range []string{img.Kernel, img.Initrd, img.RootDisk} {
		if _, err := os.Stat(f); err != nil {
			return nil, err
		}
	}
	return img, nil
}

// lockDir takes an exclusive flock on dir/.lock, polling so that ctx can
// cancel the wait. The kernel drops the lock if the process dies.
func lockDir(ctx context.Context, dir string) (unlock func(), err error) {
	f, err := os.OpenFile(filepath.Join(dir, ".lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() { f.Close() }, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", f.Name(), err)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func writeSynced(name string, data []byte) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// syncDir flushes a directory's entries, and with them the files renamed or
// created in it, so a power loss cannot leave a manifest without its disk.
func syncDir(dir string) error {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range ents {
		if e.Type().IsRegular() {
			if f, err := os.Open(filepath.Join(dir, e.Name())); err == nil {
				f.Sync()
				f.Close()
			}
		}
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
