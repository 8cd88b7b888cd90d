// Package sim is a simulated hypervisor.Driver for control-plane scale
// benchmarks: it never runs a guest. Start takes as long as a boot would
// (BootDelay; 200 ms by default, kumo-minimal under KVM) and then reports
// the VM running; Stop, Reboot, hot-plug, live snapshots and online growth
// answer as the qemu driver does, with the same errors, so the agent and
// everything above it can be exercised with thousands of instances on one
// machine. No instance ever runs code, has a network or writes its disks:
// sim must never be the default driver, and anything that reports on it
// names it (Driver.Name).
//
// The VMs live in memory, in a Host: the simulated machine, which plays
// the part of the kernel's process table. A Driver is one agent's view of
// a Host. Like QEMU processes, the VMs outlive a Driver (Close, or a new
// Driver) as long as the Host value lives: the same Driver value still
// knows them, and a new Driver given the same Host finds them with Adopt.
// A new Host, like a restarted kumo process, has none, and Adopt finds
// nothing: an agent restart is simulated only within one process. Nothing
// is written to Spec.Dir (the qemu driver creates it; the sim neither
// creates nor removes it).
//
// By default disks are real files, as QEMU would see them: they must
// exist, a snapshot overlay's qcow2 header must continue the disk's chain,
// and ResizeDisk grows the active file (raw by truncation, qcow2 with
// qemu-img). Config.FakeDisks makes disks bookkeeping only, for benchmarks
// that have no volume files.
package sim

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/kumo-cloud/kumo/internal/clock"
	"github.com/kumo-cloud/kumo/internal/hypervisor"
)

// Timings of the simulated guest when Config leaves them zero.
const (
	DefaultBootDelay     = 200 * time.Millisecond // kumo-minimal under KVM, power-on to running
	DefaultShutdownDelay = 100 * time.Millisecond // ACPI power button to power-off
)

// name is what Driver.Name reports, so every benchmark table and log line
// says that no guest ran.
const name = "sim (simulated hypervisor: no guests)"

// Config configures a Driver.
type Config struct {
	// Host is the simulated machine the VMs live on; nil makes a new one.
	// A Driver replacing another (an agent restart) is given the old one's
	// Host to adopt its VMs.
	Host *Host
	// BootDelay is how long Start and a reboot take; zero means
	// DefaultBootDelay and a negative value no delay at all.
	BootDelay time.Duration
	// ShutdownDelay is how long the guest takes to power off after the
	// ACPI power button; zero means DefaultShutdownDelay and a negative
	// value no delay at all.
	ShutdownDelay time.Duration
	// IgnoreACPI makes the guests ignore the power button, as a VM still
	// in its firmware does: a graceful Stop forces at its deadline.
	IgnoreACPI bool
	// FakeDisks makes disks bookkeeping only: paths are never opened,
	// overlays never read and resizes never written (see the package
	// comment).
	FakeDisks bool
	// Log receives driver events; default discards.
	Log *slog.Logger
	// Clock stamps Status.Since; default the wall clock. The delays are
	// real time whatever the clock.
	Clock clock.Clock
}

// Host is a simulated machine: the VMs that exist on it, whichever Driver
// started them. The zero Host is not usable; use NewHost.
type Host struct {
	mu      sync.Mutex
	vms     map[string]*vm
	lastPID int
}

// firstPID is above Linux's largest pid_max (2^22), so a simulated PID can
// never be mistaken for, or signal, a real process.
const firstPID = 1 << 22

// NewHost returns a machine with no VMs.
func NewHost() *Host {
	return &Host{vms: map[string]*vm{}, lastPID: firstPID - 1}
}

func (h *Host) nextPID() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.lastPID++
	return h.lastPID
}

// find returns the VM called id on the host, or nil.
func (h *Host) find(id string) *vm {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.vms[id]
}

// Driver is one agent's view of a Host. It is safe for concurrent use.
type Driver struct {
	host          *Host
	bootDelay     time.Duration
	shutdownDelay time.Duration
	ignoreACPI    bool
	fakeDisks     bool
	log           *slog.Logger
	clock         clock.Clock

	mu    sync.Mutex
	known map[string]*vm // started or adopted by this driver value
}

var _ hypervisor.Driver = (*Driver)(nil)

// New returns a Driver on cfg.Host, knowing none of its VMs yet.
func New(cfg Config) *Driver {
	d := &Driver{
		host:          cfg.Host,
		bootDelay:     delay(cfg.BootDelay, DefaultBootDelay),
		shutdownDelay: delay(cfg.ShutdownDelay, DefaultShutdownDelay),
		ignoreACPI:    cfg.IgnoreACPI,
		fakeDisks:     cfg.FakeDisks,
		log:           cfg.Log,
		clock:         cfg.Clock,
		known:         map[string]*vm{},
	}
	if d.host == nil {
		d.host = NewHost()
	}
	if d.log == nil {
		d.log = slog.New(slog.DiscardHandler)
	}
	if d.clock == nil {
		d.clock = clock.Real{}
	}
	return d
}

func delay(d, def time.Duration) time.Duration {
	switch {
	case d == 0:
		return def
	case d < 0:
		return 0
	}
	return d
}

// Name says what this driver is, for every output that reports on it.
func (d *Driver) Name() string { return name }

// Host returns the machine the driver's VMs live on.
func (d *Driver) Host() *Host { return d.host }

// Close lets go of every VM without touching it, as a departing agent
// does; the VMs keep running on the Host.
func (d *Driver) Close() error {
	d.mu.Lock()
	d.known = map[string]*vm{}
	d.mu.Unlock()
	return nil
}

// lookup returns the VM this driver knows by id.
func (d *Driver) lookup(id string) (*vm, error) {
	d.mu.Lock()
	v := d.known[id]
	d.mu.Unlock()
	if v == nil || v.isGone() {
		return nil, fmt.Errorf("vm %s: %w", id, hypervisor.ErrNotFound)
	}
	return v, nil
}

func (d *Driver) remember(v *vm) {
	d.mu.Lock()
	d.known[v.id] = v
	d.mu.Unlock()
}

func (d *Driver) forget(v *vm) {
	d.mu.Lock()
	if d.known[v.id] == v {
		delete(d.known, v.id)
	}
	d.mu.Unlock()
}

// live returns a running VM this driver knows, and its run, for the
// methods that need one.
func (d *Driver) live(id string) (*vm, *run, error) {
	v, err := d.lookup(id)
	if err != nil {
		return nil, nil, err
	}
	r := v.current()
	if r == nil {
		return nil, nil, hypervisor.ErrNotRunning
	}
	return v, r, nil
}

// errNoPort mirrors the qemu driver's limit on hot-plugged devices.
var errNoPort = errors.New("no free pcie root port")

// hotplugPorts is how many devices a VM can take beyond those it started
// with, as in the qemu driver.
const hotplugPorts = 16
