package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The rows measured on the kept instance once it has booted: its memory,
// and the metadata service as the guest sees it.

// measureMemory reads the kept instance's QEMU RSS once the guest has been
// idle for cfg.settle, and subtracts the RAM the guest says it uses.
func (f *fleet) measureMemory(ctx context.Context) (result, error) {
	vm, err := f.keptVM(ctx)
	if err != nil {
		return result{}, err
	}
	if err := sleep(ctx, time.Until(vm.sshAt.Add(f.cfg.settle))); err != nil {
		return result{}, err
	}
	pid, err := qemuPID(f.srv.dataDir, vm.id)
	if err != nil {
		return result{}, err
	}
	rss, err := procMiB(fmt.Sprintf("/proc/%d/status", pid), "VmRSS")
	if err != nil {
		return result{}, err
	}
	meminfo, err := runSSH(vm.ssh, "cat /proc/meminfo")
	if err != nil {
		return result{}, fmt.Errorf("read guest meminfo: %w", err)
	}
	total, avail := meminfoKiB(meminfo, "MemTotal"), meminfoKiB(meminfo, "MemAvailable")
	if total <= 0 || avail <= 0 {
		return result{}, fmt.Errorf("read guest meminfo: no MemTotal or MemAvailable in %q", meminfo)
	}
	used := float64(total-avail) / 1024
	how := fmt.Sprintf("one idle %s kumo-minimal (%d MiB), %s after SSH first worked: QEMU VmRSS %s MiB (/proc/PID/status) "+
		"minus the guest's MemTotal − MemAvailable %s MiB (its /proc/meminfo, over SSH); %s%s",
		vmType, f.memMiB, f.cfg.settle, formatNumber(rss), formatNumber(used), f.accelNote(), f.rssSplit(pid, used))
	return result{value: rss - used, how: how}, nil
}

// rssSplit says where QEMU's resident memory is, from smaps: the guest-RAM
// mapping (every page the guest has touched, in use or since freed), TCG's
// translated-code buffer (the executable anonymous mappings), and the rest
// of QEMU.
func (f *fleet) rssSplit(pid int, guestUsedMiB float64) string {
	maps, err := readSmaps(pid)
	if err != nil {
		return ""
	}
	var total, guestRAM, code int64
	found := 0
	for _, m := range maps {
		total += m.rssKiB
		switch {
		case m.anon && m.sizeKiB == f.memMiB*1024:
			guestRAM += m.rssKiB
			found++
		case m.anon && m.exec:
			code += m.rssKiB
		}
	}
	if found != 1 {
		return ""
	}
	mib := func(kib int64) string { return formatNumber(float64(kib) / 1024) }
	s := fmt.Sprintf(". Where the RSS is (smaps): %s MiB of the %d MiB guest-RAM mapping, which is every page the guest has touched, "+
		"%s MiB more than it uses now", mib(guestRAM), f.memMiB, formatNumber(float64(guestRAM)/1024-guestUsedMiB))
	if code > 0 {
		s += fmt.Sprintf("; %s MiB of TCG's translated-code buffer", mib(code))
	}
	return s + fmt.Sprintf("; %s MiB the rest of QEMU (heap, libraries, the kernel it keeps for -kernel boots, device state)", mib(total-guestRAM-code))
}

// imdsTimes is what the IMDS rows measured: per run, the guest's p50 and
// p99; and, pooled over the runs, the host side's turnaround per request
// (nil if the capture could not run, with capture saying why).
type imdsTimes struct {
	guest   latencies
	hostUS  []float64
	capture error
}

// measureIMDS runs bench-imds in the kept guest cfg.runs times while a
// packet socket on its tap times the host's part of each request.
func (f *fleet) measureIMDS(ctx context.Context) (imdsTimes, error) {
	var t imdsTimes
	vm, err := f.keptVM(ctx)
	if err != nil {
		return t, err
	}
	var capture *tapCapture
	if pid, err := qemuPID(f.srv.dataDir, vm.id); err != nil {
		t.capture = err
	} else if capture, err = startTapCapture(pid, imdsWarmup); err != nil {
		t.capture = err
	}
	for range f.cfg.runs {
		if err = ctx.Err(); err != nil {
			break
		}
		f.noteOthers()
		var out []byte
		out, err = runSSH(vm.ssh, fmt.Sprintf("%s bench-imds -warmup %d %d", agentPath, imdsWarmup, f.cfg.imdsCalls))
		if err != nil {
			err = fmt.Errorf("bench-imds in %s: %w", vm.id, err)
			break
		}
		kv := keyValues(string(out))
		p50, err1 := strconv.ParseFloat(kv["p50_us"], 64)
		p99, err2 := strconv.ParseFloat(kv["p99_us"], 64)
		if err1 != nil || err2 != nil || kv["n"] != strconv.Itoa(f.cfg.imdsCalls) {
			err = fmt.Errorf("bench-imds in %s: unexpected output %q", vm.id, out)
			break
		}
		t.guest.p50 = append(t.guest.p50, p50/1000)
		t.guest.p99 = append(t.guest.p99, p99/1000)
	}
	if capture != nil {
		t.hostUS = capture.finish()
	}
	return t, err
}

// hostSplit says how much of the guest's latency the host side took.
func (t imdsTimes) hostSplit() string {
	switch {
	case t.capture != nil:
		return "; no host-side split (" + t.capture.Error() + ")"
	case len(t.hostUS) == 0:
		return "; no host-side split (the capture saw no requests)"
	}
	return fmt.Sprintf("; of that, the host side (kumo's metadata server and the VPC namespace, from the GET coming off the VM's tap "+
		"to the answer going onto it, kernel packet timestamps over %s requests) took p50 %s ms, p99 %s ms, the rest is the guest and QEMU",
		formatInt(len(t.hostUS)), formatNumber(percentile(t.hostUS, 0.50)/1000), formatNumber(percentile(t.hostUS, 0.99)/1000))
}

// keptVM is the booted instance the rows after the boot rows share. If -only
// left the boot rows out, it boots that instance itself; if they failed,
// there is none.
func (f *fleet) keptVM(ctx context.Context) (*bootedVM, error) {
	switch {
	case f.kept != nil:
		return f.kept, nil
	case f.bootsTried:
		return nil, fmt.Errorf("no booted instance: the boot rows did not leave one")
	}
	f.bootsTried = true
	vm, _, err := f.boot(ctx, "")
	if err != nil {
		return nil, err
	}
	f.keep(vm)
	return vm, nil
}

// meminfoKiB reads a "Key:   123 kB" line of /proc/meminfo text.
func meminfoKiB(meminfo []byte, key string) int64 {
	for _, line := range strings.Split(string(meminfo), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if ok && k == key {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n
		}
	}
	return 0
}

// keyValues parses "a=1 b=2".
func keyValues(s string) map[string]string {
	kv := map[string]string{}
	for _, f := range strings.Fields(s) {
		if k, v, ok := strings.Cut(f, "="); ok {
			kv[k] = v
		}
	}
	return kv
}
