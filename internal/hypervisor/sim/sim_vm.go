package sim

import (
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/kumo-cloud/kumo/internal/clock"
	"github.com/kumo-cloud/kumo/internal/hypervisor"
)

// The console keeps what EC2's GetConsoleOutput can return (64 KiB); Start
// trims it to the newest half when it has grown past that, so 10,000 VMs
// that reboot all day stay small.
const (
	consoleMax  = 64 << 10
	consoleKeep = 32 << 10
)

// vm is one VM on a Host, across its runs.
type vm struct {
	id    string
	host  *Host
	clock clock.Clock
	log   *slog.Logger

	op   sync.Mutex // serialises Start, Adopt and Cleanup
	plug sync.Mutex // serialises device changes, which read and write run.disks and run.nics

	mu      sync.Mutex
	spec    hypervisor.Spec
	cur     *run              // the current run, nil while the VM does not run
	last    hypervisor.Status // reported while cur is nil
	console []byte
	gone    bool // cleaned up: no longer on the host
}

// run is one power-on of a VM: what a QEMU process would be.
type run struct {
	pid   int
	since time.Time
	boots int // Start's boot and every reset since, to tell a stale boot line
	done  chan struct{}
	final hypervisor.Status // set before done closes

	// Devices, guarded by vm.plug.
	disks []*disk
	nics  []hypervisor.NIC
	ports int // devices the VM can hold: those at Start plus hotplugPorts
}

// disk is one attached disk; Path is its active (top) file.
type disk struct {
	hypervisor.Disk
	frozen []string // files below Path that snapshots froze, newest first
	size   int64    // with FakeDisks, the size ResizeDisk last set (0: unknown)
}

func (v *vm) current() *run {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.cur
}

func (v *vm) isGone() bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.gone
}

func (v *vm) status() hypervisor.Status {
	v.mu.Lock()
	defer v.mu.Unlock()
	if r := v.cur; r != nil {
		return hypervisor.Status{State: hypervisor.StateRunning, PID: r.pid, Since: r.since}
	}
	return v.last
}

// say appends a line to the console; v.mu must be held.
func (v *vm) say(format string, args ...any) {
	v.console = fmt.Appendf(v.console, "[sim] "+format+"\n", args...)
}

// end finishes run r with a final state, unless it has ended already, and
// reports whether it did.
func (v *vm) end(r *run, state hypervisor.State, reason string) bool {
	v.mu.Lock()
	if v.cur != r {
		v.mu.Unlock()
		return false
	}
	r.final = hypervisor.Status{State: state, Since: v.clock.Now(), Reason: reason}
	v.cur, v.last = nil, r.final
	v.say("%s %s: %s", v.id, state, reason)
	close(r.done)
	v.mu.Unlock()
	v.log.Info("vm exited", "state", state, "reason", reason)
	return true
}

// PowerOff makes the guest of VM id power itself off, as `poweroff` inside
// an instance does: the VM shuts down with reason "guest-shutdown". It
// returns ErrNotFound for a VM the host does not have and ErrNotRunning
// for one that does not run.
func (h *Host) PowerOff(id string) error {
	return h.exit(id, hypervisor.StateShutdown, reasonGuest)
}

// Crash ends VM id as if its process died without a shutdown (an OOM kill,
// a host fault): the VM is crashed. Errors as for PowerOff.
func (h *Host) Crash(id string) error {
	return h.exit(id, hypervisor.StateCrashed, "exited without shutdown")
}

func (h *Host) exit(id string, state hypervisor.State, reason string) error {
	v := h.find(id)
	if v == nil {
		return fmt.Errorf("vm %s: %w", id, hypervisor.ErrNotFound)
	}
	r := v.current()
	if r == nil || !v.end(r, state, reason) {
		return fmt.Errorf("vm %s: %w", id, hypervisor.ErrNotRunning)
	}
	return nil
}

// Reasons a run ends with, in QEMU's words (its SHUTDOWN event).
const (
	reasonGuest = "guest-shutdown" // the guest powered off
	reasonForce = "host-qmp-quit"  // Stop with force, or at the deadline
)
