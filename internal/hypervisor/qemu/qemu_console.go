package qemu

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"

	"github.com/kumo-cloud/kumo/internal/hypervisor"
)

// The console log grows across boots (QEMU appends), so Start trims it:
// past consoleMax bytes, only the last consoleKeep survive. EC2's
// GetConsoleOutput returns at most 64 KiB anyway.
const (
	consoleMax  = 1 << 20
	consoleKeep = 256 << 10
)

// Console returns what the serial console has printed; see hypervisor.Driver.
func (d *Driver) Console(ctx context.Context, id string) ([]byte, error) {
	v, err := d.lookup(id)
	if err != nil {
		return nil, fmt.Errorf("console: %w", err)
	}
	// QEMU writes the file itself, so it is complete whether or not this
	// agent was running while the guest printed.
	b, err := os.ReadFile(v.runFiles().console)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("console %s: %w", id, err)
	}
	return b, nil
}

// trimConsole keeps the tail of an oversized console log. It runs only
// while no QEMU has the file open.
func trimConsole(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || fi.Size() <= consoleMax {
		return err
	}
	tail := make([]byte, consoleKeep)
	if _, err := f.ReadAt(tail, fi.Size()-consoleKeep); err != nil && err != io.EOF {
		return err
	}
	tmp := path + ".trim"
	if err := os.WriteFile(tmp, tail, 0o640); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// Cleanup removes the VM's leftovers and forgets it; see hypervisor.Driver.
func (d *Driver) Cleanup(ctx context.Context, id string) error {
	v, err := d.lookup(id)
	if errors.Is(err, hypervisor.ErrNotFound) {
		return nil
	}
	v.opMu.Lock()
	defer v.opMu.Unlock()
	if r := v.live(); r != nil {
		return fmt.Errorf("cleanup %s: %w", id, hypervisor.ErrRunning)
	}
	f := v.runFiles()
	if err := removeFiles(f.pidfile, f.qmp, f.console, f.console+".trim", f.sercon); err != nil {
		return fmt.Errorf("cleanup %s: %w", id, err)
	}
	// The directory goes too when nothing of the owner's is left in it.
	if err := os.Remove(f.dir); err != nil && !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, syscall.ENOTEMPTY) {
		return fmt.Errorf("cleanup %s: %w", id, err)
	}
	d.forget(v)
	v.log.Info("vm cleaned up")
	return nil
}
