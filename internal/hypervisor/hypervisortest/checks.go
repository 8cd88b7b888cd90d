package hypervisortest

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kumo-cloud/kumo/internal/hypervisor"
)

// testUnknownID: every per-VM method names a VM the driver never saw.
func (h Harness) testUnknownID(t *testing.T) {
	e := h.env(t)
	ctx := context.Background()
	const id = "i-0000000000000dead"
	_, err := e.d.Status(ctx, id)
	wantErr(t, "Status", err, hypervisor.ErrNotFound)
	wantErr(t, "Stop", e.d.Stop(ctx, id, true), hypervisor.ErrNotFound)
	wantErr(t, "Reboot", e.d.Reboot(ctx, id), hypervisor.ErrNotFound)
	_, err = e.d.Wait(ctx, id)
	wantErr(t, "Wait", err, hypervisor.ErrNotFound)
	_, err = e.d.Console(ctx, id)
	wantErr(t, "Console", err, hypervisor.ErrNotFound)
	d := hypervisor.Disk{Path: "/nonexistent", Format: "raw", Serial: "vol0abc"}
	wantErr(t, "AttachDisk", e.d.AttachDisk(ctx, id, d), hypervisor.ErrNotFound)
	wantErr(t, "DetachDisk", e.d.DetachDisk(ctx, id, "vol0abc"), hypervisor.ErrNotFound)
	wantErr(t, "SnapshotDisk", e.d.SnapshotDisk(ctx, id, "vol0abc", "/nonexistent.qcow2"), hypervisor.ErrNotFound)
	wantErr(t, "SnapshotDisks", e.d.SnapshotDisks(ctx, id, map[string]string{"vol0abc": "/nonexistent.qcow2"}), hypervisor.ErrNotFound)
	wantErr(t, "ResizeDisk", e.d.ResizeDisk(ctx, id, "vol0abc", 1<<30), hypervisor.ErrNotFound)
	nic := hypervisor.NIC{Tap: "tap0", MAC: "02:00:00:00:00:01"}
	wantErr(t, "AttachNIC", e.d.AttachNIC(ctx, id, nic), hypervisor.ErrNotFound)
	wantErr(t, "DetachNIC", e.d.DetachNIC(ctx, id, nic.MAC), hypervisor.ErrNotFound)
	if err := e.d.Cleanup(ctx, id); err != nil {
		t.Errorf("Cleanup of unknown id: %v, want nil", err)
	}
}

func (h Harness) testInvalidSpec(t *testing.T) {
	e := h.env(t)
	spec := h.Spec(t)
	spec.VCPUs = 0
	wantErr(t, "Start with 0 vcpus", e.d.Start(context.Background(), spec), hypervisor.ErrInvalidSpec)
	_, err := e.d.Status(context.Background(), spec.ID)
	wantErr(t, "Status after rejected Start", err, hypervisor.ErrNotFound)
}

// testLifecycle walks start → reboot → stop → start again → stop → cleanup.
func (h Harness) testLifecycle(t *testing.T) {
	e := h.env(t)
	spec := h.Spec(t)
	e.start(spec)
	st := e.wantState(spec.ID, hypervisor.StateRunning)
	if st.PID <= 0 {
		t.Errorf("running Status.PID = %d", st.PID)
	}
	ctx, cancel := e.ctx()
	defer cancel()
	wantErr(t, "second Start", e.d.Start(ctx, spec), hypervisor.ErrRunning)
	wantErr(t, "Cleanup while running", e.d.Cleanup(ctx, spec.ID), hypervisor.ErrRunning)
	e.waitConsole(spec.ID, h.ConsoleWant)

	if err := e.d.Reboot(ctx, spec.ID); err != nil {
		t.Fatalf("Reboot: %v", err)
	}
	e.wantState(spec.ID, hypervisor.StateRunning)

	e.stop(spec.ID, true)
	st = e.wantState(spec.ID, hypervisor.StateShutdown)
	if st.PID != 0 {
		t.Errorf("stopped Status.PID = %d, want 0", st.PID)
	}
	e.stop(spec.ID, true) // stopping a stopped VM is a no-op
	wantErr(t, "Reboot of stopped VM", e.d.Reboot(ctx, spec.ID), hypervisor.ErrNotRunning)
	if out, err := e.d.Console(ctx, spec.ID); err != nil {
		t.Errorf("Console after stop: %v", err)
	} else if !strings.Contains(string(out), h.ConsoleWant) {
		t.Errorf("console after stop lost %q", h.ConsoleWant)
	}

	// A stopped VM starts again from the same Dir (StopInstances then
	// StartInstances).
	e.start(spec)
	e.wantState(spec.ID, hypervisor.StateRunning)
	e.stop(spec.ID, true)
	e.wantState(spec.ID, hypervisor.StateShutdown)

	if err := e.d.Cleanup(ctx, spec.ID); err != nil {
		t.Fatalf("Cleanup: %v", err)
	}
	dirEmpty(t, spec.Dir)
	_, err := e.d.Status(ctx, spec.ID)
	wantErr(t, "Status after Cleanup", err, hypervisor.ErrNotFound)
	if err := e.d.Cleanup(ctx, spec.ID); err != nil {
		t.Errorf("second Cleanup: %v", err)
	}
}

