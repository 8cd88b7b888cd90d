package billing

import (
	"errors"
	"fmt"
	"time"
)

// ErrInvalidUsage reports usage records the engine cannot bill, such as
// transitions out of time order.
var ErrInvalidUsage = errors.New("invalid usage")

// span is a half-open period [from, to) in Unix seconds.
type span struct{ from, to int64 }

func (s span) overlap(from, to int64) int64 {
	lo, hi := max(s.from, from), min(s.to, to)
	if hi <= lo {
		return 0
	}
	return hi - lo
}

// run is one stretch of billable time: from entering running (launch or
// start after stop) to leaving it. A reboot does not end a run.
type run struct {
	start, end  int64
	open        bool // no recorded end: still running at the window's end
	interrupted bool // ended by the provider (Spot interruption)
}

// billable reports whether AWS charges for time spent after t.
func billable(t Transition) bool {
	return t.State == StateRunning || t.State == StateStopping && t.Hibernating
}

// unix truncates to whole seconds: AWS bills per whole second.
func unix(t time.Time) int64 { return t.Unix() }

// runsOf turns an instance's transitions into runs, closing an unfinished run
// at limit (the window's end).
func runsOf(tr []Transition, limit int64) ([]run, error) {
	var runs []run
	in := false
	var cur run
	for i, t := range tr {
		if i > 0 && t.At.Before(tr[i-1].At) {
			return nil, fmt.Errorf("transition %d at %s before its predecessor: %w", i, t.At, ErrInvalidUsage)
		}
		at := unix(t.At)
		switch b := billable(t); {
		case b && !in:
			cur = run{start: at}
			in = true
		case !b && in:
			cur.end, cur.interrupted = at, t.Interrupted
			runs = append(runs, cur)
			in = false
		}
	}
	if in && cur.start < limit {
		cur.end, cur.open = limit, true
		runs = append(runs, cur)
	}
	return runs, nil
}

// billedSpan applies the billing rules to one run: per-second platforms pay
// at least 60 seconds, hourly platforms whole hours rounded up, and a Spot
// run the provider interrupts is free in its first hour (and loses its last
// partial hour on hourly platforms). The span can reach past the run, which
// is how a minimum is charged.
func billedSpan(r run, hourly, spot bool) (span, bool) {
	d := r.end - r.start
	if spot && r.interrupted && !r.open {
		switch {
		case d < 3600:
			return span{}, false
		case hourly:
			return span{r.start, r.start + d/3600*3600}, true
		}
		return span{r.start, r.end}, true
	}
	if hourly {
		hours := max((d+3599)/3600, 1)
		return span{r.start, r.start + hours*3600}, true
	}
	return span{r.start, max(r.end, r.start+60)}, true
}

// meterInstance returns the billed spans (with minimums and rounding) and
// the actual running spans of an instance, both clipped to [from, to).
func (c Config) meterInstance(in *Instance, from, to int64) (billed, actual []span, err error) {
	runs, err := runsOf(in.Transitions, to)
	if err != nil {
		return nil, nil, fmt.Errorf("meter instance %s: %w", in.ID, err)
	}
	hourly, spot := c.hourly(in.Platform), in.Market == MarketSpot
	for _, r := range runs {
		if a, ok := clip(span{r.start, r.end}, from, to); ok {
			actual = append(actual, a)
		}
		if s, ok := billedSpan(r, hourly, spot); ok {
			if s, ok = clip(s, from, to); ok {
				billed = append(billed, s)
			}
		}
	}
	return billed, actual, nil
}

func clip(s span, from, to int64) (span, bool) {
	s.from, s.to = max(s.from, from), min(s.to, to)
	return s, s.to > s.from
}

// lifetime is the clipped [start, end) of a resource that lives from created
// to deleted (zero deleted: still alive).
func lifetime(created, deleted time.Time, from, to int64) (span, bool) {
	end := to
	if !deleted.IsZero() {
		end = unix(deleted)
	}
	return clip(span{unix(created), end}, from, to)
}
