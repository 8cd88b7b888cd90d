package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/kumo-cloud/kumo/guest"
	"github.com/kumo-cloud/kumo/internal/ec2/images"
)

// vmSkipReason says why the instance rows cannot run here, or "" if they can.
func vmSkipReason(cfg config) string {
	switch {
	case !cfg.vms:
		return "skipped: -vms=false"
	case os.Geteuid() != 0:
		return "skipped: not root. kumo serve runs VMs only as root (network namespaces, taps, nftables); run `sudo make bench` for these rows"
	}
	if _, err := exec.LookPath("qemu-system-x86_64"); err != nil {
		return "skipped: qemu-system-x86_64 is not installed (make setup installs it)"
	}
	return ""
}

// prebuildImage builds kumo-minimal into the image cache before kumo starts,
// where kumo serve finds it: a cold build (apt downloads, compiling the guest
// agent) would otherwise overlap the API rows and land in the first launch.
// A warm cache returns at once.
func prebuildImage(ctx context.Context, dir string) (string, error) {
	t0 := time.Now()
	img, err := guest.Build(ctx, filepath.Join(dir, images.MinimalName), func(s string) { progress("image: %s", s) })
	if err != nil {
		return "", fmt.Errorf("prebuild %s: %w", images.MinimalName, err)
	}
	progress("image %s %s ready in %s (cache %s)", images.MinimalName, img.Version, time.Since(t0).Round(100*time.Millisecond), dir)
	return img.Version, nil
}

// qemuPID finds the QEMU of instance id from the pidfile in its run
// directory, and checks by its command line that the PID is still that VM.
func qemuPID(dataDir, id string) (int, error) {
	path := filepath.Join(dataDir, "instances", id, "qemu.pid")
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, fmt.Errorf("find qemu of %s: %w", id, err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return 0, fmt.Errorf("find qemu of %s: %s: %q", id, path, b)
	}
	if v := cmdlineValue(cmdline(pid), "-name"); !strings.HasPrefix(v, "guest="+id+",") {
		return 0, fmt.Errorf("find qemu of %s: pid %d is not its VM", id, pid)
	}
	return pid, nil
}

// cmdline is a process's arguments, nil if it is gone.
func cmdline(pid int) []string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil || len(b) == 0 {
		return nil
	}
	return strings.Split(strings.TrimRight(string(b), "\x00"), "\x00")
}

// cmdlineValue is the argument after flag, or "".
func cmdlineValue(args []string, flag string) string {
	for i := 0; i+1 < len(args); i++ {
		if args[i] == flag {
			return args[i+1]
		}
	}
	return ""
}

// qemuAccel is the accelerator in a QEMU's "-accel tcg,…" (or, from older
// Kumo versions, "-machine q35,accel=tcg").
func qemuAccel(pid int) string {
	args := cmdline(pid)
	if v := cmdlineValue(args, "-accel"); v != "" {
		return strings.SplitN(v, ",", 2)[0]
	}
	for _, opt := range strings.Split(cmdlineValue(args, "-machine"), ",") {
		if v, ok := strings.CutPrefix(opt, "accel="); ok {
			return v
		}
	}
	return "unknown"
}

// mapping is one entry of /proc/PID/smaps.
type mapping struct {
	sizeKiB, rssKiB int64
	anon            bool // no file and no [name]
	exec            bool // mapped executable
}

// readSmaps lists a process's mappings with their size and resident part.
func readSmaps(pid int) ([]mapping, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps", pid))
	if err != nil {
		return nil, fmt.Errorf("read smaps: %w", err)
	}
	var maps []mapping
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		if !strings.HasSuffix(f[0], ":") { // "start-end perms offset dev inode [path]"
			maps = append(maps, mapping{anon: len(f) < 6, exec: len(f) > 1 && strings.Contains(f[1], "x")})
			continue
		}
		if len(maps) == 0 || len(f) < 2 {
			continue
		}
		n, _ := strconv.ParseInt(f[1], 10, 64)
		switch f[0] {
		case "Size:":
			maps[len(maps)-1].sizeKiB = n
		case "Rss:":
			maps[len(maps)-1].rssKiB = n
		}
	}
	return maps, nil
}

// benchQEMUs are the live QEMU processes of this run: those whose pidfile is
// under kumo's data dir.
func benchQEMUs(dataDir string) []int {
	ents, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || zombie(pid) {
			continue
		}
		if strings.HasPrefix(cmdlineValue(cmdline(pid), "-pidfile"), dataDir+string(filepath.Separator)) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// otherQEMUs counts the live QEMU processes on the host that are not this
// run's: VMs of concurrent tests compete with ours for the cores.
func otherQEMUs(dataDir string) int {
	ents, _ := os.ReadDir("/proc")
	n := 0
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || zombie(pid) {
			continue
		}
		args := cmdline(pid)
		if len(args) > 0 && strings.HasPrefix(filepath.Base(args[0]), "qemu-system") &&
			!strings.HasPrefix(cmdlineValue(args, "-pidfile"), dataDir+string(filepath.Separator)) {
			n++
		}
	}
	return n
}

