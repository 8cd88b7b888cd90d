package sim

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kumo-cloud/kumo/internal/hypervisor"
	"github.com/kumo-cloud/kumo/internal/hypervisor/hypervisortest"
)

// testSpec is a small VM with a fresh id; its Dir is never created.
func testSpec(t *testing.T) hypervisor.Spec {
	b := make([]byte, 9)
	rand.Read(b)
	return hypervisor.Spec{
		ID:        "i-" + hex.EncodeToString(b)[:17],
		Dir:       filepath.Join(t.TempDir(), "run"),
		VCPUs:     1,
		MemoryMiB: 128,
		Product:   "t3.micro",
	}
}

// testNICs is Harness.NICs: the sim needs no taps, only names.
func testNICs(t *testing.T, spec *hypervisor.Spec, n int) []hypervisor.NIC {
	var nics []hypervisor.NIC
	for i := range n {
		b := make([]byte, 5)
		rand.Read(b)
		nics = append(nics, hypervisor.NIC{
			Tap: fmt.Sprintf("hp%d", i),
			MAC: fmt.Sprintf("02:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3], b[4]),
		})
	}
	return nics
}

// TestConformance runs the driver suite twice: with a guest that honours
// the power button, and with one that ignores it (which also runs the
// cancelled-Stop check the first skips). An agent restart is a new Driver
// on the test's Host; the live snapshot and growth checks use real qcow2
// files made with qemu-img.
func TestConformance(t *testing.T) {
	for _, tc := range []struct {
		name  string
		cfg   Config
		guest bool
	}{
		{"acpi", Config{BootDelay: 20 * time.Millisecond, ShutdownDelay: 50 * time.Millisecond}, true},
		{"no-acpi", Config{BootDelay: 20 * time.Millisecond, IgnoreACPI: true}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			hosts := map[*testing.T]*Host{}
			hypervisortest.Run(t, hypervisortest.Harness{
				New: func(t *testing.T) hypervisor.Driver {
					mu.Lock()
					defer mu.Unlock()
					if hosts[t] == nil {
						hosts[t] = NewHost()
					}
					cfg := tc.cfg
					cfg.Host = hosts[t]
					return New(cfg)
				},
				Spec:        testSpec,
				NICs:        testNICs,
				Guest:       tc.guest,
				ConsoleWant: "[sim] booted",
				Timeout:     10 * time.Second,
			})
		})
	}
}

func fast(cfg Config) *Driver {
	cfg.BootDelay, cfg.ShutdownDelay = -1, -1
	return New(cfg)
}

func TestName(t *testing.T) {
	if got := New(Config{}).Name(); got != "sim (simulated hypervisor: no guests)" {
		t.Errorf("Name = %q", got)
	}
}

// TestRestart: VMs outlive their Driver but not their Host.
func TestRestart(t *testing.T) {
	ctx := context.Background()
	d := fast(Config{})
	spec := testSpec(t)
	if err := d.Start(ctx, spec); err != nil {
		t.Fatal(err)
	}
	// The same Driver value knows the VM without adopting it.
	if st, err := d.Adopt(ctx, spec); err != nil || st.State != hypervisor.StateRunning {
		t.Errorf("Adopt by the same driver = %+v, %v", st, err)
	}
	// A new Driver on the same Host adopts it.
	d.Close()
	d2 := fast(Config{Host: d.Host()})
	if err := d2.Start(ctx, spec); !errors.Is(err, hypervisor.ErrRunning) {
		t.Errorf("Start of another driver's running vm: %v, want ErrRunning", err)
	}
	if st, err := d2.Adopt(ctx, spec); err != nil || st.State != hypervisor.StateRunning || st.PID < firstPID {
		t.Errorf("Adopt on the same host = %+v, %v", st, err)
	}
	// A new Host (a restarted process) has nothing.
	d3 := fast(Config{})
	if _, err := d3.Adopt(ctx, spec); !errors.Is(err, hypervisor.ErrNotFound) {
		t.Errorf("Adopt on a new host: %v, want ErrNotFound", err)
	}
}

