package main

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The instance rows: real kumo-minimal VMs under QEMU. Each launch is timed
// from just before the RunInstances call. The rows run in list order and
// share work through lazies: the launch rows, then the boot rows (whose last
// instance is kept), then memory and metadata on that kept instance, which
// the last row terminates.

// agentPath is where the guest image installs kumo-guest-agent (guest/rootfs.go).
const agentPath = "/usr/bin/kumo-guest-agent"

// imdsWarmup is how many GETs bench-imds makes untimed on its connection
// first: the first requests of a TCG guest run code QEMU has not translated yet.
const imdsWarmup = 20

func (e *benchEnv) vmRows() []bench {
	if e.vmSkip != "" {
		return []bench{{name: "Instance rows (RunInstances, boot, IMDS, memory)", budget: noBudget,
			run: func(context.Context) (result, error) {
				return result{value: math.NaN(), how: e.vmSkip}, nil
			}}}
	}
	f := newFleet(e)
	e.fleet = f
	c := e.cfg

	launches := newLazy(f.measureLaunches)
	launchRow := func(name string, b budget, pick func([]float64) float64) bench {
		return bench{name: "RunInstances API latency " + name, unit: "ms", budget: b, run: func(ctx context.Context) (result, error) {
			ms, err := launches.get(ctx)
			if err != nil {
				return result{}, err
			}
			how := fmt.Sprintf("%d sequential RunInstances of one %s kumo-minimal, timed until the answer (not the boot), after 1 untimed launch; "+
				"each instance then force-stopped and terminated (a plain terminate of a still-booting guest waits out a 20 s ACPI grace), "+
				"and gone before the next launch; samples %s ms",
				len(ms), vmType, joinNumbers(ms))
			return result{value: pick(ms), how: how}, nil
		}}
	}

	boots := newLazy(f.measureBoots)
	bootRow := func(name string, b budget, pick func(boot) float64, what string) bench {
		return bench{name: name, unit: "s", budget: b, run: func(ctx context.Context) (result, error) {
			bs, err := boots.get(ctx)
			if err != nil {
				return result{}, err
			}
			v := make([]float64, len(bs))
			for i, b := range bs {
				v[i] = pick(b)
			}
			how := fmt.Sprintf("median of %s of one %s kumo-minimal%s, each timed from the RunInstances call to %s; samples %s s; "+
				"image prebuilt and cached (version %s); %s%s",
				plural(len(bs), "launch", "launches"), vmType, f.groupNote(), what, joinNumbers(v), e.imageVersion, f.accelNote(), f.othersNote())
			return result{value: median(v), how: how}, nil
		}}
	}

	imds := newLazy(f.measureIMDS)
	imdsRow := func(name string, b budget, pick func(latencies) []float64) bench {
		return bench{name: "IMDS GET latency " + name + " (in the guest)", unit: "ms", budget: b, run: func(ctx context.Context) (result, error) {
			t, err := imds.get(ctx)
			if err != nil {
				return result{}, err
			}
			v := pick(t.guest)
			how := fmt.Sprintf("`kumo-guest-agent bench-imds` inside a kumo-minimal guest: one IMDSv2 token, then %s GETs of "+
				"/latest/meta-data/instance-id on one keep-alive connection after %d untimed ones, each answer checked%s; "+
				"%s%s%s%s",
				runsOf(c.runs, c.imdsCalls), imdsWarmup, spread(name, v), f.accelNote(), f.emulatedNote(), t.hostSplit(), f.othersNote())
			return result{value: median(v), how: how}, nil
		}}
	}

	// The last instance row terminates what is left once it has measured,
	// so that the rows after it see an idle host.
	last := imdsRow("p99", lessThan(2), func(l latencies) []float64 { return l.p99 })
	measure := last.run
	last.run = func(ctx context.Context) (result, error) {
		res, err := measure(ctx)
		if cerr := f.cleanup(); err == nil && cerr != nil {
			err = cerr
		}
		return res, err
	}
	return []bench{
		launchRow("p50", lessThan(20), func(ms []float64) float64 { return percentile(sorted(ms), 0.50) }),
		launchRow("p99", noBudget, func(ms []float64) float64 { return percentile(sorted(ms), 0.99) }),
		bootRow("RunInstances → running", lessThan(1.5), func(b boot) float64 { return b.running.Seconds() },
			"`running` in DescribeInstances, polled every 20 ms"),
		bootRow("RunInstances → SSH login works", lessThan(5), func(b boot) float64 { return b.ssh.Seconds() },
			"an SSH session as ec2-user with the key pair's key running `true` (attempts every 50 ms)"),
		{name: "Memory overhead per idle instance", unit: "MiB", budget: lessThan(64), run: f.measureMemory},
		imdsRow("p50", noBudget, func(l latencies) []float64 { return l.p50 }),
		last,
	}
}

