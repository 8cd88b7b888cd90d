package qemu

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/kumo-cloud/kumo/internal/hypervisor"
	"github.com/kumo-cloud/kumo/internal/qmp"
)

// startTimeout bounds each step of a start that waits on QEMU (connecting
// the monitor, resuming), in case ctx has no deadline of its own.
const startTimeout = 30 * time.Second

// Start launches spec's VM and returns once it runs.
func (d *Driver) Start(ctx context.Context, spec hypervisor.Spec) error {
	if err := checkSpec(spec); err != nil {
		return fmt.Errorf("start %s: %w", spec.ID, err)
	}
	v, created := d.entry(spec)
	v.opMu.Lock()
	defer v.opMu.Unlock()
	u := newUndo()
	defer u.fail()
	if created {
		u.add(func() { d.forget(v) })
	}
	if v.live() != nil {
		return fmt.Errorf("start %s: %w", spec.ID, hypervisor.ErrRunning)
	}
	f := filesFor(spec.Dir)
	// A QEMU from an earlier agent that nobody adopted must not get a twin
	// (QEMU's pidfile lock would refuse it anyway, less clearly).
	if p, err := findProcess(f.pidfile, spec.ID); err != nil {
		return fmt.Errorf("start %s: %w", spec.ID, err)
	} else if p != nil {
		p.release()
		return fmt.Errorf("start %s: found running qemu pid %d, adopt it: %w", spec.ID, p.pid, hypervisor.ErrRunning)
	}

	v.setSpec(spec)
	began := time.Now()
	r, err := d.launch(ctx, v, spec, f, u)
	if err != nil {
		return fmt.Errorf("start %s: %w", spec.ID, err)
	}
	v.mu.Lock()
	v.cur = r
	v.mu.Unlock()
	u.success()
	r.log.Info("vm started", "accel", d.accel, "took", time.Since(began).Round(time.Millisecond))
	return nil
}

// checkSpec is Spec.Validate plus what this driver adds.
func checkSpec(spec hypervisor.Spec) error {
	if err := spec.Validate(); err != nil {
		return err
	}
	if n := len(filesFor(spec.Dir).qmp); n > maxSocketPath {
		return fmt.Errorf("%w: dir %q: qmp socket path is %d bytes, unix sockets allow %d",
			hypervisor.ErrInvalidSpec, spec.Dir, n, maxSocketPath)
	}
	return nil
}

// launch makes every host change of a start, registering its inverse on u.
func (d *Driver) launch(ctx context.Context, v *vm, spec hypervisor.Spec, f runFiles, u *undo) (*run, error) {
	if _, err := os.Stat(f.dir); errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(f.dir, 0o750); err != nil {
			return nil, err
		}
		u.add(func() { os.Remove(f.dir) }) // only if empty: never the owner's files
	}
	// Leftovers of a QEMU that died without cleaning up (SIGKILL, host
	// crash); findProcess has just shown it is gone.
	removeFiles(f.qmp, f.pidfile)
	if spec.Kernel == "" {
		// SeaBIOS reads the port as a little-endian integer: COM1.
		if err := os.WriteFile(f.sercon, []byte{0xf8, 0x03}, 0o640); err != nil {
			return nil, err
		}
		u.add(func() { removeFiles(f.sercon) })
	}
	if _, err := os.Stat(f.console); errors.Is(err, fs.ErrNotExist) {
		u.add(func() { removeFiles(f.console) })
	} else if err := trimConsole(f.console); err != nil {
		v.log.Warn("trim console log", "err", err)
	}

	// Kill whatever QEMU this attempt leaves, even if the daemonizing
	// parent failed or ctx killed it after the daemon forked.
	u.add(func() { killLeftover(f, spec.ID) })
	name, args := command(d.binary, spec, d.accel)
	cmd := exec.CommandContext(ctx, name, args...)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	// The daemon holds our stderr pipe until it finishes initialising; do
	// not wait forever if something keeps it open longer.
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Run(); err != nil {
		if msg := strings.TrimSpace(stderr.String()); msg != "" {
			return nil, fmt.Errorf("run qemu: %w: %s", err, msg)
		}
		return nil, fmt.Errorf("run qemu: %w", err)
	}

	proc, err := findProcess(f.pidfile, spec.ID)
	if err != nil {
		return nil, err
	}
	if proc == nil {
		return nil, fmt.Errorf("qemu daemonized but pidfile %s names no live qemu", f.pidfile)
	}
	u.add(func() {
		proc.kill()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		proc.wait(ctx)
		proc.release()
	})

	cctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	mon, err := qmp.Connect(cctx, f.qmp)
	if err != nil {
		return nil, err
	}
	r := newRun(v, proc, f.qmp, mon)
	u.add(func() { mon.Close() })
	if err := mon.Execute(cctx, "cont", nil, nil); err != nil {
		return nil, err
	}
	r.setState(hypervisor.StateRunning, "")
	return r, nil
}

// killLeftover kills the QEMU of instance id that pidfile names, if any,
// and removes the files it would have removed on a clean exit.
func killLeftover(f runFiles, id string) {
	if p, _ := findProcess(f.pidfile, id); p != nil {
		p.kill()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		p.wait(ctx)
		cancel()
		p.release()
	}
	removeFiles(f.pidfile, f.qmp)
}

// removeFiles removes paths, ignoring those already gone.
func removeFiles(paths ...string) error {
	var errs []error
	for _, p := range paths {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