// testGracefulStop: with a guest, the power button works; without one,
// Stop forces once ctx's deadline passes and still succeeds.
func (h Harness) testGracefulStop(t *testing.T) {
	e := h.env(t)
	spec := h.Spec(t)
	e.start(spec)
	if h.Guest {
		began := time.Now()
		e.waitConsole(spec.ID, h.ConsoleWant)
		booted := time.Now()
		e.stop(spec.ID, false)
		st := e.wantState(spec.ID, hypervisor.StateShutdown)
		t.Logf("console showed %q %v after Start; graceful stop took %v: %+v",
			h.ConsoleWant, booted.Sub(began).Round(time.Millisecond), time.Since(booted).Round(time.Millisecond), st)
		return
	}
	const grace = 2 * time.Second
	ctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	began := time.Now()
	if err := e.d.Stop(ctx, spec.ID, false); err != nil {
		t.Fatalf("graceful Stop of a guest ignoring ACPI: %v, want forced stop", err)
	}
	if took := time.Since(began); took < grace-100*time.Millisecond {
		t.Errorf("Stop returned after %v, before the %v grace period ended", took, grace)
	}
	e.wantState(spec.ID, hypervisor.StateShutdown)
}

// testStopCancelled: an agent going away cancels its contexts; that must
// never take VMs down with it.
func (h Harness) testStopCancelled(t *testing.T) {
	if h.Guest {
		t.Skip("needs a guest that ignores the power button")
	}
	e := h.env(t)
	spec := h.Spec(t)
	e.start(spec)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(300*time.Millisecond, cancel)
	err := e.d.Stop(ctx, spec.ID, false)
	wantErr(t, "graceful Stop with cancelled ctx", err, context.Canceled)
	e.wantState(spec.ID, hypervisor.StateRunning)
}

// testWait: Wait is how the owner learns the VM's process is gone.
func (h Harness) testWait(t *testing.T) {
	e := h.env(t)
	spec := h.Spec(t)
	e.start(spec)
	short, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err := e.d.Wait(short, spec.ID)
	wantErr(t, "Wait on running VM", err, context.DeadlineExceeded)

	type result struct {
		st  hypervisor.Status
		err error
	}
	done := make(chan result, 1)
	go func() {
		ctx, cancel := e.ctx()
		defer cancel()
		st, err := e.d.Wait(ctx, spec.ID)
		done <- result{st, err}
	}()
	time.Sleep(100 * time.Millisecond)
	e.stop(spec.ID, true)
	r := <-done
	if r.err != nil {
		t.Fatalf("Wait: %v", r.err)
	}
	if r.st.State != hypervisor.StateShutdown || r.st.Reason == "" {
		t.Errorf("Wait = %+v, want shutdown with a reason", r.st)
	}
	// Once the VM is down, Wait answers at once.
	short, cancel = context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	st, err := e.d.Wait(short, spec.ID)
	if err != nil || st.State != hypervisor.StateShutdown {
		t.Errorf("Wait on stopped VM = %+v, %v", st, err)
	}
}

