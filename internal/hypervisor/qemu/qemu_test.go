package qemu

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kumo-cloud/kumo/internal/hypervisor"
	"github.com/kumo-cloud/kumo/internal/hypervisor/hypervisortest"
)

// These tests run real QEMU (TCG is enough) with no guest OS: SeaBIOS
// finds nothing to boot and idles, which exercises everything but the
// guest's side of ACPI.

func requireQEMU(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("qemu-system-x86_64"); err != nil {
		t.Fatalf("qemu-system-x86_64 is required (apt-get install qemu-system-x86): %v", err)
	}
}

func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Fatal("this test needs root (network namespaces and taps)")
	}
}

// testLogger forwards driver logs to t.Log until the test ends; run
// goroutines may log after that, which t.Log would not allow.
func testLogger(t *testing.T) *slog.Logger {
	w := &testWriter{t: t}
	t.Cleanup(func() {
		w.mu.Lock()
		w.t = nil
		w.mu.Unlock()
	})
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type testWriter struct {
	mu sync.Mutex
	t  *testing.T
}

func (w *testWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.t != nil {
		w.t.Log(strings.TrimSpace(string(p)))
	}
	return len(p), nil
}

func newDriver(t *testing.T) *Driver {
	t.Helper()
	requireQEMU(t)
	d, err := New(context.Background(), Config{Log: testLogger(t)})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return d
}

// testSpec is a tiny firmware-boot VM with a fresh id, and a guard that
// kills any QEMU still carrying that id when the test ends, so a broken
// driver cannot leak processes.
func testSpec(t *testing.T) hypervisor.Spec {
	b := make([]byte, 9)
	rand.Read(b)
	id := "i-" + hex.EncodeToString(b)[:17]
	t.Cleanup(func() {
		for _, pid := range qemuPIDs(id) {
			t.Errorf("qemu pid %d of %s still running at test end; killing it", pid, id)
			syscall.Kill(pid, syscall.SIGKILL)
		}
	})
	return hypervisor.Spec{
		ID:        id,
		Dir:       filepath.Join(t.TempDir(), "run"),
		VCPUs:     1,
		MemoryMiB: 128,
		UUID:      "ec2" + hex.EncodeToString(b[:3])[:5] + "-0000-4000-8000-000000000000",
		Product:   "t3.micro",
	}
}

// qemuPIDs lists live processes whose command line names instance id.
func qemuPIDs(id string) []int {
	ents, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err == nil && alive(pid) && ownsProcess(pid, id) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// testNetNS makes a network namespace for spec's VM and points spec at it.
// The namespace, and the taps in it, go when the test ends (after the VM,
// whose cleanup is registered later).
func testNetNS(t *testing.T, spec *hypervisor.Spec) string {
	t.Helper()
	requireRoot(t)
	ns := "kumo-hvtest-" + spec.ID[len(spec.ID)-6:]
	ipCmd(t, "netns", "add", ns)
	t.Cleanup(func() { exec.Command("ip", "netns", "del", ns).Run() })
	spec.NetNS = ns
	return ns
}

// ipCmd runs ip(8), failing the test if it fails.
func ipCmd(t *testing.T, args ...string) {
	t.Helper()
	if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
		t.Fatalf("ip %v: %v: %s", args, err, out)
	}
}

// testNICs is Harness.NICs: n taps hp0, hp1… in the VM's namespace (made
// if spec has none), with random locally administered MACs.
func testNICs(t *testing.T, spec *hypervisor.Spec, n int) []hypervisor.NIC {
	t.Helper()
	ns := spec.NetNS
	if ns == "" {
		ns = testNetNS(t, spec)
	}
	var nics []hypervisor.NIC
	for i := range n {
		tap := fmt.Sprintf("hp%d", i)
		ipCmd(t, "-n", ns, "tuntap", "add", "dev", tap, "mode", "tap")
		ipCmd(t, "-n", ns, "link", "set", tap, "up")
		b := make([]byte, 5)
		rand.Read(b)
		nics = append(nics, hypervisor.NIC{Tap: tap, MAC: fmt.Sprintf("02:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3], b[4])})
	}
	return nics
}

func TestConformance(t *testing.T) {
	hypervisortest.Run(t, hypervisortest.Harness{
		New:  func(t *testing.T) hypervisor.Driver { return newDriver(t) },
		Spec: testSpec,
		NICs: testNICs,
		// SeaBIOS, told to use the serial port, ends up here.
		ConsoleWant: "No bootable device",
	})
}

// TestStartTiming reports Start → running, the budget DESIGN §7 tracks.
func TestStartTiming(t *testing.T) {
	d := newDriver(t)
	ctx := context.Background()
	var took []time.Duration
	for range 3 {
		spec := testSpec(t)
		began := time.Now()
		if err := d.Start(ctx, spec); err != nil {
			t.Fatalf("Start: %v", err)
		}
		took = append(took, time.Since(began))
		if err := d.Stop(ctx, spec.ID, true); err != nil {
			t.Fatalf("Stop: %v", err)
		}
		d.Cleanup(ctx, spec.ID)
	}
	t.Logf("Start→running under %s: %v", d.Accel(), took)
}

// TestCrashIsReported: QEMU dying on its own (here: killed behind the
// driver's back) is a crash, not a shutdown.
func TestCrashIsReported(t *testing.T) {
	d := newDriver(t)
	spec := testSpec(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := d.Start(ctx, spec); err != nil {
		t.Fatalf("Start: %v", err)
	}
	defer d.Cleanup(ctx, spec.ID)
	st, _ := d.Status(ctx, spec.ID)
	syscall.Kill(st.PID, syscall.SIGKILL)
	st, err := d.Wait(ctx, spec.ID)
	if err != nil {
		t.Fatalf("Wait: %v", err)
	}
	if st.State != hypervisor.StateCrashed {
		t.Errorf("Wait after external SIGKILL = %+v, want crashed", st)
	}
	// The leftovers of a killed QEMU do not stop it from starting again.
	if err := d.Start(ctx, spec); err != nil {
		t.Fatalf("Start after crash: %v", err)
	}
	if err := d.Stop(ctx, spec.ID, true); err != nil {
		t.Fatal(err)
	}
}

// TestAdoptChecksCmdline: a pidfile naming a live process that is not our
// QEMU (PID reuse) must not be adopted, or killed.
func TestAdoptChecksCmdline(t *testing.T) {
	d := newDriver(t)
	spec := testSpec(t)
	sleeper := exec.Command("sleep", "60")
	if err := sleeper.Start(); err != nil {
		t.Fatal(err)
	}
	defer sleeper.Process.Kill()
	os.MkdirAll(spec.Dir, 0o750)
	os.WriteFile(filesFor(spec.Dir).pidfile, []byte(fmt.Sprintf("%d\n", sleeper.Process.Pid)), 0o600)
	ctx := context.Background()
	st, err := d.Adopt(ctx, spec)
	if err != nil || st.State != hypervisor.StateShutdown {
		t.Fatalf("Adopt over a reused pid = %+v, %v; want shutdown", st, err)
	}
	if err := d.Stop(ctx, spec.ID, true); err != nil {
		t.Errorf("Stop: %v", err)
	}
	if !alive(sleeper.Process.Pid) {
		t.Error("the unrelated process was killed")
	}
	// Start treats the stale pidfile as a leftover.
	if err := d.Start(ctx, spec); err != nil {
		t.Fatalf("Start over a stale pidfile: %v", err)
	}
	d.Stop(ctx, spec.ID, true)
	if err := d.Cleanup(ctx, spec.ID); err != nil {
		t.Error(err)
	}
}

// TestAdoptImpaired: a QEMU whose monitor does not answer (here: another
// client holds QEMU's only QMP connection) is adopted as unknown, and can
// still be stopped, by signal.
func TestAdoptImpaired(t *testing.T) {
	d := newDriver(t)
	spec := testSpec(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := d.Start(ctx, spec); err != nil {
		t.Fatalf("Start: %v", err)
	}
	d.Close()
	// Occupy the monitor the way a wedged old agent would.
	blocker, err := net.Dial("unix", filesFor(spec.Dir).qmp)
	if err != nil {
		t.Fatal(err)
	}
	defer blocker.Close()

	d2 := newDriver(t)
	st, err := d2.Adopt(ctx, spec)
	if err != nil {
		t.Fatalf("Adopt: %v", err)
	}
	if st.State != hypervisor.StateUnknown || st.PID == 0 {
		t.Errorf("Adopt with monitor busy = %+v, want unknown with a pid", st)
	}
	if err := d2.Stop(ctx, spec.ID, false); err != nil {
		t.Fatalf("Stop of impaired vm: %v", err)
	}
	if st, _ := d2.Status(ctx, spec.ID); st.State != hypervisor.StateShutdown {
		t.Errorf("Status after stop = %+v", st)
	}
	if err := d2.Cleanup(ctx, spec.ID); err != nil {
		t.Error(err)
	}
}

// TestColdDisksAndNetNS starts a VM with every kind of disk on its command
// line and a NIC on a tap inside a network namespace, as the agent will.
func TestColdDisksAndNetNS(t *testing.T) {
	requireRoot(t)
	d := newDriver(t)
	spec := testSpec(t)
	ns := testNetNS(t, &spec)
	ipCmd(t, "-n", ns, "tuntap", "add", "dev", "tap0", "mode", "tap")
	ipCmd(t, "-n", ns, "link", "set", "tap0", "up")

	dir := t.TempDir()
	img := func(name string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		os.Truncate(p, 64<<20)
		return p
	}
	qcow := filepath.Join(dir, "root.qcow2")
	if out, err := exec.Command("qemu-img", "create", "-q", "-f", "qcow2", qcow, "1G").CombinedOutput(); err != nil {
		t.Fatalf("qemu-img: %v: %s", err, out)
	}
	spec.Disks = []hypervisor.Disk{
		{Path: qcow, Format: "qcow2", Serial: "vol0root"},
		{Path: img("ro.raw"), Format: "raw", Serial: "vol0ro", ReadOnly: true},
		{Path: img("nvme.raw"), Format: "raw", Serial: "vol0nvme", Bus: "nvme", IOPS: 100, BPS: 1 << 20},
	}
	spec.NICs = []hypervisor.NIC{{Tap: "tap0", MAC: "02:00:ac:1f:00:05"}}

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := d.Start(ctx, spec); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		d.Stop(context.Background(), spec.ID, true)
		d.Cleanup(context.Background(), spec.ID)
	})
	st, err := d.Status(ctx, spec.ID)
	if err != nil || st.State != hypervisor.StateRunning {
		t.Fatalf("Status = %+v, %v", st, err)
	}
	want, _ := os.Readlink(filepath.Join("/run/netns", ns))
	if want == "" {
		fi, _ := os.Stat(filepath.Join("/run/netns", ns))
		want = fmt.Sprintf("net:[%d]", fi.Sys().(*syscall.Stat_t).Ino)
	}
	if got, _ := os.Readlink(fmt.Sprintf("/proc/%d/ns/net", st.PID)); got != want {
		t.Errorf("qemu runs in netns %s, want %s (%s)", got, want, ns)
	}
	// Disks given at Start are known to hot-plug by their serial: attaching
	// one again is a no-op. (Detaching one needs a guest OS: the firmware
	// powered its slot on, so only an OS can answer the unplug request.)
	if err := d.AttachDisk(ctx, spec.ID, spec.Disks[2]); err != nil {
		t.Errorf("AttachDisk of a cold-plugged disk: %v", err)
	}
	topo, err := queryTopology(ctx, d.vms[spec.ID].current().monitor())
	if err != nil {
		t.Fatal(err)
	}
	wantPorts := map[string]bool{"rp0": true, "rp1": true, "rp2": true, "rp3": true}
	for i := 4; i < 4+hotplugPorts; i++ {
		wantPorts[rootPortID(i)] = false
	}
	if diff := cmp.Diff(wantPorts, topo.ports); diff != "" {
		t.Errorf("root ports in use (-want +got):\n%s", diff)
	}
	wantDevices := map[string]bool{"d-vol0root": true, "d-vol0ro": true, "d-vol0nvme": true, "nic0": true}
	if diff := cmp.Diff(wantDevices, topo.devices); diff != "" {
		t.Errorf("devices (-want +got):\n%s", diff)
	}
}
