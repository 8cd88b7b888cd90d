// Command kumo-bench measures a real Kumo server against the budgets in
// DESIGN.md §7 and prints one markdown table; `make bench` runs it.
//
// It starts `bin/kumo serve` as a child process on a free loopback port with a
// throwaway data directory, drives it with aws-sdk-go-v2 exactly as a user's
// tooling would, and writes the table to docs/benchmarks.md. As root it also
// launches real kumo-minimal instances (QEMU VMs; the image is built once into
// -image-dir and reused), times their launch, boot, SSH login, metadata
// service and memory, how soon a security group rule change is enforced, EBS
// (incremental snapshots, volumes restored from one and hot-plugged, reads in
// the guest through each volume's throttle), and TCP between two of them with
// few and with 1,000 rules (kumo serve then runs with
// --rules-per-security-group 1000), and terminates every one of them, on
// errors and interrupts too, before removing what they left on the host.
// -only runs a subset of the rows, for trying one out. Slow numbers are
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
	"path/filepath"
	"regexp"
	"strconv"
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

	vms       bool          // run the instance rows (real QEMU VMs; root only)
	imageDir  string        // kumo serve --image-dir: built images kept across runs
	netPrefix string        // kumo serve --net-prefix: names the namespaces and links to clean up
	launches  int           // RunInstances latency samples
	boots     int           // launches timed to running and to SSH
	imdsCalls int           // timed metadata GETs per run inside the guest
	settle    time.Duration // idle time after SSH works before memory is read
	sgChanges int           // security group rules added and revoked, each timed
	tcpTime   time.Duration // per throughput run between two instances

	only *regexp.Regexp // run only the rows whose name matches; nil runs all
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
		vms:          true,
		imageDir:     filepath.Join(os.TempDir(), "kumo-bench-images"),
		netPrefix:    "kbn",
		launches:     10,
		boots:        5,
		imdsCalls:    2000,
		settle:       5 * time.Second,
		sgChanges:    10,
		tcpTime:      3 * time.Second,
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
	c.launches = 3
	c.boots = 1
	c.imdsCalls = 300
	c.settle = 2 * time.Second
	c.sgChanges = 3
	c.tcpTime = time.Second
}

func (c *config) validate() error {
	switch {
	case c.kumo == "":
		return errors.New("-kumo: path of the kumo binary is required")
	case c.concurrency < 1:
		return fmt.Errorf("-concurrency %d: want at least 1", c.concurrency)
	case c.runs < 1:
		return fmt.Errorf("-runs %d: want at least 1", c.runs)
	case c.imageDir == "":
		return errors.New("-image-dir: a directory is required (kumo serve as root keeps kumo-minimal there)")
	}
	return nil
}

func main() {
	cfg := defaultConfig()
	flag.StringVar(&cfg.kumo, "kumo", cfg.kumo, "path of the kumo binary to benchmark (`make build` writes bin/kumo)")
	flag.StringVar(&cfg.out, "out", cfg.out, "markdown file to write the report to; empty writes none")
	flag.StringVar(&cfg.logLevel, "log-level", cfg.logLevel, "--log-level for kumo serve (its log goes to a file in the temp dir)")
	flag.BoolVar(&cfg.quick, "quick", false, "short run: fewer calls, 3 launches and 1 boot (about 20 s); noisier numbers")
	flag.IntVar(&cfg.concurrency, "concurrency", cfg.concurrency, "concurrent clients in the throughput rows")
	flag.IntVar(&cfg.runs, "runs", cfg.runs, "repeated runs per row (the median is reported); -quick sets 1")
	flag.BoolVar(&cfg.vms, "vms", cfg.vms, "run the instance rows, which boot real QEMU VMs (needs root)")
	flag.StringVar(&cfg.imageDir, "image-dir", cfg.imageDir, "cache of the built kumo-minimal image, kept across runs (kumo serve --image-dir)")
	only := flag.String("only", "", "run only the rows whose metric matches this regular expression (e.g. 'Security group|TCP'); "+
		"writes no report unless -out is given")
	flag.Parse()
	if *only != "" {
		re, err := regexp.Compile(*only)
		if err != nil {
			fmt.Fprintln(os.Stderr, "kumo-bench: -only:", err)
			os.Exit(2)
		}
		cfg.only = re
		outSet := false
		flag.Visit(func(f *flag.Flag) { outSet = outSet || f.Name == "out" })
		if !outSet { // a partial table must not replace the full one
			cfg.out = ""
		}
	}
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
	env := &benchEnv{cfg: cfg, vmSkip: vmSkipReason(cfg)}
	// As root, kumo serve runs the host agent, which builds kumo-minimal at
	// start unless it is cached: build it into the cache first (a no-op when
	// warm), so that no build overlaps the rows, with or without -vms.
	asRoot := os.Geteuid() == 0
	var extra []string
	if asRoot {
		sweepStale(cfg.netPrefix)
		env.imageVersion, env.imageErr = prebuildImage(ctx, cfg.imageDir)
		if ctx.Err() != nil {
			progress("interrupted")
			return 130
		}
		extra = []string{"--image-dir", cfg.imageDir, "--net-prefix", cfg.netPrefix,
			// The second throughput row fills a group with 1,000 rules
			// each way; AWS raises this quota on request, kumo by flag.
			"--rules-per-security-group", strconv.Itoa(fullRules)}
	}
	progress("starting %s serve", cfg.kumo)
	srv, err := startServer(ctx, cfg.kumo, cfg.logLevel, extra...)
	if err != nil {
		progress("error: %v", err)
		return 1
	}
	env.srv, env.ec2 = srv, newEC2Client(srv, cfg.concurrency)
	defer func() {
		// Instances first, through the API, while kumo still serves; then
		// kumo; then whatever the VMs could leave on the host.
		if env.fleet != nil {
			if err := env.fleet.cleanup(); err != nil {
				progress("error: %v", err)
			}
		}
		if err := srv.stop(); err != nil {
			progress("stop kumo: %v", err)
		}
		if asRoot {
			sweepHost(srv.dataDir, cfg.netPrefix)
		}
	}()
	progress("kumo serving at %s (pid %d)", srv.url, srv.pid())

	rows, failed := runBenches(ctx, selectBenches(benches(env), cfg.only))
	if ctx.Err() != nil {
		progress("interrupted")
		return 130
	}

	rep := report{
		machine: describeMachine(cfg.kumo, load, loadAverage()),
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