// groupNote names the security group the instances were launched in.
func (f *fleet) groupNote() string {
	if f.group == "" {
		return ""
	}
	return " in a security group allowing tcp/22 from anywhere"
}

// emulatedNote says, under TCG, what emulation does to a number measured
// inside the guest.
func (f *fleet) emulatedNote() string {
	if f.accel != "tcg" {
		return ""
	}
	return ", which slows the guest's kernel, network stack and HTTP client on every request"
}

// accelNote says how QEMU ran the guests.
func (f *fleet) accelNote() string {
	switch f.accel {
	case "tcg":
		return "QEMU accel=tcg: no KVM here, the guest CPU is emulated"
	case "":
		return "QEMU accelerator unknown"
	}
	return "QEMU accel=" + f.accel
}

// measureLaunches times 1 + cfg.launches RunInstances answers and returns all
// but the first, in ms.
func (f *fleet) measureLaunches(ctx context.Context) ([]float64, error) {
	var ms []float64
	for i := range 1 + f.cfg.launches {
		t0 := time.Now()
		id, _, err := f.launch(ctx)
		took := time.Since(t0)
		if err != nil {
			return nil, err
		}
		if i > 0 {
			ms = append(ms, float64(took)/float64(time.Millisecond))
		}
		if err := f.dispose(ctx, id); err != nil {
			return nil, err
		}
	}
	return ms, nil
}

// boot is how long one launch took to reach each point.
type boot struct {
	running, ssh time.Duration
}

// measureBoots launches cfg.boots instances one after another, timing each
// to running and to a working SSH login. All but the last are terminated
// before the next launch; the last is kept for the memory and IMDS rows.
func (f *fleet) measureBoots(ctx context.Context) ([]boot, error) {
	var boots []boot
	for i := range f.cfg.boots {
		f.noteOthers()
		t0 := time.Now()
		id, _, err := f.launch(ctx)
		if err != nil {
			return nil, err
		}
		ip, err := f.waitRunning(ctx, id)
		if err != nil {
			return nil, err
		}
		running := time.Since(t0)
		if ip == "" {
			return nil, fmt.Errorf("%s runs without a public address", id)
		}
		c, err := f.waitSSH(ctx, ip)
		if err != nil {
			if tail := f.consoleTail(ctx, id); tail != "" {
				err = fmt.Errorf("%w; console ends: %s", err, tail)
			}
			return nil, fmt.Errorf("%s: %w", id, err)
		}
		b := boot{running: running, ssh: time.Since(t0)}
		boots = append(boots, b)
		progress("  launch %d/%d: %s running after %s, SSH after %s", i+1, f.cfg.boots, id,
			b.running.Round(time.Millisecond), b.ssh.Round(time.Millisecond))
		if i == 0 {
			if pid, err := qemuPID(f.srv.dataDir, id); err == nil {
				f.accel = qemuAccel(pid)
			}
		}
		if i < f.cfg.boots-1 {
			c.Close()
			if err := f.dispose(ctx, id); err != nil {
				return nil, err
			}
			continue
		}
		f.keep(&bootedVM{id: id, ip: ip, ssh: c, sshAt: time.Now()})
	}
	f.noteOthers()
	return boots, nil
}

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

// keptVM is the booted instance the memory and IMDS rows share; if the boot
// rows did not run or failed, there is none.
func (f *fleet) keptVM(context.Context) (*bootedVM, error) {
	if f.kept == nil {
		return nil, fmt.Errorf("no booted instance: the boot rows did not leave one")
	}
	return f.kept, nil
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

func sorted(v []float64) []float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s
}

func joinNumbers(v []float64) string {
	parts := make([]string, len(v))
	for i, x := range v {
		parts[i] = formatNumber(x)
	}
	return strings.Join(parts, ", ")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
