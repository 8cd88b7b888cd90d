package main

import (
	"context"
	"fmt"
	"math"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ec2"
)

// bench is one row of the table: what it measures, the budget it is held to,
// and how to measure it. Rows run one at a time, in list order.
type bench struct {
	name   string // the metric column
	unit   string // ms, calls/s, MiB
	budget budget
	run    func(ctx context.Context) (result, error)
}

// result is what a row measured.
type result struct {
	value float64
	how   string // the "how measured" column
}

// budget is a bound from DESIGN.md §7; the zero budget means the row has none.
type budget struct {
	below bool // value must be below limit; otherwise above it
	limit float64
	upper float64 // non-zero: value must be from limit to upper, both included
}

var noBudget budget

func lessThan(limit float64) budget { return budget{below: true, limit: limit} }
func moreThan(limit float64) budget { return budget{limit: limit} }

// within is a range a value must fall in, such as a throttle's limit ± 15%.
func within(lo, hi float64) budget { return budget{limit: lo, upper: hi} }

func (b budget) String() string {
	switch {
	case b == noBudget:
		return "—"
	case b.upper != 0:
		return formatNumber(b.limit) + "–" + formatNumber(b.upper)
	case b.below:
		return "< " + formatLimit(b.limit)
	default:
		return "> " + formatLimit(b.limit)
	}
}

