package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"
)

// The EBS rows' work inside the guest: finding a volume's disk, writing to
// it and reading it back through its throttle.

// serialOf is the disk serial a guest sees for a volume: its id without
// the dash, as on Nitro (the host agent's naming).
func serialOf(volID string) string { return strings.ReplaceAll(volID, "-", "") }

// watchScript waits in the guest for a disk whose serial it reads from
// stdin, polling sysfs every 20 ms, and prints the disk's name. It gives up
// by itself after about vmStateTimeout, so that a run that failed leaves no
// loop behind in the guest. A serial file may end without a newline, when
// read fails but still sets x.
const watchScript = `echo ready; read s || exit 1; n=0; while [ $n -lt 3000 ]; do ` +
	`for d in /sys/block/vd*; do x=; read x 2>/dev/null <$d/serial; [ "$x" = "$s" ] && { echo ${d##*/}; exit 0; }; done; ` +
	`sleep 0.02; n=$((n+1)); done; exit 1`

// deviceWatch is watchScript running in a guest.
type deviceWatch struct {
	s     *ssh.Session
	stdin io.WriteCloser
	found chan deviceSeen
}

type deviceSeen struct {
	dev string
	at  time.Time // when the host read the guest's answer
	err error
}

// startDeviceWatch starts watchScript in vm and returns once it runs.
func startDeviceWatch(vm *bootedVM) (*deviceWatch, error) {
	s, err := vm.ssh.NewSession()
	if err != nil {
		return nil, fmt.Errorf("device watch in %s: %w", vm.id, err)
	}
	w := &deviceWatch{s: s, found: make(chan deviceSeen, 1)}
	out, err := s.StdoutPipe()
	if err == nil {
		w.stdin, err = s.StdinPipe()
	}
	if err == nil {
		err = s.Start(watchScript)
	}
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("device watch in %s: %w", vm.id, err)
	}
	ready := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(out)
		if !sc.Scan() || sc.Text() != "ready" {
			ready <- errors.New("the watcher did not start")
			return
		}
		ready <- nil
		if sc.Scan() {
			w.found <- deviceSeen{dev: sc.Text(), at: time.Now()}
			return
		}
		w.found <- deviceSeen{err: fmt.Errorf("no disk with its serial in the guest after %s", vmStateTimeout)}
	}()
	select {
	case err = <-ready:
	case <-time.After(sinkTimeout):
		err = fmt.Errorf("not started after %s", sinkTimeout)
	}
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("device watch in %s: %w", vm.id, err)
	}
	return w, nil
}

// find tells the watcher which serial to wait for.
func (w *deviceWatch) find(serial string) error {
	if _, err := io.WriteString(w.stdin, serial+"\n"); err != nil {
		return fmt.Errorf("device watch: %w", err)
	}
	return nil
}

// wait returns the disk the watcher found and when the host heard of it.
func (w *deviceWatch) wait(ctx context.Context) (string, time.Time, error) {
	select {
	case s := <-w.found:
		return s.dev, s.at, s.err
	case <-ctx.Done():
		return "", time.Time{}, ctx.Err()
	}
}

func (w *deviceWatch) close() { w.s.Close() }

// writeRandom overwrites the first mib MiB of the guest's disk dev with
// random data and flushes it to the disk, returning how long it took.
func writeRandom(vm *bootedVM, dev string, mib int) (time.Duration, error) {
	t0 := time.Now()
	cmd := fmt.Sprintf("sudo dd if=/dev/urandom of=/dev/%s bs=1M count=%d conv=notrunc,fsync 2>&1", dev, mib)
	if out, err := runSSH(vm.ssh, cmd); err != nil {
		return 0, fmt.Errorf("write in %s: %w (%s)", vm.id, err, strings.TrimSpace(string(out)))
	}
	return time.Since(t0), nil
}

// readScript reads the first mib MiB of a disk passes times with O_DIRECT
// (no guest page cache) and prints the guest's uptime before and after:
// busybox dd prints no timing, and the uptime is a clock inside the guest,
// free of the SSH round trips.
func readScript(dev string, mib, passes int) string {
	return fmt.Sprintf(`sudo sh -c 'read a _ </proc/uptime; i=0; while [ $i -lt %d ]; do `+
		`dd if=/dev/%s of=/dev/null bs=1M count=%d iflag=direct 2>/dev/null || exit 1; i=$((i+1)); done; `+
		`read b _ </proc/uptime; echo $a $b'`, passes, dev, mib)
}

// readRate reads a disk in the guest as readScript does and returns MiB/s.
func readRate(vm *bootedVM, dev string, mib, passes int) (float64, error) {
	out, err := runSSH(vm.ssh, readScript(dev, mib, passes))
	if err != nil {
		return 0, fmt.Errorf("read %s in %s: %w", dev, vm.id, err)
	}
	secs, err := uptimeSpan(string(out))
	if err != nil {
		return 0, fmt.Errorf("read %s in %s: %w", dev, vm.id, err)
	}
	return float64(mib*passes) / secs, nil
}

// uptimeSpan parses "start end", two /proc/uptime readings, into the
// seconds between them.
func uptimeSpan(s string) (float64, error) {
	f := strings.Fields(s)
	if len(f) != 2 {
		return 0, fmt.Errorf("uptimes: want two, got %q", s)
	}
	a, err1 := strconv.ParseFloat(f[0], 64)
	b, err2 := strconv.ParseFloat(f[1], 64)
	if err1 != nil || err2 != nil || b <= a {
		return 0, fmt.Errorf("uptimes: %q is no span", s)
	}
	return b - a, nil
}
