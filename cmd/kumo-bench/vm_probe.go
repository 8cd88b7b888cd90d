package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"syscall"
	"time"
)

// The security-group rows watch a port of an instance from the host: a TCP
// connect every probeEvery, each given probeTimeout, several in flight at
// once. A security group drops what it does not allow, so a refused port
// times out rather than being reset; the time a change took is when the
// first connect that saw the new rules was started, known to probeEvery.
const (
	probeEvery   = 5 * time.Millisecond
	probeTimeout = 50 * time.Millisecond
	// probeConfirm is how many connects in a row must time out before a
	// port counts as closed: one slow answer of a busy emulated guest is
	// not a rule.
	probeConfirm = 20
	probeLimit   = 10 * time.Second // a change not seen by then is an error
)

// probe is one connect attempt: when it started, relative to the change,
// and whether it has finished and connected.
type probe struct {
	start    time.Duration
	done, ok bool
}

// settled decides, from the probes in the order they started, when the port
// was first seen open (wantOpen) or closed. Only the finished prefix counts,
// so a late answer of an earlier probe cannot be overtaken. Open is the first
// connect that succeeded: nothing connects through a group that drops the
// port. Closed is the first of the timeouts after the last success, once
// probeConfirm of them are in.
func settled(ps []probe, wantOpen bool) (at time.Duration, ok bool) {
	n := 0
	for n < len(ps) && ps[n].done {
		n++
	}
	lastOK := -1
	for i, p := range ps[:n] {
		if p.ok {
			if wantOpen {
				return p.start, true
			}
			lastOK = i
		}
	}
	if !wantOpen && n-1-lastOK >= probeConfirm {
		return ps[lastOK+1].start, true
	}
	return 0, false
}

// errRefused means something answered a probe with a reset: nothing listens
// on the port, so the probes cannot tell what the group does.
var errRefused = errors.New("connection refused: nothing listens on the port")

// watchPort probes addr from since until it is seen open (wantOpen) or
// closed, and returns how long after since that was.
func watchPort(ctx context.Context, addr string, since time.Time, wantOpen bool) (time.Duration, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type answer struct {
		i   int
		ok  bool
		err error
	}
	answers := make(chan answer, 64)
	var wg sync.WaitGroup
	defer wg.Wait() // after cancel: no probe outlives the call
	defer cancel()
	var ps []probe
	tick := time.NewTicker(probeEvery)
	defer tick.Stop()
	start := func() {
		i := len(ps)
		ps = append(ps, probe{start: time.Since(since)})
		wg.Go(func() {
			ok, err := connectOnce(ctx, addr)
			select {
			case answers <- answer{i, ok, err}:
			case <-ctx.Done():
			}
		})
	}
	start()
	for {
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-tick.C:
			if time.Since(since) > probeLimit {
				state := "closed"
				if wantOpen {
					state = "open"
				}
				return 0, fmt.Errorf("watch %s: not %s %s after the change", addr, state, probeLimit)
			}
			start()
		case a := <-answers:
			if a.err != nil {
				return 0, fmt.Errorf("watch %s: %w", addr, a.err)
			}
			ps[a.i].done, ps[a.i].ok = true, a.ok
			if at, ok := settled(ps, wantOpen); ok {
				return at, nil
			}
		}
	}
}

// connectOnce reports whether a TCP connect to addr succeeds within
// probeTimeout; a timeout is false, anything else that fails is an error.
func connectOnce(ctx context.Context, addr string) (bool, error) {
	d := net.Dialer{Timeout: probeTimeout}
	c, err := d.DialContext(ctx, "tcp", addr)
	if err == nil {
		c.Close()
		return true, nil
	}
	var ne net.Error
	switch {
	case ctx.Err() != nil:
		return false, nil // the watch is over; the answer is not read
	case errors.As(err, &ne) && ne.Timeout():
		return false, nil
	case errors.Is(err, syscall.ECONNREFUSED):
		return false, errRefused
	}
	return false, err
}