// zombie reports whether pid has exited and waits to be reaped (or is gone).
func zombie(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	return len(f) == 0 || f[0] == "Z" || f[0] == "X"
}

// sweepStale removes what an earlier run that was killed outright (SIGKILL,
// so it could not clean up) left: QEMU processes under a kumo-bench data dir
// whose kumo is gone, and, when no kumo with this net prefix runs, the
// namespaces and links named with it. Those VMs would skew every row.
func sweepStale(prefix string) {
	dirs := map[string]bool{} // data dirs of live kumo processes
	prefixInUse := false
	var qemus []int
	pattern := filepath.Join(os.TempDir(), "kumo-bench-*", "data")
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || zombie(pid) {
			continue
		}
		args := cmdline(pid)
		if d := cmdlineValue(args, "--data-dir"); d != "" {
			dirs[d] = true
			prefixInUse = prefixInUse || cmdlineValue(args, "--net-prefix") == prefix
		}
		if pf := cmdlineValue(args, "-pidfile"); pf != "" {
			qemus = append(qemus, pid)
		}
	}
	var stale []int
	for _, pid := range qemus {
		// <tmp>/kumo-bench-*/data/instances/<id>/qemu.pid
		dir := filepath.Dir(filepath.Dir(filepath.Dir(cmdlineValue(cmdline(pid), "-pidfile"))))
		if ok, _ := filepath.Match(pattern, dir); ok && !dirs[dir] {
			stale = append(stale, pid)
		}
	}
	if len(stale) > 0 {
		progress("killing %d qemu process(es) left by an earlier run that was killed: %v", len(stale), stale)
		for _, pid := range stale {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
	// Their data dirs too; a minute's age keeps a run that is just starting
	// its kumo safe.
	olds, _ := filepath.Glob(pattern)
	for _, d := range olds {
		if st, err := os.Stat(d); err == nil && !dirs[d] && time.Since(st.ModTime()) > time.Minute {
			_ = os.RemoveAll(filepath.Dir(d))
		}
	}
	ns, links := netObjects(prefix)
	switch {
	case len(ns)+len(links) == 0:
	case prefixInUse:
		progress("warning: another kumo uses --net-prefix %s; its namespaces %v stay", prefix, ns)
	default:
		progress("removing network namespaces %v and links %v left by an earlier run", ns, links)
		removeNetObjects(prefix)
	}
}

// sweepHost removes what the instance rows could leave on the host once kumo
// has stopped: QEMU processes of this run (VMs outlive kumo by design) and
// the network namespaces and host links named with prefix. Instances were
// terminated through the API before, so normally there is nothing to do.
func sweepHost(dataDir, prefix string) {
	if pids := benchQEMUs(dataDir); len(pids) > 0 {
		progress("killing %d leftover qemu process(es): %v", len(pids), pids)
		for _, pid := range pids {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline) && len(benchQEMUs(dataDir)) > 0; {
			time.Sleep(50 * time.Millisecond)
		}
	}
	if pids := benchQEMUs(dataDir); len(pids) > 0 {
		progress("warning: qemu process(es) %v of this run still alive", pids)
	}
	if ns, links := removeNetObjects(prefix); ns+links > 0 {
		progress("removed %d network namespace(s) and %d host link(s) named %s-*", ns, links, prefix)
	}
}

// removeNetObjects deletes the network namespaces and host links named
// prefix-* and says how many there were.
func removeNetObjects(prefix string) (namespaces, links int) {
	ns, _ := netObjects(prefix)
	for _, n := range ns {
		if out, err := exec.Command("ip", "netns", "del", n).CombinedOutput(); err != nil {
			progress("warning: ip netns del %s: %v: %s", n, err, bytes.TrimSpace(out))
		}
	}
	// Deleting a namespace takes the veth pairs with a leg in it, but the
	// kernel does it asynchronously; host links still listed go by name.
	_, ls := netObjects(prefix)
	for _, l := range ls {
		if out, err := exec.Command("ip", "link", "del", l).CombinedOutput(); err != nil {
			if _, now := netObjects(prefix); slices.Contains(now, l) {
				progress("warning: ip link del %s: %v: %s", l, err, bytes.TrimSpace(out))
			}
		}
	}
	return len(ns), len(ls)
}

// netObjects lists the network namespaces and host links named prefix-*.
func netObjects(prefix string) (namespaces, links []string) {
	ents, _ := os.ReadDir("/run/netns")
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), prefix+"-") {
			namespaces = append(namespaces, e.Name())
		}
	}
	out, _ := exec.Command("ip", "-o", "link", "show").Output()
	for _, line := range strings.Split(string(out), "\n") {
		// "12: kbn-2f802732@if2: <BROADCAST,...> ..."
		f := strings.SplitN(line, ": ", 3)
		if len(f) < 2 {
			continue
		}
		name, _, _ := strings.Cut(f[1], "@")
		if strings.HasPrefix(name, prefix+"-") {
			links = append(links, name)
		}
	}
	return namespaces, links
}
