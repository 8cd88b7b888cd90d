package main

import (
	"debug/buildinfo"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// report is the harness's output: the machine, then one table.
type report struct {
	machine string
	when    time.Time
	quick   bool
	rows    []row
}

// body is what stdout gets and what the markdown file holds under its
// heading: the machine line and the table.
func (r report) body() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Machine: %s. Measured %s", r.machine, r.when.UTC().Format("2006-01-02 15:04 UTC"))
	if r.quick {
		b.WriteString(" with -quick (fewer calls, noisier numbers)")
	}
	b.WriteString(".\n\n")
	b.WriteString("| metric | value | budget | unit | how measured |\n")
	b.WriteString("|---|---|---|---|---|\n")
	for _, row := range r.rows {
		value, how := formatNumber(row.value)+" "+row.budget.mark(row.value), row.how
		if row.err != nil {
			value, how = "error", "could not measure: "+row.err.Error()
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n",
			cell(row.name), value, row.budget, row.unit, cell(how))
	}
	return b.String()
}

// write saves the report as a markdown page.
func (r report) write(path string) error {
	var b strings.Builder
	b.WriteString("# Kumo benchmarks\n\n")
	fmt.Fprintf(&b, "Last run %s. Reproduce with `make bench` (it builds `bin/kumo`, starts `kumo serve` on a "+
		"free loopback port with a temporary data dir and `--throttle=false`, and drives it with aws-sdk-go-v2; "+
		"as root it also boots kumo-minimal instances under QEMU and terminates them); "+
		"`go run ./cmd/kumo-bench -quick` is a short run. Budgets are from DESIGN.md §7; "+
		"✅ within budget, ❌ over it, — no budget for this row.\n\n",
		r.when.UTC().Format("2006-01-02"))
	b.WriteString(r.body())
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

// cell keeps text from breaking out of its table cell.
func cell(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
}

// describeMachine says what the numbers were measured on, in one line.
// loadStart and loadEnd are the 1-minute load averages when the run started
// and ended: other work on the machine (VMs of concurrent tests above all,
// on a small host) skews every row, and this shows how much there was.
func describeMachine(kumo, loadStart, loadEnd string) string {
	parts := []string{
		fmt.Sprintf("%d cores (runtime.NumCPU)", runtime.NumCPU()),
		memTotal(),
		cpuModel(),
	}
	if loadStart != "" {
		parts = append(parts, "load average "+loadStart+" at start, "+loadEnd+" at the end")
	}
	// QEMU decides by a probe boot whether KVM works; the instance rows say
	// which accelerator their VMs got.
	if _, err := os.Stat("/dev/kvm"); err == nil {
		parts = append(parts, "/dev/kvm present")
	} else {
		parts = append(parts, "no /dev/kvm")
	}
	parts = append(parts, kumoBuild(kumo))
	return strings.Join(parts, " · ")
}

// loadAverage is the 1-minute load average, or "" where there is none.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	if f := strings.Fields(string(b)); len(f) > 0 {
		return f[0]
	}
	return ""
}

// memTotal is /proc/meminfo's MemTotal in GiB.
func memTotal() string {
	if v := procField("/proc/meminfo", "MemTotal"); v != "" {
		if kib, err := strconv.ParseFloat(strings.TrimSuffix(v, " kB"), 64); err == nil {
			return fmt.Sprintf("%.1f GiB RAM", kib/(1<<20))
		}
	}
	return "RAM unknown"
}

func cpuModel() string {
	if v := procField("/proc/cpuinfo", "model name"); v != "" {
		return strings.Join(strings.Fields(v), " ")
	}
	return "CPU model unknown (" + runtime.GOARCH + ")"
}

// kumoBuild names the Go toolchain and commit the measured binary was built
// from, so a table can be traced to the code it describes.
func kumoBuild(kumo string) string {
	bi, err := buildinfo.ReadFile(kumo)
	if err != nil {
		return runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH
	}
	s := fmt.Sprintf("%s %s/%s", bi.GoVersion, runtime.GOOS, runtime.GOARCH)
	var rev, modified string
	for _, kv := range bi.Settings {
		switch kv.Key {
		case "vcs.revision":
			rev = kv.Value
		case "vcs.modified":
			modified = kv.Value
		}
	}
	if rev != "" {
		s += ", kumo commit " + rev[:min(len(rev), 12)]
		if modified == "true" {
			s += " + local changes"
		}
	}
	return s
}

// formatNumber prints a measurement with as many digits as are meaningful:
// 0.412, 3.71, 42.5, 3,214.
func formatNumber(v float64) string {
	switch a := math.Abs(v); {
	case math.IsNaN(v):
		return "n/a"
	case a >= 100:
		return formatInt(int(math.Round(v)))
	case a >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	case a >= 1:
		return strconv.FormatFloat(v, 'f', 2, 64)
	default:
		return strconv.FormatFloat(v, 'f', 3, 64)
	}
}

// formatInt adds thousands separators: 20000 → 20,000.
func formatInt(n int) string {
	s := strconv.Itoa(n)
	if n < 0 {
		return "-" + formatInt(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
