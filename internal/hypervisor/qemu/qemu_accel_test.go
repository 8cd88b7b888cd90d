package qemu

import (
	"context"
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"
)

const (
	cpuinfoNoVirt = "processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: fpu vme de pse tsc msr pae hypervisor lahf_lm\nbugs\t\t: spectre_v1\n"
	cpuinfoVMX    = "processor\t: 0\nflags\t\t: fpu vme vmx ept hypervisor\nvmx flags\t: vnmi preemption_timer\n"
	cpuinfoSVM    = "processor\t: 0\nvendor_id\t: AuthenticAMD\nflags\t\t: fpu svm npt\n"
	// "vmx flags" lists VMX features; it must not count as the vmx flag.
	cpuinfoVMXFlagsOnly = "processor\t: 0\nflags\t\t: fpu\nvmx flags\t: vmx ept\n"
)

func TestDecideAccel(t *testing.T) {
	probeFail := errors.New("probe did not finish within 5s")
	tests := []struct {
		name      string
		cpuinfo   string
		probeErr  error
		want      Accel
		wantProbe bool
		why       string
	}{
		{"no virt flags", cpuinfoNoVirt, nil, AccelTCG, false, "no vmx or svm flag"},
		{"vmx features line only", cpuinfoVMXFlagsOnly, nil, AccelTCG, false, "no vmx or svm flag"},
		{"empty cpuinfo", "", nil, AccelTCG, false, "no vmx or svm flag"},
		{"intel, probe finishes", cpuinfoVMX, nil, AccelKVM, true, "cpu has vmx and the kvm probe boot finished"},
		{"amd, probe finishes", cpuinfoSVM, nil, AccelKVM, true, "cpu has svm"},
		{"nested kvm hangs", cpuinfoVMX, probeFail, AccelTCG, true, "kvm probe boot failed: probe did not finish"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			probed := false
			got, why := decideAccel(tt.cpuinfo, func() error { probed = true; return tt.probeErr })
			if got != tt.want || probed != tt.wantProbe || !strings.Contains(why, tt.why) {
				t.Errorf("decideAccel = %s, %q (probed %v); want %s, %q (probed %v)",
					got, why, probed, tt.want, tt.why, tt.wantProbe)
			}
		})
	}
}

// TestProbeFirmwareRuns boots the probe firmware under TCG: the same image
// must reach its exit port, or the KVM probe would always fail.
func TestProbeFirmwareRuns(t *testing.T) {
	requireQEMU(t)
	bin, _ := exec.LookPath("qemu-system-x86_64")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	began := time.Now()
	if err := probeBoot(ctx, bin, AccelTCG); err != nil {
		t.Fatalf("probe boot under tcg: %v", err)
	}
	t.Logf("tcg probe boot took %v", time.Since(began))
}

// TestDetectAccel runs the real decision on this host and shows why.
func TestDetectAccel(t *testing.T) {
	requireQEMU(t)
	bin, _ := exec.LookPath("qemu-system-x86_64")
	began := time.Now()
	accel, why := detectAccel(context.Background(), bin)
	t.Logf("this host: %s (%s), decided in %v", accel, why, time.Since(began))
	if accel != AccelKVM && accel != AccelTCG {
		t.Errorf("detectAccel = %q", accel)
	}
	// The probe on its own, flags or not: on nested hosts without working
	// KVM it must fail (QEMU aborts or hangs), never pass.
	ctx, cancel := context.WithTimeout(context.Background(), probeTimeout)
	defer cancel()
	err := probeBoot(ctx, bin, AccelKVM)
	t.Logf("kvm probe boot: %v", err)
	if accel == AccelTCG && err == nil && strings.Contains(why, "probe") {
		t.Error("kvm probe passed but the decision was tcg because of it")
	}
}
