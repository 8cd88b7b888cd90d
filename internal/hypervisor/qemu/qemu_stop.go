package qemu

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kumo-cloud/kumo/internal/hypervisor"
)

// Timeouts of a forced stop. Both are generous: QEMU leaves at once on quit
// and SIGKILL; what takes time is the kernel tearing down guest memory.
const (
	quitTimeout  = 3 * time.Second  // QMP quit before escalating to SIGKILL
	forceTimeout = 10 * time.Second // the whole forced stop, when ctx has run out
)

// Stop powers the VM off; see hypervisor.Driver.
func (d *Driver) Stop(ctx context.Context, id string, force bool) error {
	v, err := d.lookup(id)
	if err != nil {
		return fmt.Errorf("stop: %w", err)
	}
	r := v.live()
	if r == nil {
		return nil
	}
	if !force {
		err := r.powerdown(ctx)
		if err == nil {
			return nil
		}
		if !errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil {
			// Cancelled, not timed out: the caller is going away and the
			// VM must outlive it.
			return fmt.Errorf("stop %s: %w", id, err)
		}
		r.log.Warn("graceful stop failed, forcing", "err", err)
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), forceTimeout)
		defer cancel()
	}
	if err := r.forceStop(ctx); err != nil {
		return fmt.Errorf("stop %s: %w", id, err)
	}
	return nil
}

// powerdown presses the ACPI power button and waits for QEMU to exit,
// which it does when the guest powers off (no -no-shutdown).
func (r *run) powerdown(ctx context.Context) error {
	mon := r.monitor()
	if mon == nil {
		return errors.New("qmp unreachable")
	}
	if err := mon.Execute(ctx, "system_powerdown", nil, nil); err != nil {
		if r.exited() {
			return nil
		}
		return err
	}
	select {
	case <-r.done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("guest ignored acpi powerdown: %w", ctx.Err())
	}
}

// forceStop ends QEMU: quit over QMP (a clean exit that flushes disk
// caches and removes pidfile and socket), then SIGKILL.
func (r *run) forceStop(ctx context.Context) error {
	if mon := r.monitor(); mon != nil {
		qctx, cancel := context.WithTimeout(ctx, quitTimeout)
		// The reply may be lost to the hang-up of an exiting QEMU, so the
		// exit is what counts, not the answer.
		mon.Execute(qctx, "quit", nil, nil)
		select {
		case <-r.done:
			cancel()
			return nil
		case <-qctx.Done():
		}
		cancel()
		r.log.Warn("qemu ignored quit, killing")
	}
	r.mu.Lock()
	r.killed = true
	r.mu.Unlock()
	if err := r.proc.kill(); err != nil {
		return fmt.Errorf("kill qemu pid %d: %w", r.proc.pid, err)
	}
	select {
	case <-r.done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("qemu pid %d survived SIGKILL: %w", r.proc.pid, ctx.Err())
	}
}

// Reboot resets the VM.
func (d *Driver) Reboot(ctx context.Context, id string) error {
	v, err := d.lookup(id)
	if err != nil {
		return fmt.Errorf("reboot: %w", err)
	}
	r := v.live()
	if r == nil {
		return fmt.Errorf("reboot %s: %w", id, hypervisor.ErrNotRunning)
	}
	mon := r.monitor()
	if mon == nil {
		return fmt.Errorf("reboot %s: qmp unreachable", id)
	}
	if err := mon.Execute(ctx, "system_reset", nil, nil); err != nil {
		return fmt.Errorf("reboot %s: %w", id, err)
	}
	return nil
}

// Wait blocks until the VM's process exits; see hypervisor.Driver.
func (d *Driver) Wait(ctx context.Context, id string) (hypervisor.Status, error) {
	v, err := d.lookup(id)
	if err != nil {
		return hypervisor.Status{}, fmt.Errorf("wait: %w", err)
	}
	r := v.current()
	if r == nil {
		return v.stoppedStatus(), nil
	}
	select {
	case <-r.done:
		return r.final, nil
	case <-ctx.Done():
		return hypervisor.Status{}, fmt.Errorf("wait %s: %w", id, ctx.Err())
	}
}
