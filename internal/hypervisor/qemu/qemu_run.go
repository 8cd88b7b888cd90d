package qemu

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"time"

	"github.com/kumo-cloud/kumo/internal/clock"
	"github.com/kumo-cloud/kumo/internal/hypervisor"
	"github.com/kumo-cloud/kumo/internal/qmp"
)

// vm is the driver's record of one instance across QEMU processes.
type vm struct {
	id    string
	log   *slog.Logger
	clock clock.Clock

	opMu   sync.Mutex // serialises Start, Adopt and Cleanup
	plugMu sync.Mutex // serialises hot-plug, which picks free ports

	mu    sync.Mutex
	spec  hypervisor.Spec
	files runFiles
	cur   *run              // the latest QEMU process, nil if none was seen
	last  hypervisor.Status // reported while cur is nil
}

func (v *vm) setSpec(spec hypervisor.Spec) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.spec, v.files = spec, filesFor(spec.Dir)
}

func (v *vm) runFiles() runFiles {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.files
}

func (v *vm) current() *run {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.cur
}

// live returns the current run if its process still exists.
func (v *vm) live() *run {
	if r := v.current(); r != nil && !r.exited() {
		return r
	}
	return nil
}

// stoppedStatus is the status of a VM whose process is gone (live() ==
// nil): the final status of its last run.
func (v *vm) stoppedStatus() hypervisor.Status {
	if r := v.current(); r != nil {
		return r.finalStatus()
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.last
}

// exitSettle bounds how long the exit path waits for the monitor's last
// events (the SHUTDOWN that says why) after the process is gone.
const exitSettle = 2 * time.Second

// run is one QEMU process: its handle, its monitor and what its events said.
type run struct {
	log   *slog.Logger
	clock clock.Clock
	proc  *process
	qmp   string // socket path, for reconnecting an impaired run

	mu         sync.Mutex
	mon        *qmp.Monitor // nil while QMP is unreachable (impaired)
	eventsDone chan struct{}
	state      hypervisor.State
	since      time.Time
	reason     string
	shutdown   string // reason of the last SHUTDOWN event
	killed     bool   // we sent SIGKILL
	unplugs    map[string]chan struct{}

	done  chan struct{} // closed once the process exited and final is set
	final hypervisor.Status
}

func newRun(v *vm, proc *process, qmpPath string, mon *qmp.Monitor) *run {
	r := &run{
		log: v.log.With("pid", proc.pid), clock: v.clock, proc: proc, qmp: qmpPath,
		state: hypervisor.StateUnknown, since: v.clock.Now(),
		unplugs: map[string]chan struct{}{}, done: make(chan struct{}),
	}
	if mon != nil {
		r.attach(mon)
	}
	go r.waitExit()
	return r
}

// attach starts consuming mon's events and returns the monitor in use:
// if another caller reconnected first, theirs wins and mon is closed.
func (r *run) attach(mon *qmp.Monitor) *qmp.Monitor {
	done := make(chan struct{})
	r.mu.Lock()
	if r.mon != nil {
		cur := r.mon
		r.mu.Unlock()
		mon.Close()
		return cur
	}
	r.mon, r.eventsDone = mon, done
	r.mu.Unlock()
	go r.events(mon, done)
	return mon
}

func (r *run) monitor() *qmp.Monitor {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.mon
}

func (r *run) exited() bool {
	select {
	case <-r.done:
		return true
	default:
		return false
	}
}

func (r *run) finalStatus() hypervisor.Status {
	<-r.done
	return r.final
}

func (r *run) setState(s hypervisor.State, reason string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if s != r.state {
		r.since = r.clock.Now()
	}
	r.state, r.reason = s, reason
}

func (r *run) snapshot() hypervisor.Status {
	r.mu.Lock()
	defer r.mu.Unlock()
	return hypervisor.Status{State: r.state, PID: r.proc.pid, Since: r.since, Reason: r.reason}
}

// events records what QEMU announces until the monitor connection ends,
// which happens when QEMU exits.
func (r *run) events(mon *qmp.Monitor, done chan struct{}) {
	defer close(done)
	for ev := range mon.Events() {
		r.log.Debug("qemu event", "event", ev.Name, "data", string(ev.Data))
		switch ev.Name {
		case "SHUTDOWN":
			var d struct {
				Reason string `json:"reason"`
			}
			json.Unmarshal(ev.Data, &d)
			if d.Reason == "" {
				d.Reason = "shutdown"
			}
			r.mu.Lock()
			r.shutdown = d.Reason
			r.mu.Unlock()
		case "STOP":
			r.setState(hypervisor.StatePaused, "")
		case "RESUME":
			r.setState(hypervisor.StateRunning, "")
		case "GUEST_PANICKED":
			r.setState(hypervisor.StateCrashed, "guest-panicked")
		case "DEVICE_DELETED":
			var d struct {
				Device string `json:"device"`
			}
			json.Unmarshal(ev.Data, &d)
			r.mu.Lock()
			if ch := r.unplugs[d.Device]; ch != nil {
				close(ch)
				delete(r.unplugs, d.Device)
			}
			r.mu.Unlock()
		}
	}
}

// waitExit settles the final status once the process is gone.
func (r *run) waitExit() {
	select {
	case <-r.proc.exited:
	case <-r.proc.released:
		return
	}
	r.mu.Lock()
	evDone := r.eventsDone
	r.mu.Unlock()
	if evDone != nil {
		// QEMU sends SHUTDOWN just before exiting; let it be recorded.
		select {
		case <-evDone:
		case <-time.After(exitSettle):
		}
	}
	r.mu.Lock()
	st := hypervisor.Status{State: hypervisor.StateShutdown, Since: r.clock.Now()}
	switch {
	case r.state == hypervisor.StateCrashed:
		st.State, st.Reason = hypervisor.StateCrashed, r.reason
	case r.shutdown != "":
		st.Reason = r.shutdown
	case r.killed:
		st.Reason = "killed"
	default:
		st.State, st.Reason = hypervisor.StateCrashed, "exited without shutdown"
	}
	r.final = st
	mon := r.mon
	r.mu.Unlock()
	if mon != nil {
		mon.Close()
	}
	r.proc.release()
	r.log.Info("vm exited", "state", st.State, "reason", st.Reason)
	close(r.done)
}

// release lets go of the process and monitor without touching QEMU.
func (r *run) release() {
	r.proc.release()
	if mon := r.monitor(); mon != nil {
		mon.Close()
	}
}

// status asks QEMU for its run state.
func (r *run) status(ctx context.Context) (hypervisor.Status, error) {
	if r.exited() {
		return r.final, nil
	}
	mon := r.monitor()
	if mon == nil {
		if mon = r.reconnect(ctx); mon == nil {
			r.setState(hypervisor.StateUnknown, "qmp unreachable")
			return r.snapshot(), nil
		}
	}
	var st struct {
		Status string `json:"status"`
	}
	if err := mon.Execute(ctx, "query-status", nil, &st); err != nil {
		if ctx.Err() != nil {
			return hypervisor.Status{}, err
		}
		// A monitor that hangs up usually means QEMU is exiting.
		select {
		case <-r.done:
			return r.final, nil
		case <-ctx.Done():
			return hypervisor.Status{}, ctx.Err()
		case <-time.After(exitSettle):
		}
		r.setState(hypervisor.StateUnknown, "query-status: "+err.Error())
		return r.snapshot(), nil
	}
	r.setState(mapRunState(st.Status))
	return r.snapshot(), nil
}

// reconnect retries QMP for a run adopted while its monitor was unreachable.
func (r *run) reconnect(ctx context.Context) *qmp.Monitor {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	mon, err := qmp.Connect(ctx, r.qmp)
	if err != nil {
		return nil
	}
	return r.attach(mon)
}

// mapRunState maps QEMU's RunState (query-status) to a hypervisor State,
// with QEMU's word as the reason where the state alone would hide it.
func mapRunState(s string) (hypervisor.State, string) {
	switch s {
	case "running":
		return hypervisor.StateRunning, ""
	case "paused":
		return hypervisor.StatePaused, ""
	case "prelaunch", "suspended", "debug", "inmigrate", "postmigrate",
		"finish-migrate", "save-vm", "restore-vm", "colo":
		return hypervisor.StatePaused, s
	case "shutdown":
		return hypervisor.StateShutdown, s
	case "guest-panicked", "internal-error", "io-error", "watchdog":
		return hypervisor.StateCrashed, s
	}
	return hypervisor.StateUnknown, "qemu run state " + s
}
