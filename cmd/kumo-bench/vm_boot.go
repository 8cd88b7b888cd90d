package main

import (
	"context"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"time"
)

// measureLaunches times 1 + cfg.launches RunInstances answers and returns all
// but the first, in ms.
func (f *fleet) measureLaunches(ctx context.Context) ([]float64, error) {
	var ms []float64
	for i := range 1 + f.cfg.launches {
		t0 := time.Now()
		id, _, err := f.launch(ctx, "")
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

// boot is how long one launch took to reach each point, and when the guest
// says it was ready: seconds of its uptime from its console (NaN if absent).
type boot struct {
	running, ssh time.Duration
	rootfs, sshd float64
}

// consoleMark matches the progress lines kumo-minimal's init prints on the
// console (guest/rootfs/etc/kumo): "kumo-init: ssh ready (3.67s)".
var consoleMark = regexp.MustCompile(`kumo-init: (root filesystem ready|ssh ready) \(([0-9.]+)s\)`)

// guestMarks reads from the console when, in its own uptime, the guest had
// its root filesystem and its SSH server ready.
func (f *fleet) guestMarks(ctx context.Context, id string) (rootfs, sshd float64) {
	rootfs, sshd = math.NaN(), math.NaN()
	for _, m := range consoleMark.FindAllStringSubmatch(f.console(ctx, id), -1) {
		v, err := strconv.ParseFloat(m[2], 64)
		if err != nil {
			continue
		}
		if m[1] == "ssh ready" {
			sshd = v
		} else {
			rootfs = v
		}
	}
	return rootfs, sshd
}

// measureBoots launches cfg.boots instances one after another, timing each
// to running and to a working SSH login. All but the last are terminated
// before the next launch; the last is kept for the rows after.
func (f *fleet) measureBoots(ctx context.Context) ([]boot, error) {
	f.bootsTried = true
	var boots []boot
	for i := range f.cfg.boots {
		f.noteOthers()
		vm, b, err := f.boot(ctx, "")
		if err != nil {
			return nil, err
		}
		boots = append(boots, b)
		progress("  launch %d/%d: %s running after %s, SSH after %s (guest: root fs at %.2fs, sshd at %.2fs of uptime)", i+1, f.cfg.boots, vm.id,
			b.running.Round(time.Millisecond), b.ssh.Round(time.Millisecond), b.rootfs, b.sshd)
		if i < f.cfg.boots-1 {
			vm.ssh.Close()
			if err := f.dispose(ctx, vm.id); err != nil {
				return nil, err
			}
			continue
		}
		f.keep(vm)
	}
	f.noteOthers()
	return boots, nil
}

// boot launches one instance in subnet ("" for the default) and returns it
// once SSH works, with how long each step took from the RunInstances call.
func (f *fleet) boot(ctx context.Context, subnet string) (*bootedVM, boot, error) {
	t0 := time.Now()
	id, _, err := f.launch(ctx, subnet)
	if err != nil {
		return nil, boot{}, err
	}
	ip, err := f.waitRunning(ctx, id)
	if err != nil {
		return nil, boot{}, err
	}
	running := time.Since(t0)
	if ip == "" {
		return nil, boot{}, fmt.Errorf("%s runs without a public address", id)
	}
	c, err := f.waitSSH(ctx, ip)
	if err != nil {
		if tail := f.consoleTail(ctx, id); tail != "" {
			err = fmt.Errorf("%w; console ends: %s", err, tail)
		}
		return nil, boot{}, fmt.Errorf("%s: %w", id, err)
	}
	b := boot{running: running, ssh: time.Since(t0)}
	b.rootfs, b.sshd = f.guestMarks(ctx, id)
	if f.accel == "" {
		if pid, err := qemuPID(f.srv.dataDir, id); err == nil {
			f.accel = qemuAccel(pid)
		}
	}
	return &bootedVM{id: id, ip: ip, ssh: c, sshAt: time.Now()}, b, nil
}