// TestStartTakesBootDelay, and a Start cut short leaves nothing.
func TestStartTakesBootDelay(t *testing.T) {
	d := New(Config{BootDelay: 100 * time.Millisecond})
	spec := testSpec(t)
	began := time.Now()
	if err := d.Start(context.Background(), spec); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(began); took < 100*time.Millisecond {
		t.Errorf("Start took %v, want at least the boot delay", took)
	}

	spec = testSpec(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := d.Start(ctx, spec); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Start past its deadline: %v", err)
	}
	if _, err := d.Status(context.Background(), spec.ID); !errors.Is(err, hypervisor.ErrNotFound) {
		t.Errorf("Status after a failed Start: %v, want ErrNotFound", err)
	}
	if _, err := d.Adopt(context.Background(), spec); !errors.Is(err, hypervisor.ErrNotFound) {
		t.Errorf("Adopt after a failed Start: %v, want ErrNotFound", err)
	}
}

func TestGracefulStopTakesShutdownDelay(t *testing.T) {
	d := New(Config{BootDelay: -1, ShutdownDelay: 100 * time.Millisecond})
	spec := testSpec(t)
	ctx := context.Background()
	if err := d.Start(ctx, spec); err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	if err := d.Stop(ctx, spec.ID, false); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(began); took < 100*time.Millisecond {
		t.Errorf("graceful Stop took %v, want at least the shutdown delay", took)
	}
	if st, _ := d.Status(ctx, spec.ID); st.State != hypervisor.StateShutdown || st.Reason != "guest-shutdown" || st.PID != 0 {
		t.Errorf("Status = %+v, want shutdown by the guest", st)
	}
}

// TestHostEvents: what happens inside the simulated machine reaches Wait.
func TestHostEvents(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		do     func(*Host, string) error
		state  hypervisor.State
		reason string
	}{
		{"poweroff", (*Host).PowerOff, hypervisor.StateShutdown, "guest-shutdown"},
		{"crash", (*Host).Crash, hypervisor.StateCrashed, "exited without shutdown"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := fast(Config{})
			spec := testSpec(t)
			if err := d.Start(ctx, spec); err != nil {
				t.Fatal(err)
			}
			done := make(chan hypervisor.Status)
			go func() {
				st, _ := d.Wait(ctx, spec.ID)
				done <- st
			}()
			if err := tc.do(d.Host(), spec.ID); err != nil {
				t.Fatal(err)
			}
			if st := <-done; st.State != tc.state || st.Reason != tc.reason {
				t.Errorf("Wait = %+v, want %s (%s)", st, tc.state, tc.reason)
			}
			if err := tc.do(d.Host(), spec.ID); !errors.Is(err, hypervisor.ErrNotRunning) {
				t.Errorf("again: %v, want ErrNotRunning", err)
			}
			if err := tc.do(d.Host(), "i-0000000000000dead"); !errors.Is(err, hypervisor.ErrNotFound) {
				t.Errorf("unknown vm: %v, want ErrNotFound", err)
			}
		})
	}
}

