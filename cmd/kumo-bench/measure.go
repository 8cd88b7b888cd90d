package main

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// callFunc is one API call; it returns an error also when the answer is not
// what the row assumes (a benchmark of an error reply would look fast).
type callFunc func(ctx context.Context) error

// latencies holds, per run, the percentiles of sequential call latency in ms.
type latencies struct {
	p50, p99 []float64
}

// measureLatency makes warmup calls, then runs × calls sequential calls,
// timing each one.
func measureLatency(ctx context.Context, call callFunc, warmup, calls, runs int) (latencies, error) {
	for range warmup {
		if err := call(ctx); err != nil {
			return latencies{}, fmt.Errorf("warm-up: %w", err)
		}
	}
	var l latencies
	samples := make([]float64, calls)
	for range runs {
		for i := range samples {
			t0 := time.Now()
			if err := call(ctx); err != nil {
				return latencies{}, err
			}
			samples[i] = float64(time.Since(t0)) / float64(time.Millisecond)
		}
		slices.Sort(samples)
		l.p50 = append(l.p50, percentile(samples, 0.50))
		l.p99 = append(l.p99, percentile(samples, 0.99))
	}
	return l, nil
}

// throughput is what measureThroughput found: calls/s per run, and the
// cores the server and the harness kept busy across the runs.
type throughput struct {
	rates                    []float64
	serverCores, clientCores float64
	cpuKnown                 bool
}

// measureThroughput runs clients goroutines calling as fast as they can until
// maxCalls calls have been made or maxTime has passed, whichever is first,
// runs times. A short concurrent warm-up opens the connections first. pid is
// the server's, for the CPU split.
func measureThroughput(ctx context.Context, call callFunc, clients, maxCalls int, maxTime time.Duration, runs, pid int) (throughput, error) {
	if _, _, err := hammer(ctx, call, clients, 25*clients, maxTime); err != nil {
		return throughput{}, fmt.Errorf("warm-up: %w", err)
	}
	var tp throughput
	var wall time.Duration
	cpu := startCPUMeter(pid)
	for range runs {
		n, elapsed, err := hammer(ctx, call, clients, maxCalls, maxTime)
		if err != nil {
			return throughput{}, err
		}
		wall += elapsed
		tp.rates = append(tp.rates, float64(n)/elapsed.Seconds())
	}
	tp.serverCores, tp.clientCores, tp.cpuKnown = cpu.stop(wall.Seconds())
	return tp, nil
}

// hammer is one bounded concurrent run; it returns the calls completed and
// the wall time until the last client stopped.
func hammer(ctx context.Context, call callFunc, clients, maxCalls int, maxTime time.Duration) (int, time.Duration, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		issued, done atomic.Int64
		firstErr     error
		errOnce      sync.Once
		wg           sync.WaitGroup
	)
	start := time.Now()
	deadline := start.Add(maxTime)
	for range clients {
		wg.Go(func() {
			for issued.Add(1) <= int64(maxCalls) && time.Now().Before(deadline) {
				if err := call(ctx); err != nil {
					errOnce.Do(func() { firstErr = err; cancel() })
					return
				}
				done.Add(1)
			}
		})
	}
	wg.Wait()
	return int(done.Load()), time.Since(start), firstErr
}

// percentile is the nearest-rank percentile of sorted samples.
func percentile(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return math.NaN()
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// median of per-run values, the number each row reports: one noisy run
// (a GC, a neighbour on the machine) moves it less than a mean.
func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	n := len(s)
	if n == 0 {
		return math.NaN()
	}
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// lazy computes a value on first use and keeps it, so rows that share one
// measurement (p50 and p99 of the same samples) or one setup (the key pairs)
// do the work once. Benches run one at a time, so it needs no lock.
type lazy[T any] struct {
	f    func(context.Context) (T, error)
	done bool
	v    T
	err  error
}

func newLazy[T any](f func(context.Context) (T, error)) *lazy[T] { return &lazy[T]{f: f} }

func (l *lazy[T]) get(ctx context.Context) (T, error) {
	if !l.done {
		l.v, l.err = l.f(ctx)
		l.done = true
	}
	return l.v, l.err
}
