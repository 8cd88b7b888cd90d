// Package hypervisortest is the conformance suite every hypervisor.Driver
// runs: the same lifecycle, adoption, hot-plug, live snapshot, online
// growth and failure checks, so the agent can rely on behaviour rather than
// on one implementation.
package hypervisortest

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kumo-cloud/kumo/internal/hypervisor"
)

// Harness is what Run needs from a driver's test.
type Harness struct {
	// New returns a fresh driver value. Run calls it once per test and again
	// to play an agent restart; a driver that is an io.Closer is closed
	// before its successor is made, as a restarting agent's would be.
	New func(t *testing.T) hypervisor.Driver
	// Spec returns the spec of a new VM: unique ID and Dir, no NICs. The Dir
	// may or may not exist yet.
	Spec func(t *testing.T) hypervisor.Spec
	// NICs, if set, makes n taps for spec's VM (setting spec.NetNS when
	// they live in a namespace) that last until the test ends, and returns
	// NICs on them with distinct MACs, for hot-plug; they are not added to
	// spec.NICs. Without it the NIC hot-plug checks are skipped.
	NICs func(t *testing.T, spec *hypervisor.Spec, n int) []hypervisor.NIC
	// Guest says Spec boots an OS that honours the ACPI power button. Without
	// one, a graceful Stop is checked to fall back to force at the deadline.
	Guest bool
	// ConsoleWant, if set, is text the console shows soon after Start.
	ConsoleWant string
	// Timeout bounds each boot or shutdown the suite waits for; default 60s.
	Timeout time.Duration
}

// Run runs the conformance suite against h's driver.
func Run(t *testing.T, h Harness) {
	if h.Timeout == 0 {
		h.Timeout = 60 * time.Second
	}
	t.Run("UnknownID", h.testUnknownID)
	t.Run("InvalidSpec", h.testInvalidSpec)
	t.Run("Lifecycle", h.testLifecycle)
	t.Run("GracefulStop", h.testGracefulStop)
	t.Run("StopCancelled", h.testStopCancelled)
	t.Run("Wait", h.testWait)
	t.Run("Adopt", h.testAdopt)
	t.Run("FailedStartLeavesNothing", h.testFailedStart)
	t.Run("HotplugDisk", h.testHotplugDisk)
	t.Run("HotplugNIC", h.testHotplugNIC)
	t.Run("SnapshotDisk", h.testSnapshotDisk)
	t.Run("SnapshotDisks", h.testSnapshotDisks)
	t.Run("ResizeDisk", h.testResizeDisk)
	t.Run("Concurrent", h.testConcurrent)
}

// env is one test's driver (which changes on a simulated restart) and the
// VMs it must not leave running, whatever the outcome.
type env struct {
	t *testing.T
	h Harness
	d hypervisor.Driver
}

func (h Harness) env(t *testing.T) *env {
	e := &env{t: t, h: h, d: h.New(t)}
	t.Cleanup(func() {
		if c, ok := e.d.(io.Closer); ok {
			c.Close()
		}
	})
	return e
}

// start starts spec and makes sure the VM is stopped and cleaned up at the
// end of the test, by whichever driver owns it then.
func (e *env) start(spec hypervisor.Spec) {
	e.t.Helper()
	e.t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := e.d.Stop(ctx, spec.ID, true); err != nil && !errors.Is(err, hypervisor.ErrNotFound) {
			e.t.Errorf("cleanup: Stop(force): %v", err)
		}
		if err := e.d.Cleanup(ctx, spec.ID); err != nil {
			e.t.Errorf("cleanup: Cleanup: %v", err)
		}
	})
	ctx, cancel := e.ctx()
	defer cancel()
	began := time.Now()
	if err := e.d.Start(ctx, spec); err != nil {
		e.t.Fatalf("Start: %v", err)
	}
	e.t.Logf("Start took %v", time.Since(began).Round(time.Millisecond))
}

func (e *env) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), e.h.Timeout)
}

// restart plays an agent restart: the old driver lets go, a new one comes.
func (e *env) restart() {
	if c, ok := e.d.(io.Closer); ok {
		if err := c.Close(); err != nil {
			e.t.Fatalf("Close: %v", err)
		}
	}
	e.d = e.h.New(e.t)
}

func (e *env) status(id string) hypervisor.Status {
	e.t.Helper()
	ctx, cancel := e.ctx()
	defer cancel()
	st, err := e.d.Status(ctx, id)
	if err != nil {
		e.t.Fatalf("Status: %v", err)
	}
	return st
}

func (e *env) wantState(id string, want hypervisor.State) hypervisor.Status {
	e.t.Helper()
	st := e.status(id)
	if st.State != want {
		e.t.Fatalf("Status = %+v, want state %s", st, want)
	}
	if st.Since.IsZero() {
		e.t.Errorf("Status.Since is zero")
	}
	return st
}

func (e *env) stop(id string, force bool) {
	e.t.Helper()
	ctx, cancel := e.ctx()
	defer cancel()
	if err := e.d.Stop(ctx, id, force); err != nil {
		e.t.Fatalf("Stop(force=%v): %v", force, err)
	}
}

// waitConsole polls Console until it shows want.
func (e *env) waitConsole(id, want string) {
	e.t.Helper()
	e.waitConsoleCount(id, want, 1)
}

// waitConsoleCount polls Console until want appears n times: the console
// keeps every boot, so the n-th occurrence marks the n-th boot.
func (e *env) waitConsoleCount(id, want string, n int) {
	e.t.Helper()
	if want == "" {
		return
	}
	deadline := time.Now().Add(e.h.Timeout)
	for time.Now().Before(deadline) {
		if e.consoleCount(id, want) >= n {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	out, _ := e.d.Console(context.Background(), id)
	e.t.Fatalf("console never showed %q %d times; got %q", want, n, out)
}

func (e *env) consoleCount(id, want string) int {
	e.t.Helper()
	out, err := e.d.Console(context.Background(), id)
	if err != nil {
		e.t.Fatalf("Console: %v", err)
	}
	return strings.Count(string(out), want)
}

func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s: err = %v, want %v", what, err, want)
	}
}

// dirEmpty reports whether dir is gone or holds nothing.
func dirEmpty(t *testing.T, dir string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if len(names) > 0 {
		t.Errorf("%s still holds %v", dir, names)
	}
}

// scratchDisk makes a sparse raw disk image for hot-plug tests.
func scratchDisk(t *testing.T, name string) string {
	p := filepath.Join(t.TempDir(), name)
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Truncate(64 << 20); err != nil {
		t.Fatal(err)
	}
	return p
}