// formatLimit prints a budget as written in DESIGN: 20, 3,000, 1.5.
func formatLimit(v float64) string {
	if v == math.Trunc(v) {
		return formatInt(int(v))
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// mark is ✅ or ❌ for a row with a budget and — for one without.
func (b budget) mark(v float64) string {
	switch {
	case b == noBudget || math.IsNaN(v):
		return "—"
	case b.upper != 0:
		if v >= b.limit && v <= b.upper {
			return "✅"
		}
		return "❌"
	case b.below == (v < b.limit):
		return "✅"
	default:
		return "❌"
	}
}

// row is one line of the table, measured or failed.
type row struct {
	bench
	result
	err error
}

// runBenches runs every bench, printing one progress line as each starts and
// finishes. A failed row is kept (the table shows the error) and counted; an
// interrupt stops the run.
func runBenches(ctx context.Context, list []bench) (rows []row, failed int) {
	for i, b := range list {
		progress("[%d/%d] %s ...", i+1, len(list), b.name)
		t0 := time.Now()
		res, err := b.run(ctx)
		if ctx.Err() != nil {
			return rows, failed
		}
		took := time.Since(t0).Round(100 * time.Millisecond)
		if err != nil {
			failed++
			progress("[%d/%d] %s: error after %s: %v", i+1, len(list), b.name, took, err)
		} else {
			progress("[%d/%d] %s: %s %s %s (%s)", i+1, len(list), b.name,
				formatNumber(res.value), b.unit, b.budget.mark(res.value), took)
		}
		rows = append(rows, row{bench: b, result: res, err: err})
	}
	return rows, failed
}

// selectBenches keeps the benches whose name matches only; nil keeps all.
func selectBenches(list []bench, only *regexp.Regexp) []bench {
	if only == nil {
		return list
	}
	var kept []bench
	for _, b := range list {
		if only.MatchString(b.name) {
			kept = append(kept, b)
		}
	}
	return kept
}

// benchEnv is what the benches share: the run's settings, the server and one
// SDK client; for the instance rows, the prebuilt image and the fleet of
// instances they launched.
type benchEnv struct {
	cfg config
	srv *server
	ec2 *ec2.Client

	vmSkip       string // why the instance rows do not run; "" if they do
	imageVersion string // kumo-minimal as prebuilt
	imageErr     error  // the prebuild failed: the instance rows report it
	fleet        *fleet // nil until vmRows makes it
}

// describeBudget is the working latency budget for Describe* calls: DESIGN
// §7 sets p50 < 20 ms only for RunInstances, and a Describe should not be
// slower than that.
var describeBudget = lessThan(20)

// throughputBudget is DESIGN §7's "API throughput, DescribeInstances
// (small) > 3,000 req/s"; until DescribeInstances exists it is a reference
// for other small calls.
var throughputBudget = moreThan(3000)

// apiRows returns the three rows of one API call: sequential p50 and p99
// latency from the same samples, and concurrent throughput. setup, if not
// nil, runs once before the first of them.
func (e *benchEnv) apiRows(label string, setup func(context.Context) error, call callFunc, tpNote string) []bench {
	c := e.cfg
	ready := newLazy(func(ctx context.Context) (struct{}, error) {
		if setup == nil {
			return struct{}{}, nil
		}
		return struct{}{}, setup(ctx)
	})
	lat := newLazy(func(ctx context.Context) (latencies, error) {
		if _, err := ready.get(ctx); err != nil {
			return latencies{}, err
		}
		return measureLatency(ctx, call, c.warmup, c.latencyCalls, c.runs)
	})
	seq := fmt.Sprintf("%s sequential calls after %s warm-up calls", runsOf(c.runs, c.latencyCalls), formatInt(c.warmup))
	percentileRow := func(name string, b budget, pick func(latencies) []float64, note string) bench {
		return bench{name: label + " " + name, unit: "ms", budget: b, run: func(ctx context.Context) (result, error) {
			l, err := lat.get(ctx)
			if err != nil {
				return result{}, err
			}
			v := pick(l)
			return result{value: median(v), how: seq + spread(name, v) + note}, nil
		}}
	}
	return []bench{
		percentileRow("p50", describeBudget, func(l latencies) []float64 { return l.p50 },
			"; working budget: DESIGN §7's RunInstances p50 < 20 ms (none is set for Describe*)"),
		percentileRow("p99", noBudget, func(l latencies) []float64 { return l.p99 }, ""),
		{name: label + " throughput", unit: "calls/s", budget: throughputBudget, run: func(ctx context.Context) (result, error) {
			if _, err := ready.get(ctx); err != nil {
				return result{}, err
			}
			tp, err := measureThroughput(ctx, call, c.concurrency, c.tpCalls, c.tpDuration, c.runs, e.srv.pid())
			if err != nil {
				return result{}, err
			}
			how := fmt.Sprintf("%d concurrent clients, %s of ≤ %s or %s calls, whichever first%s; %s; %s",
				c.concurrency, runsOf(c.runs, 0), c.tpDuration, formatInt(c.tpCalls),
				spread("calls/s", tp.rates), cpuSplit(tp), tpNote)
			return result{value: median(tp.rates), how: how}, nil
		}},
	}
}

// cpuSplit says which side a throughput number is bound by: the SDK client
// and the server share this machine's cores.
func cpuSplit(tp throughput) string {
	if !tp.cpuKnown {
		return "SDK client and server share the machine's cores"
	}
	return fmt.Sprintf("SDK client and server share the %d cores: kumo used %.2f of them, the client %.2f",
		runtime.NumCPU(), tp.serverCores, tp.clientCores)
}

// runsOf says "3 runs × 2,000" (or "1 run of 300"); n 0 leaves the count out.
func runsOf(runs, n int) string {
	switch {
	case n == 0 && runs == 1:
		return "1 run"
	case n == 0:
		return fmt.Sprintf("%d runs", runs)
	case runs == 1:
		return "1 run of " + formatInt(n)
	default:
		return fmt.Sprintf("%d runs × %s", runs, formatInt(n))
	}
}

// spread shows the per-run values behind a median, so noise is visible.
func spread(what string, v []float64) string {
	if len(v) < 2 {
		return ""
	}
	parts := make([]string, len(v))
	for i, x := range v {
		parts[i] = formatNumber(x)
	}
	return fmt.Sprintf("; median of runs (%s per run: %s)", what, strings.Join(parts, ", "))
}
