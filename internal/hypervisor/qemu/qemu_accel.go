package qemu

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// Accel is a QEMU accelerator.
type Accel string

// The accelerators the driver uses.
const (
	AccelKVM Accel = "kvm"
	AccelTCG Accel = "tcg" // pure emulation: slow but works everywhere
)

// probeTimeout bounds the KVM probe boot. A working KVM finishes it in tens
// of milliseconds; broken nested KVM hangs, which is the case this catches.
const probeTimeout = 5 * time.Second

// detectAccel decides the accelerator for this host.
func detectAccel(ctx context.Context, binary string) (Accel, string) {
	cpuinfo, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return AccelTCG, fmt.Sprintf("read /proc/cpuinfo: %v", err)
	}
	return decideAccel(string(cpuinfo), func() error {
		ctx, cancel := context.WithTimeout(ctx, probeTimeout)
		defer cancel()
		return probeBoot(ctx, binary, AccelKVM)
	})
}

// decideAccel is the pure decision: KVM only if the CPU advertises hardware
// virtualisation and a probe boot under KVM finishes. The probe runs only
// when the flags are there, since it costs a QEMU start.
func decideAccel(cpuinfo string, probe func() error) (Accel, string) {
	flag, ok := virtFlag(cpuinfo)
	if !ok {
		return AccelTCG, "no vmx or svm flag in /proc/cpuinfo"
	}
	if err := probe(); err != nil {
		return AccelTCG, fmt.Sprintf("cpu has %s but the kvm probe boot failed: %v", flag, err)
	}
	return AccelKVM, fmt.Sprintf("cpu has %s and the kvm probe boot finished", flag)
}

// virtFlag finds vmx (Intel VT-x) or svm (AMD-V) among the CPU flags.
func virtFlag(cpuinfo string) (string, bool) {
	sc := bufio.NewScanner(strings.NewReader(cpuinfo))
	sc.Buffer(nil, 1<<20) // flags lines are long
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		if !ok || strings.TrimSpace(key) != "flags" {
			continue
		}
		for _, f := range strings.Fields(val) {
			if f == "vmx" || f == "svm" {
				return f, true
			}
		}
	}
	return "", false
}

// probeExitCode is what QEMU exits with when the probe firmware writes 0x10
// to isa-debug-exit: (value << 1) | 1. Picked to differ from QEMU's own
// failure code 1.
const probeExitCode = 0x10<<1 | 1

// probeFirmware is a 64 KiB BIOS image whose reset vector (offset 0xfff0,
// physical 0xfffffff0) writes 0x10 to port 0xf4 and halts. Running it proves
// the accelerator executes guest code, not merely that it initialises.
func probeFirmware() []byte {
	rom := make([]byte, 64<<10) // QEMU wants a multiple of 64 KiB
	copy(rom[0xfff0:], []byte{
		0xb0, 0x10, // mov al, 0x10
		0xe6, 0xf4, // out 0xf4, al
		0xf4,       // hlt
		0xeb, 0xfd, // jmp hlt
	})
	return rom
}

// probeBoot boots the probe firmware under accel and reports whether it ran
// to its exit port before ctx ended.
func probeBoot(ctx context.Context, binary string, accel Accel) error {
	if accel == AccelKVM {
		f, err := os.OpenFile("/dev/kvm", os.O_RDWR, 0)
		if err != nil {
			return err
		}
		f.Close()
	}
	dir, err := os.MkdirTemp("", "kumo-accel-probe-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bios := filepath.Join(dir, "probe.bin")
	if err := os.WriteFile(bios, probeFirmware(), 0o600); err != nil {
		return err
	}
	cpu := "max"
	if accel == AccelKVM {
		cpu = "host"
	}
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, binary,
		"-machine", "q35,accel="+string(accel), "-cpu", cpu, "-m", "16",
		"-nodefaults", "-no-user-config", "-display", "none",
		"-bios", bios, "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04")
	cmd.Stderr = &stderr
	cmd.WaitDelay = time.Second
	err = cmd.Run()
	if ctx.Err() != nil {
		return fmt.Errorf("probe did not finish within %v", probeTimeout)
	}
	if ee := (*exec.ExitError)(nil); errors.As(err, &ee) && ee.ExitCode() == probeExitCode {
		return nil
	}
	if msg := strings.TrimSpace(stderr.String()); msg != "" {
		return fmt.Errorf("%v: %s", err, msg)
	}
	if err == nil {
		return errors.New("probe exited without reaching its exit port")
	}
	return err
}