// testAdopt plays an agent restart while the VM runs, and another after it
// stopped.
func (h Harness) testAdopt(t *testing.T) {
	e := h.env(t)
	ctx, cancel := e.ctx()
	defer cancel()
	_, err := e.d.Adopt(ctx, h.Spec(t))
	wantErr(t, "Adopt of a VM never started", err, hypervisor.ErrNotFound)

	spec := h.Spec(t)
	e.start(spec)
	before := e.wantState(spec.ID, hypervisor.StateRunning)
	e.waitConsole(spec.ID, h.ConsoleWant)

	e.restart()
	_, err = e.d.Status(ctx, spec.ID)
	wantErr(t, "Status before Adopt", err, hypervisor.ErrNotFound)
	st, err := e.d.Adopt(ctx, spec)
	if err != nil {
		t.Fatalf("Adopt: %v", err)
	}
	if st.State != hypervisor.StateRunning || st.PID != before.PID {
		t.Fatalf("Adopt = %+v, want running with pid %d", st, before.PID)
	}
	if st, err := e.d.Adopt(ctx, spec); err != nil || st.PID != before.PID {
		t.Errorf("second Adopt = %+v, %v; want the same VM", st, err)
	}
	if out, err := e.d.Console(ctx, spec.ID); err != nil || !strings.Contains(string(out), h.ConsoleWant) {
		t.Errorf("Console after adopt = %q, %v; want %q", out, err, h.ConsoleWant)
	}
	if err := e.d.Reboot(ctx, spec.ID); err != nil {
		t.Errorf("Reboot after adopt: %v", err)
	}
	e.stop(spec.ID, true)
	e.wantState(spec.ID, hypervisor.StateShutdown)

	e.restart()
	st, err = e.d.Adopt(ctx, spec)
	if err != nil || st.State != hypervisor.StateShutdown {
		t.Fatalf("Adopt of stopped VM = %+v, %v; want shutdown", st, err)
	}
	if err := e.d.Cleanup(ctx, spec.ID); err != nil {
		t.Fatalf("Cleanup after adopt: %v", err)
	}
	dirEmpty(t, spec.Dir)
}

// testFailedStart: a Start that fails halfway must leave no process, no
// files and no record.
func (h Harness) testFailedStart(t *testing.T) {
	e := h.env(t)
	spec := h.Spec(t)
	spec.Disks = append(spec.Disks, hypervisor.Disk{Path: "/nonexistent/disk.img", Format: "raw", Serial: "vol0missing"})
	ctx, cancel := e.ctx()
	defer cancel()
	err := e.d.Start(ctx, spec)
	if err == nil {
		e.d.Stop(ctx, spec.ID, true)
		t.Fatal("Start with a missing disk succeeded")
	}
	t.Logf("Start error: %v", err)
	_, err = e.d.Status(ctx, spec.ID)
	wantErr(t, "Status after failed Start", err, hypervisor.ErrNotFound)
	dirEmpty(t, spec.Dir)
}

// testHotplugDisk attaches and detaches virtio and NVMe disks.
func (h Harness) testHotplugDisk(t *testing.T) {
	e := h.env(t)
	spec := h.Spec(t)
	e.start(spec)
	// Let the firmware finish with the PCI bus first: a firmware-only VM
	// has nobody to answer an unplug request for a slot the firmware
	// powered on while enumerating.
	e.waitConsole(spec.ID, h.ConsoleWant)
	ctx, cancel := e.ctx()
	defer cancel()
	disks := []hypervisor.Disk{
		{Path: scratchDisk(t, "a.raw"), Format: "raw", Serial: "vol0aaaaaaaaaaaaaaaa"},
		{Path: scratchDisk(t, "b.raw"), Format: "raw", Serial: "vol0bbbbbbbbbbbbbbbb", Bus: "nvme", IOPS: 3000, BPS: 125 << 20},
	}
	for _, d := range disks {
		if err := e.d.AttachDisk(ctx, spec.ID, d); err != nil {
			t.Fatalf("AttachDisk %s: %v", d.Serial, err)
		}
		if err := e.d.AttachDisk(ctx, spec.ID, d); err != nil {
			t.Errorf("AttachDisk %s again: %v, want no-op", d.Serial, err)
		}
	}
	bad := hypervisor.Disk{Path: scratchDisk(t, "c.raw"), Format: "vmdk", Serial: "vol0c"}
	wantErr(t, "AttachDisk with bad format", e.d.AttachDisk(ctx, spec.ID, bad), hypervisor.ErrInvalidSpec)
	for _, d := range disks {
		if err := e.d.DetachDisk(ctx, spec.ID, d.Serial); err != nil {
			t.Fatalf("DetachDisk %s: %v", d.Serial, err)
		}
		if err := e.d.DetachDisk(ctx, spec.ID, d.Serial); err != nil {
			t.Errorf("DetachDisk %s again: %v, want no-op", d.Serial, err)
		}
	}
	// The same volume can come back (detach, then attach elsewhere later).
	if err := e.d.AttachDisk(ctx, spec.ID, disks[1]); err != nil {
		t.Errorf("re-attach %s: %v", disks[1].Serial, err)
	}
	e.wantState(spec.ID, hypervisor.StateRunning)
	e.stop(spec.ID, true)
	wantErr(t, "AttachDisk to stopped VM", e.d.AttachDisk(ctx, spec.ID, disks[0]), hypervisor.ErrNotRunning)
}

