// Command kumo-bench measures a real Kumo server against the budgets in
// DESIGN.md §7 and prints one markdown table; `make bench` runs it.
//
// It starts `bin/kumo serve` as a child process on a free loopback port with a
// throwaway data directory, drives it with aws-sdk-go-v2 exactly as a user's
// tooling would, and writes the table to docs/benchmarks.md. Slow numbers are
// reported, never fatal: the exit status is non-zero only when a row could not
// be measured at all (the server did not start, or a call returned an error).
//
// Each row is a bench in the list built by benches(); adding a row is adding
// one entry there.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// config holds everything a run depends on; flags fill it in.
type config struct {
	kumo        string // path of the kumo binary
	out         string // markdown file to write; empty writes none
	logLevel    string // passed to kumo serve
	quick       bool
	concurrency int // clients in the throughput rows
	runs        int // repeated runs per row; rows report the median

	warmup       int           // sequential calls before the latency runs
	latencyCalls int           // sequential calls per latency run
	tpCalls      int           // total calls cap per throughput run
	tpDuration   time.Duration // time cap per throughput run
}

func defaultConfig() config {
	return config{
		kumo:         "bin/kumo",
		out:          "docs/benchmarks.md",
		logLevel:     "info",
		concurrency:  4,
		runs:         3,
		warmup:       200,
		latencyCalls: 2000,
		tpCalls:      20000,
		tpDuration:   5 * time.Second,
	}
}

// applyQuick shrinks the run so that the whole harness finishes in seconds;
// the numbers are noisier and the report says so.
func (c *config) applyQuick() {
	c.runs = 1
	c.warmup = 50
	c.latencyCalls = 300
	c.tpCalls = 2000
	c.tpDuration = time.Second
}

func (c *config) validate() error {
	switch {
	case c.kumo == "":
		return errors.New("-kumo: path of the kumo binary is required")
	case c.concurrency < 1:
		return fmt.Errorf("-concurrency %d: want at least 1", c.concurrency)
	case c.runs < 1:
		return fmt.Errorf("-runs %d: want at least 1", c.runs)
	}
	return nil
}

func main() {
	cfg := defaultConfig()
	flag.StringVar(&cfg.kumo, "kumo", cfg.kumo, "path of the kumo binary to benchmark (`make build` writes bin/kumo)")
	flag.StringVar(&cfg.out, "out", cfg.out, "markdown file to write the report to; empty writes none")
	flag.StringVar(&cfg.logLevel, "log-level", cfg.logLevel, "--log-level for kumo serve (its log goes to a file in the temp dir)")
	flag.BoolVar(&cfg.quick, "quick", false, "short run with fewer calls (< 20 s); noisier numbers")
	flag.IntVar(&cfg.concurrency, "concurrency", cfg.concurrency, "concurrent clients in the throughput rows")
	flag.IntVar(&cfg.runs, "runs", cfg.runs, "repeated runs per row (the median is reported); -quick sets 1")
	flag.Parse()
	if cfg.quick {
		runs := cfg.runs
		cfg.applyQuick()
		flag.Visit(func(f *flag.Flag) { // an explicit -runs still wins
			if f.Name == "runs" {
				cfg.runs = runs
			}
		})
	}
	if err := cfg.validate(); err != nil {
		fmt.Fprintln(os.Stderr, "kumo-bench:", err)
		os.Exit(2)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, cfg)
	stop()
	os.Exit(code)
}

// run returns the exit status; main exits only after every deferred cleanup
// here (stopping kumo, removing its data) has run.
func run(ctx context.Context, cfg config) int {
	start, load := time.Now(), loadAverage()
	progress("starting %s serve", cfg.kumo)
	srv, err := startServer(ctx, cfg.kumo, cfg.logLevel)
	if err != nil {
		progress("error: %v", err)
		return 1
	}
	defer func() {
		if err := srv.stop(); err != nil {
			progress("stop kumo: %v", err)
		}
	}()
	progress("kumo serving at %s (pid %d)", srv.url, srv.pid())

	env := &benchEnv{cfg: cfg, srv: srv, ec2: newEC2Client(srv, cfg.concurrency)}
	rows, failed := runBenches(ctx, benches(env))
	if ctx.Err() != nil {
		progress("interrupted")
		return 130
	}

	rep := report{
		machine: describeMachine(cfg.kumo, load),
		when:    start,
		quick:   cfg.quick,
		rows:    rows,
	}
	fmt.Print(rep.body())
	progress("finished in %s", time.Since(start).Round(100*time.Millisecond))

	if failed > 0 {
		progress("%d row(s) could not be measured; not writing %s", failed, cfg.out)
		return 1
	}
	if cfg.out != "" {
		if err := rep.write(cfg.out); err != nil {
			progress("error: %v", err)
			return 1
		}
		progress("wrote %s", cfg.out)
	}
	return 0
}

// progress prints one status line on stderr, keeping stdout for the table.
func progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "kumo-bench: "+format+"\n", args...)
}
