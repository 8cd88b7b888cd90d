package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// userHZ is the unit of /proc/PID/stat's CPU times. The kernel fixes it at
// 100 for user space on every architecture Kumo runs on, and reading
// sysconf(_SC_CLK_TCK) would need cgo.
const userHZ = 100

// procField returns the value of the first "key: value" line of a /proc file
// (/proc/meminfo, /proc/cpuinfo, /proc/PID/status), or "" if there is none.
func procField(path, key string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// procMiB reads a "NNN kB" field, such as VmRSS, in MiB.
func procMiB(path, key string) (float64, error) {
	v := procField(path, key)
	if v == "" {
		return 0, fmt.Errorf("read %s: no %s", path, key)
	}
	kib, err := strconv.ParseFloat(strings.TrimSuffix(v, " kB"), 64)
	if err != nil {
		return 0, fmt.Errorf("read %s: %s %q: %w", path, key, v, err)
	}
	return kib / 1024, nil
}

// cpuSeconds is the user+system CPU time a process has used so far; pid is
// a number or "self".
func cpuSeconds(pid string) (float64, error) {
	path := "/proc/" + pid + "/stat"
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, fmt.Errorf("read cpu time: %w", err)
	}
	// The command name, field 2, is in parentheses and may hold spaces;
	// fields after it start with field 3 (state). utime and stime are 14, 15.
	s := string(b)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(fields) < 13 {
		return 0, fmt.Errorf("read cpu time: short %s", path)
	}
	var ticks float64
	for _, f := range fields[11:13] {
		n, err := strconv.ParseFloat(f, 64)
		if err != nil {
			return 0, fmt.Errorf("read cpu time: %s: %w", path, err)
		}
		ticks += n
	}
	return ticks / userHZ, nil
}

// cpuMeter tells how many cores the server and the harness itself kept busy
// between start and stop, to show which side a throughput number is bound by.
type cpuMeter struct {
	pid            string
	server, client float64
}

func startCPUMeter(pid int) *cpuMeter {
	m := &cpuMeter{pid: strconv.Itoa(pid)}
	m.server, _ = cpuSeconds(m.pid)
	m.client, _ = cpuSeconds("self")
	return m
}

// stop returns the average cores used by each side over wall seconds; ok is
// false when /proc could not be read.
func (m *cpuMeter) stop(wall float64) (server, client float64, ok bool) {
	s, err1 := cpuSeconds(m.pid)
	c, err2 := cpuSeconds("self")
	if err1 != nil || err2 != nil || wall <= 0 {
		return 0, 0, false
	}
	return (s - m.server) / wall, (c - m.client) / wall, true
}
