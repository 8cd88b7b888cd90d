package qemu

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"github.com/kumo-cloud/kumo/internal/hypervisor"
	"github.com/kumo-cloud/kumo/internal/qmp"
)

// adoptConnectTimeout bounds the QMP reconnect of an adopted VM. A QEMU
// that does not answer within it is reported impaired, not waited for:
// adoption runs for every VM at agent start.
const adoptConnectTimeout = 5 * time.Second

// Adopt takes over a VM an earlier agent started; see hypervisor.Driver.
func (d *Driver) Adopt(ctx context.Context, spec hypervisor.Spec) (hypervisor.Status, error) {
	if err := checkSpec(spec); err != nil {
		return hypervisor.Status{}, fmt.Errorf("adopt %s: %w", spec.ID, err)
	}
	v, created := d.entry(spec)
	v.opMu.Lock()
	defer v.opMu.Unlock()
	if r := v.live(); r != nil {
		return r.status(ctx) // already ours
	}
	st, err := d.adopt(ctx, v, spec)
	if err != nil {
		if created {
			d.forget(v)
		}
		return hypervisor.Status{}, fmt.Errorf("adopt %s: %w", spec.ID, err)
	}
	return st, nil
}

func (d *Driver) adopt(ctx context.Context, v *vm, spec hypervisor.Spec) (hypervisor.Status, error) {
	f := filesFor(spec.Dir)
	v.setSpec(spec)
	// findProcess checks /proc/PID/cmdline for the id: a pidfile left by a
	// VM that died may name a PID the kernel has since given to another.
	proc, err := findProcess(f.pidfile, spec.ID)
	if err != nil {
		return hypervisor.Status{}, err
	}
	if proc == nil {
		if _, err := os.Stat(f.dir); errors.Is(err, fs.ErrNotExist) {
			return hypervisor.Status{}, hypervisor.ErrNotFound
		}
		st := hypervisor.Status{State: hypervisor.StateShutdown, Since: d.clock.Now(), Reason: "not running"}
		v.mu.Lock()
		v.cur, v.last = nil, st
		v.mu.Unlock()
		v.log.Info("adopted stopped vm")
		return st, nil
	}

	cctx, cancel := context.WithTimeout(ctx, adoptConnectTimeout)
	defer cancel()
	mon, err := qmp.Connect(cctx, f.qmp)
	if err != nil {
		// The process is ours but will not talk: report it impaired and let
		// the owner decide (Stop still works, by signal).
		v.log.Warn("adopted vm is impaired", "pid", proc.pid, "err", err)
		mon = nil
	}
	r := newRun(v, proc, f.qmp, mon)
	v.mu.Lock()
	v.cur = r
	v.mu.Unlock()
	st, err := r.status(ctx)
	if err != nil {
		return hypervisor.Status{}, err
	}
	r.log.Info("adopted vm", "state", st.State, "reason", st.Reason)
	return st, nil
}

// Status reports the VM's state; see hypervisor.Driver.
func (d *Driver) Status(ctx context.Context, id string) (hypervisor.Status, error) {
	v, err := d.lookup(id)
	if err != nil {
		return hypervisor.Status{}, fmt.Errorf("status: %w", err)
	}
	r := v.current()
	if r == nil {
		return v.stoppedStatus(), nil
	}
	st, err := r.status(ctx)
	if err != nil {
		return hypervisor.Status{}, fmt.Errorf("status %s: %w", id, err)
	}
	return st, nil
}