// testHotplugNIC attaches and detaches network interfaces, across an agent
// restart, and checks that a detached interface's tap is free for reuse.
func (h Harness) testHotplugNIC(t *testing.T) {
	if h.NICs == nil {
		t.Skip("the harness makes no taps")
	}
	e := h.env(t)
	spec := h.Spec(t)
	nics := h.NICs(t, &spec, 2)
	e.start(spec)
	// As in testHotplugDisk: let the firmware finish with the PCI bus.
	e.waitConsole(spec.ID, h.ConsoleWant)
	ctx, cancel := e.ctx()
	defer cancel()

	bad := nics[0]
	bad.MAC = "01:00:5e:00:00:01"
	wantErr(t, "AttachNIC with a multicast mac", e.d.AttachNIC(ctx, spec.ID, bad), hypervisor.ErrInvalidSpec)
	wantErr(t, "DetachNIC with a bad mac", e.d.DetachNIC(ctx, spec.ID, "02:00:00:00:00"), hypervisor.ErrInvalidSpec)
	for _, n := range nics {
		if err := e.d.AttachNIC(ctx, spec.ID, n); err != nil {
			t.Fatalf("AttachNIC %s: %v", n.MAC, err)
		}
		if err := e.d.AttachNIC(ctx, spec.ID, n); err != nil {
			t.Errorf("AttachNIC %s again: %v, want no-op", n.MAC, err)
		}
	}
	if err := e.d.DetachNIC(ctx, spec.ID, "02:00:00:00:ff:ff"); err != nil {
		t.Errorf("DetachNIC of a mac never attached: %v, want no-op", err)
	}
	if err := e.d.DetachNIC(ctx, spec.ID, nics[0].MAC); err != nil {
		t.Fatalf("DetachNIC %s: %v", nics[0].MAC, err)
	}
	if err := e.d.DetachNIC(ctx, spec.ID, nics[0].MAC); err != nil {
		t.Errorf("DetachNIC %s again: %v, want no-op", nics[0].MAC, err)
	}

	// A new agent finds the interface attached by the old one.
	e.restart()
	if _, err := e.d.Adopt(ctx, spec); err != nil {
		t.Fatalf("Adopt: %v", err)
	}
	if err := e.d.AttachNIC(ctx, spec.ID, nics[1]); err != nil {
		t.Errorf("AttachNIC %s after adopt: %v, want no-op", nics[1].MAC, err)
	}
	if err := e.d.DetachNIC(ctx, spec.ID, nics[1].MAC); err != nil {
		t.Fatalf("DetachNIC %s after adopt: %v", nics[1].MAC, err)
	}
	// The detached interface's tap is free again (another interface, as
	// when an ENI's device index is reused).
	again := hypervisor.NIC{Tap: nics[0].Tap, MAC: "02:00:00:00:fe:01"}
	if err := e.d.AttachNIC(ctx, spec.ID, again); err != nil {
		t.Errorf("AttachNIC on a detached interface's tap: %v", err)
	}
	e.wantState(spec.ID, hypervisor.StateRunning)
	e.stop(spec.ID, true)
	wantErr(t, "AttachNIC to stopped VM", e.d.AttachNIC(ctx, spec.ID, nics[1]), hypervisor.ErrNotRunning)
}

// testConcurrent runs status queries alongside reboots, and then
// alongside hot-plug of two disks at once; the race detector does the
// checking.
func (h Harness) testConcurrent(t *testing.T) {
	e := h.env(t)
	spec := h.Spec(t)
	e.start(spec)
	ctx, cancel := e.ctx()
	defer cancel()
	e.waitConsole(spec.ID, h.ConsoleWant)
	booted := e.consoleCount(spec.ID, h.ConsoleWant)
	errs := make(chan error, 64)
	together := func(work ...func()) {
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				for range 10 {
					if st, err := e.d.Status(ctx, spec.ID); err != nil {
						errs <- err
					} else if st.State != hypervisor.StateRunning {
						errs <- errors.New("state " + string(st.State))
					}
				}
			})
		}
		for _, w := range work {
			wg.Go(w)
		}
		wg.Wait()
	}
	together(func() {
		for range 3 {
			if err := e.d.Reboot(ctx, spec.ID); err != nil {
				errs <- err
			}
		}
	})
	// As in testHotplugDisk, let the firmware finish booting again.
	e.waitConsoleCount(spec.ID, h.ConsoleWant, booted+1)
	var plug []func()
	for _, serial := range []string{"vol0cccc", "vol0dddd"} {
		d := hypervisor.Disk{Path: scratchDisk(t, serial+".raw"), Format: "raw", Serial: serial}
		plug = append(plug, func() {
			if err := e.d.AttachDisk(ctx, spec.ID, d); err != nil {
				errs <- err
			}
			if err := e.d.DetachDisk(ctx, spec.ID, d.Serial); err != nil {
				errs <- err
			}
		})
	}
	together(plug...)
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
