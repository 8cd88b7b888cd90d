package main

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
)

// The instance rows: real kumo-minimal VMs under QEMU. Each launch is timed
// from just before the RunInstances call. The rows run in list order and
// share work through lazies: the launch rows, then the boot rows (whose last
// instance is kept), then memory, metadata, security-group rule changes and
// EBS volumes (snapshots, restores, throttled reads) on that kept instance,
// then TCP throughput between it and one more instance; the last row
// terminates both.

// agentPath is where the guest image installs kumo-guest-agent (guest/rootfs.go).
const agentPath = "/usr/bin/kumo-guest-agent"

// imdsWarmup is how many GETs bench-imds makes untimed on its connection
// first: the first requests of a TCG guest run code QEMU has not translated yet.
const imdsWarmup = 20

func (e *benchEnv) vmRows() []bench {
	if e.vmSkip != "" {
		return []bench{{name: "Instance rows (RunInstances, boot, IMDS, memory, security groups, EBS)", budget: noBudget,
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
	bootRow := func(name string, b budget, pick func(boot) float64, what string, marks bool) bench {
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
				"image prebuilt and cached (version %s); %s%s%s",
				plural(len(bs), "launch", "launches"), vmType, f.groupNote(), what, joinNumbers(v), e.imageVersion, f.accelNote(),
				marksNote(bs, marks), f.othersNote())
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

	rows := []bench{
		launchRow("p50", lessThan(20), func(ms []float64) float64 { return percentile(sorted(ms), 0.50) }),
		launchRow("p99", noBudget, func(ms []float64) float64 { return percentile(sorted(ms), 0.99) }),
		bootRow("RunInstances → running", lessThan(1.5), func(b boot) float64 { return b.running.Seconds() },
			"`running` in DescribeInstances, polled every 20 ms", false),
		bootRow("RunInstances → SSH login works", lessThan(5), func(b boot) float64 { return b.ssh.Seconds() },
			"an SSH session as ec2-user with the key pair's key running `true` (attempts every 50 ms)", true),
		{name: "Memory overhead per idle instance", unit: "MiB", budget: lessThan(64), run: f.measureMemory},
		imdsRow("p50", noBudget, func(l latencies) []float64 { return l.p50 }),
		imdsRow("p99", lessThan(2), func(l latencies) []float64 { return l.p99 }),
	}
	rows = append(rows, f.sgRows()...)
	rows = append(rows, f.ebsRows()...)
	rows = append(rows, f.tcpRows()...)

	// The last instance row terminates what is left once it has measured,
	// so that the rows after it see an idle host.
	last := &rows[len(rows)-1]
	measure := last.run
	last.run = func(ctx context.Context) (result, error) {
		res, err := measure(ctx)
		if cerr := f.cleanup(); err == nil && cerr != nil {
			err = cerr
		}
		return res, err
	}
	return rows
}

// marksNote gives, when asked, the medians of the guest's own readiness
// marks, which split a boot into the guest's part and the rest.
func marksNote(bs []boot, want bool) string {
	if !want {
		return ""
	}
	var rootfs, sshd []float64
	for _, b := range bs {
		if !math.IsNaN(b.rootfs) && !math.IsNaN(b.sshd) {
			rootfs, sshd = append(rootfs, b.rootfs), append(sshd, b.sshd)
		}
	}
	if len(sshd) == 0 {
		return ""
	}
	return fmt.Sprintf("; the guest's console (kumo-init, seconds of guest uptime) has its root filesystem ready at %s s and its SSH server at %s s (medians); "+
		"the rest is QEMU and firmware before the kernel starts, and the SSH handshake in the emulated guest",
		formatNumber(median(rootfs)), formatNumber(median(sshd)))
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
