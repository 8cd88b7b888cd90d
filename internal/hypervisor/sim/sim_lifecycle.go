package sim

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/kumo-cloud/kumo/internal/hypervisor"
)

// Start boots spec's VM, taking BootDelay; see hypervisor.Driver. If ctx
// ends first, the VM is as it was before the call.
func (d *Driver) Start(ctx context.Context, spec hypervisor.Spec) error {
	if err := spec.Validate(); err != nil {
		return fmt.Errorf("start %s: %w", spec.ID, err)
	}
	disks, err := d.openDisks(spec.Disks)
	if err != nil {
		return fmt.Errorf("start %s: %w", spec.ID, err)
	}
	if err := checkTaps(spec.NICs); err != nil {
		return fmt.Errorf("start %s: %w", spec.ID, err)
	}
	for {
		v, created := d.entry(spec.ID)
		v.op.Lock()
		if v.isGone() {
			// Cleaned up (or a failed first Start) while this call waited.
			v.op.Unlock()
			continue
		}
		err := d.start(ctx, v, spec, disks)
		if err != nil && created {
			d.host.remove(v)
		}
		v.op.Unlock()
		if err != nil {
			return fmt.Errorf("start %s: %w", spec.ID, err)
		}
		return nil
	}
}

// entry returns the host's VM called id, making a record if there is none;
// created says whether it did, so a failed Start can drop it again.
func (d *Driver) entry(id string) (v *vm, created bool) {
	h := d.host
	h.mu.Lock()
	defer h.mu.Unlock()
	if v := h.vms[id]; v != nil {
		return v, false
	}
	v = &vm{id: id, host: h, clock: d.clock, log: d.log.With("instance_id", id)}
	h.vms[id] = v
	return v, true
}

// remove takes v off the host for good.
func (h *Host) remove(v *vm) {
	v.mu.Lock()
	v.gone = true
	v.mu.Unlock()
	h.mu.Lock()
	if h.vms[v.id] == v {
		delete(h.vms, v.id)
	}
	h.mu.Unlock()
}

// start boots v; v.op is held.
func (d *Driver) start(ctx context.Context, v *vm, spec hypervisor.Spec, disks []*disk) error {
	if v.current() != nil {
		if _, err := d.lookup(v.id); err != nil {
			// An earlier agent's VM that nobody adopted must not get a twin.
			return fmt.Errorf("found the vm running, adopt it: %w", hypervisor.ErrRunning)
		}
		return hypervisor.ErrRunning
	}
	began := time.Now()
	if err := sleep(ctx, d.bootDelay); err != nil {
		return fmt.Errorf("boot: %w", err)
	}
	r := &run{
		pid:   d.host.nextPID(),
		done:  make(chan struct{}),
		disks: disks,
		nics:  slices.Clone(spec.NICs),
		ports: len(spec.Disks) + len(spec.NICs) + hotplugPorts,
	}
	v.mu.Lock()
	if n := len(v.console); n > consoleMax {
		v.console = slices.Clone(v.console[n-consoleKeep:])
	}
	r.since = v.clock.Now()
	v.spec, v.cur = spec, r
	v.say("power on %s: %d vcpus, %d MiB, %d disks, %d nics", spec.ID, spec.VCPUs, spec.MemoryMiB, len(spec.Disks), len(spec.NICs))
	v.say("booted %s in %v (no guest runs)", spec.ID, d.bootDelay)
	v.mu.Unlock()
	d.remember(v)
	v.log.Info("vm started", "driver", name, "pid", r.pid, "took", time.Since(began).Round(time.Millisecond))
	return nil
}

// sleep waits for d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Stop powers the VM off; see hypervisor.Driver. Gracefully, the guest
// powers off after ShutdownDelay (never, with IgnoreACPI).
func (d *Driver) Stop(ctx context.Context, id string, force bool) error {
	v, err := d.lookup(id)
	if err != nil {
		return fmt.Errorf("stop: %w", err)
	}
	r := v.current()
	if r == nil {
		return nil
	}
	if !force {
		err := d.powerdown(ctx, v, r)
		if err == nil {
			return nil
		}
		if !errors.Is(err, context.DeadlineExceeded) {
			// Cancelled, not timed out: the caller is going away and the
			// VM must outlive it.
			return fmt.Errorf("stop %s: %w", id, err)
		}
		v.log.Warn("graceful stop failed, forcing", "err", err)
	}
	v.end(r, hypervisor.StateShutdown, reasonForce)
	return nil
}

