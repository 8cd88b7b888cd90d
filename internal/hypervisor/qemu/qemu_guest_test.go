package qemu

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kumo-cloud/kumo/guest"
	"github.com/kumo-cloud/kumo/internal/hypervisor"
	"github.com/kumo-cloud/kumo/internal/hypervisor/hypervisortest"
)

// TestConformanceGuest runs the suite against kumo-minimal, a guest that
// honours the ACPI power button and PCIe hot-unplug, so graceful Stop and
// DetachDisk are checked with a real OS on the other side. The image is
// built on first use into the directory the other packages' tests share
// (it needs apt and the Debian mirror once); without it the test skips.
func TestConformanceGuest(t *testing.T) {
	if testing.Short() {
		t.Skip("boots kumo-minimal under TCG; skipped with -short")
	}
	requireQEMU(t)
	img := kumoMinimal(t)
	hypervisortest.Run(t, hypervisortest.Harness{
		New: func(t *testing.T) hypervisor.Driver { return newDriver(t) },
		Spec: func(t *testing.T) hypervisor.Spec {
			spec := testSpec(t)
			spec.MemoryMiB = 256 // the Debian cloud kernel wants more than 128
			spec.Kernel, spec.Initrd, spec.Cmdline = img.Kernel, img.Initrd, img.Cmdline
			spec.Disks = []hypervisor.Disk{{Path: overlay(t, img.RootDisk), Format: "qcow2", Serial: "vol0root"}}
			return spec
		},
		NICs:  testNICs,
		Guest: true,
		// rc.sysinit prints this once acpid watches the power button.
		ConsoleWant: "root filesystem ready",
		Timeout:     2 * time.Minute,
	})
}

func kumoMinimal(t *testing.T) *guest.Image {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	dir := filepath.Join(os.TempDir(), "kumo-test-images", "kumo-minimal")
	img, err := guest.Build(ctx, dir, func(s string) { t.Log(s) })
	if err != nil {
		t.Skipf("kumo-minimal unavailable, guest checks skipped: %v", err)
	}
	return img
}

// overlay gives a VM its own copy-on-write root disk over the image's.
func overlay(t *testing.T, base string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "root.qcow2")
	out, err := exec.Command("qemu-img", "create", "-q", "-f", "qcow2", "-b", base, "-F", "qcow2", p).CombinedOutput()
	if err != nil {
		t.Fatalf("qemu-img create: %v: %s", err, strings.TrimSpace(string(out)))
	}
	return p
}