// TestFakeDisks: with no files behind them, disks are bookkeeping that
// keeps the interface's rules.
func TestFakeDisks(t *testing.T) {
	ctx := context.Background()
	d := fast(Config{FakeDisks: true})
	spec := testSpec(t)
	spec.Disks = []hypervisor.Disk{{Path: "/nonexistent/root.qcow2", Format: "qcow2"}}
	if err := d.Start(ctx, spec); err != nil {
		t.Fatalf("Start with a fake disk: %v", err)
	}
	vol := hypervisor.Disk{Path: "/nonexistent/vol.0", Format: "qcow2", Serial: "vol0aaaa"}
	if err := d.AttachDisk(ctx, spec.ID, vol); err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct {
		what string
		err  error
		want error
	}{
		{"snapshot", d.SnapshotDisk(ctx, spec.ID, vol.Serial, "/nonexistent/vol.1"), nil},
		{"snapshot again", d.SnapshotDisk(ctx, spec.ID, vol.Serial, "/nonexistent/vol.1"), nil},
		{"snapshot onto a frozen file", d.SnapshotDisk(ctx, spec.ID, vol.Serial, "/nonexistent/vol.0"), hypervisor.ErrInvalidSpec},
		{"snapshot of an absent serial", d.SnapshotDisk(ctx, spec.ID, "vol0bbbb", "/nonexistent/b.1"), hypervisor.ErrNoDisk},
		{"grow", d.ResizeDisk(ctx, spec.ID, vol.Serial, 2<<30), nil},
		{"same size", d.ResizeDisk(ctx, spec.ID, vol.Serial, 2<<30), nil},
		{"shrink", d.ResizeDisk(ctx, spec.ID, vol.Serial, 1<<30), hypervisor.ErrInvalidSpec},
		{"detach", d.DetachDisk(ctx, spec.ID, vol.Serial), nil},
		{"nvme attach", d.AttachDisk(ctx, spec.ID, hypervisor.Disk{Path: "/x", Format: "raw", Serial: "vol0nvme", Bus: "nvme"}), nil},
		{"nvme grow", d.ResizeDisk(ctx, spec.ID, "vol0nvme", 1<<30), hypervisor.ErrUnsupported},
	} {
		if !errors.Is(step.err, step.want) || (step.err == nil) != (step.want == nil) {
			t.Errorf("%s: %v, want %v", step.what, step.err, step.want)
		}
	}
}

// TestHotplugPorts: a VM has as many free ports as the qemu driver gives.
func TestHotplugPorts(t *testing.T) {
	ctx := context.Background()
	d := fast(Config{FakeDisks: true})
	spec := testSpec(t)
	if err := d.Start(ctx, spec); err != nil {
		t.Fatal(err)
	}
	for i := range hotplugPorts {
		if err := d.AttachDisk(ctx, spec.ID, hypervisor.Disk{Path: "/x", Format: "raw", Serial: fmt.Sprintf("vol%d", i)}); err != nil {
			t.Fatalf("attach %d: %v", i, err)
		}
	}
	err := d.AttachNIC(ctx, spec.ID, hypervisor.NIC{Tap: "tap0", MAC: "02:00:00:00:00:01"})
	if err == nil || !strings.Contains(err.Error(), "no free pcie root port") {
		t.Errorf("attach past the last port: %v", err)
	}
}

func TestTapInUse(t *testing.T) {
	ctx := context.Background()
	d := fast(Config{})
	spec := testSpec(t)
	spec.NICs = []hypervisor.NIC{{Tap: "tap0", MAC: "02:00:00:00:00:01"}}
	if err := d.Start(ctx, spec); err != nil {
		t.Fatal(err)
	}
	if err := d.AttachNIC(ctx, spec.ID, hypervisor.NIC{Tap: "tap0", MAC: "02:00:00:00:00:02"}); err == nil {
		t.Error("AttachNIC on a tap in use succeeded")
	}
	if err := d.AttachNIC(ctx, spec.ID, hypervisor.NIC{Tap: "tap1", MAC: "02:00:00:00:00:01"}); err != nil {
		t.Errorf("AttachNIC of an attached mac: %v, want no-op", err)
	}
}

// TestConsoleTrimmed: the console of a VM that boots all day stays small.
func TestConsoleTrimmed(t *testing.T) {
	ctx := context.Background()
	d := fast(Config{})
	spec := testSpec(t)
	for range 2000 {
		if err := d.Start(ctx, spec); err != nil {
			t.Fatal(err)
		}
		if err := d.Stop(ctx, spec.ID, true); err != nil {
			t.Fatal(err)
		}
	}
	out, err := d.Console(ctx, spec.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) > consoleMax+1024 || !strings.HasSuffix(string(out), "shutdown: host-qmp-quit\n") {
		t.Errorf("console has %d bytes, ends %q", len(out), out[max(0, len(out)-80):])
	}
}