// powerdown presses the power button and waits for the guest to power
// off, for another Stop to end the run, or for ctx.
func (d *Driver) powerdown(ctx context.Context, v *vm, r *run) error {
	v.mu.Lock()
	if v.cur == r {
		v.say("acpi power button pressed")
	}
	v.mu.Unlock()
	var off <-chan time.Time
	if !d.ignoreACPI {
		t := time.NewTimer(d.shutdownDelay)
		defer t.Stop()
		off = t.C
	}
	select {
	case <-r.done:
		return nil
	case <-off:
		v.end(r, hypervisor.StateShutdown, reasonGuest)
		return nil
	case <-ctx.Done():
		return fmt.Errorf("guest ignored acpi powerdown: %w", ctx.Err())
	}
}

// Reboot resets the VM; see hypervisor.Driver. It stays running, and the
// console shows the new boot BootDelay later.
func (d *Driver) Reboot(ctx context.Context, id string) error {
	v, r, err := d.live(id)
	if err != nil {
		return fmt.Errorf("reboot %s: %w", id, err)
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.cur != r {
		return fmt.Errorf("reboot %s: %w", id, hypervisor.ErrNotRunning)
	}
	r.boots++
	boots := r.boots
	v.say("reset")
	if d.bootDelay <= 0 {
		v.say("booted %s in 0s after reset (no guest runs)", id)
		return nil
	}
	time.AfterFunc(d.bootDelay, func() {
		v.mu.Lock()
		defer v.mu.Unlock()
		if v.cur == r && r.boots == boots {
			v.say("booted %s in %v after reset (no guest runs)", id, d.bootDelay)
		}
	})
	return nil
}

// Status reports the VM's state; see hypervisor.Driver.
func (d *Driver) Status(ctx context.Context, id string) (hypervisor.Status, error) {
	v, err := d.lookup(id)
	if err != nil {
		return hypervisor.Status{}, fmt.Errorf("status: %w", err)
	}
	return v.status(), nil
}

// Adopt takes over a VM on the host that another Driver started; see
// hypervisor.Driver. A VM cleaned up, or on another Host, is ErrNotFound.
func (d *Driver) Adopt(ctx context.Context, spec hypervisor.Spec) (hypervisor.Status, error) {
	if err := spec.Validate(); err != nil {
		return hypervisor.Status{}, fmt.Errorf("adopt %s: %w", spec.ID, err)
	}
	v := d.host.find(spec.ID)
	if v == nil {
		return hypervisor.Status{}, fmt.Errorf("adopt %s: %w", spec.ID, hypervisor.ErrNotFound)
	}
	// A first Start in progress holds op; wait for its outcome.
	v.op.Lock()
	defer v.op.Unlock()
	v.mu.Lock()
	traceless := v.gone || v.last.State == "" && v.cur == nil
	v.mu.Unlock()
	if traceless {
		return hypervisor.Status{}, fmt.Errorf("adopt %s: %w", spec.ID, hypervisor.ErrNotFound)
	}
	d.remember(v)
	st := v.status()
	v.log.Info("adopted vm", "state", st.State)
	return st, nil
}

// Wait blocks until the VM's run ends; see hypervisor.Driver.
func (d *Driver) Wait(ctx context.Context, id string) (hypervisor.Status, error) {
	v, err := d.lookup(id)
	if err != nil {
		return hypervisor.Status{}, fmt.Errorf("wait: %w", err)
	}
	v.mu.Lock()
	r, last := v.cur, v.last
	v.mu.Unlock()
	if r == nil {
		return last, nil
	}
	select {
	case <-r.done:
		return r.final, nil
	case <-ctx.Done():
		return hypervisor.Status{}, fmt.Errorf("wait %s: %w", id, ctx.Err())
	}
}

// Console returns the simulated console: one line per power-on, boot,
// reset and power-off, across runs and Drivers.
func (d *Driver) Console(ctx context.Context, id string) ([]byte, error) {
	v, err := d.lookup(id)
	if err != nil {
		return nil, fmt.Errorf("console: %w", err)
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	return slices.Clone(v.console), nil
}

// Cleanup forgets a stopped VM, here and on the host; see
// hypervisor.Driver. There are no files to remove.
func (d *Driver) Cleanup(ctx context.Context, id string) error {
	v, err := d.lookup(id)
	if errors.Is(err, hypervisor.ErrNotFound) {
		return nil
	}
	v.op.Lock()
	defer v.op.Unlock()
	if v.current() != nil {
		return fmt.Errorf("cleanup %s: %w", id, hypervisor.ErrRunning)
	}
	d.host.remove(v)
	d.forget(v)
	v.log.Info("vm cleaned up")
	return nil
}
