// Package qemu is the hypervisor.Driver that runs each VM as a detached
// qemu-system-x86_64 process on a q35 machine, with KVM when it works and
// TCG otherwise.
//
// Everything a VM needs to be found again lives in its run directory: the
// pidfile, the QMP socket and the console log. QEMU daemonizes into its own
// session, so VMs outlive the agent; a new Driver picks them up with Adopt.
// The Driver keeps only in-memory bookkeeping (process handles, monitor
// connections) that Adopt can rebuild.
package qemu

import (
	"context"
	"fmt"
	"log/slog"
	"os/exec"
	"sync"

	"github.com/kumo-cloud/kumo/internal/clock"
	"github.com/kumo-cloud/kumo/internal/hypervisor"
)

// Config configures a Driver.
type Config struct {
	// Binary is the QEMU system emulator; default "qemu-system-x86_64"
	// looked up in PATH.
	Binary string
	// Accel forces an accelerator; empty decides by probing (see New).
	Accel Accel
	// Log receives driver events; default discards.
	Log *slog.Logger
	// Clock stamps Status.Since; default the wall clock.
	Clock clock.Clock
}

// Driver runs VMs as QEMU processes. It is safe for concurrent use.
type Driver struct {
	binary string
	accel  Accel
	log    *slog.Logger
	clock  clock.Clock

	mu  sync.Mutex
	vms map[string]*vm
}

var _ hypervisor.Driver = (*Driver)(nil)

// New returns a Driver. Unless cfg.Accel forces one, it decides between KVM
// and TCG by trying KVM (a vmx/svm CPU flag and a probe boot that finishes),
// because /dev/kvm existing proves nothing under nested virtualisation.
func New(ctx context.Context, cfg Config) (*Driver, error) {
	d := &Driver{log: cfg.Log, clock: cfg.Clock, vms: map[string]*vm{}}
	if d.log == nil {
		d.log = slog.New(slog.DiscardHandler)
	}
	if d.clock == nil {
		d.clock = clock.Real{}
	}
	bin := cfg.Binary
	if bin == "" {
		bin = "qemu-system-x86_64"
	}
	path, err := exec.LookPath(bin)
	if err != nil {
		return nil, fmt.Errorf("qemu driver: %w", err)
	}
	d.binary = path

	switch cfg.Accel {
	case AccelKVM, AccelTCG:
		d.accel = cfg.Accel
		d.log.Info("hypervisor accelerator", "accel", d.accel, "reason", "configured")
	case "":
		accel, why := detectAccel(ctx, d.binary)
		d.accel = accel
		d.log.Info("hypervisor accelerator", "accel", accel, "reason", why)
	default:
		return nil, fmt.Errorf("qemu driver: unknown accelerator %q", cfg.Accel)
	}
	return d, nil
}

// Accel reports the accelerator VMs run with.
func (d *Driver) Accel() Accel { return d.accel }

// Close lets go of every VM without touching it: process watches and
// monitor connections end, the QEMU processes keep running. It is what an
// agent does on its way out; a new Driver adopts the VMs again.
func (d *Driver) Close() error {
	d.mu.Lock()
	vms := d.vms
	d.vms = map[string]*vm{}
	d.mu.Unlock()
	for _, v := range vms {
		if r := v.current(); r != nil {
			r.release()
		}
	}
	return nil
}

// lookup returns the VM this driver knows by id.
func (d *Driver) lookup(id string) (*vm, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	v := d.vms[id]
	if v == nil {
		return nil, fmt.Errorf("vm %s: %w", id, hypervisor.ErrNotFound)
	}
	return v, nil
}

// entry returns the VM record for spec, creating it if needed; created says
// whether it did, so a failed Start or Adopt can forget it again.
func (d *Driver) entry(spec hypervisor.Spec) (v *vm, created bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if v := d.vms[spec.ID]; v != nil {
		return v, false
	}
	v = &vm{
		id:    spec.ID,
		log:   d.log.With("instance_id", spec.ID),
		clock: d.clock,
	}
	v.setSpec(spec)
	d.vms[spec.ID] = v
	return v, true
}

// forget drops v from the driver, if it is still the record for its id.
func (d *Driver) forget(v *vm) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.vms[v.id] == v {
		delete(d.vms, v.id)
	}
}
