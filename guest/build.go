package guest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// build makes the image files in tmp/out and returns what went into them.
// dir holds the caches shared by builds (dir/cache).
func build(ctx context.Context, dir, tmp string, progress func(string)) (*manifest, error) {
	step := time.Now()
	timed := func(msg string) {
		progress(fmt.Sprintf("%s (%.1fs)", msg, time.Since(step).Seconds()))
		step = time.Now()
	}
	out := filepath.Join(tmp, "out")
	cache := filepath.Join(dir, "cache")
	a := &apt{cache: filepath.Join(cache, "debs"), progress: progress}
	for _, d := range []string{out, a.cache} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, err
		}
	}

	// The agent compiles while apt downloads and dpkg-deb decompresses:
	// on a cold Go build cache it is the slowest step.
	agentBin := filepath.Join(tmp, "kumo-guest-agent")
	agentErr := make(chan error, 1)
	agentCtx, cancelAgent := context.WithCancel(ctx)
	go func() { agentErr <- buildAgent(agentCtx, tmp, cache, agentBin) }()
	agentWaited := false
	defer func() {
		// On an early return, stop the compiler before tmp is removed.
		cancelAgent()
		if !agentWaited {
			<-agentErr
		}
	}()

	// Resolve packages.
	progress("resolving Debian packages …")
	var elfPkgs []string
	for p := range elfPackages {
		elfPkgs = append(elfPkgs, p)
	}
	sort.Strings(elfPkgs)
	// One apt-cache run: each one parses all package lists, which takes
	// a second or more.
	deps, err := a.depends(ctx, true, append([]string{kernelMetaPackage}, elfPkgs...)...)
	if err != nil {
		return nil, err
	}
	var kernelPkg string
	for _, d := range deps[kernelMetaPackage] {
		if strings.HasPrefix(d, "linux-image-") {
			kernelPkg = d
		}
	}
	if kernelPkg == "" {
		return nil, fmt.Errorf("%s depends on no linux-image-* package (apt-cache depends %s)", kernelMetaPackage, kernelMetaPackage)
	}
	libPkgs := libPackages(deps, elfPkgs)
	all := append(append([]string{kernelPkg, busyboxPackage}, elfPkgs...), libPkgs...)

	debs, err := a.fetch(ctx, all)
	if err != nil {
		return nil, err
	}
	timed(fmt.Sprintf("have %d packages", len(debs)))
	dirs, err := extract(ctx, debs, filepath.Join(tmp, "pkgs"))
	if err != nil {
		return nil, err
	}
	timed("extracted")

	// Kernel and initrd.
	k, err := openKernel(dirs[kernelPkg])
	if err != nil {
		return nil, err
	}
	mods, builtin, err := k.resolveModules()
	if err != nil {
		return nil, err
	}
	busybox := filepath.Join(dirs[busyboxPackage], "bin", "busybox")
	applets, err := busyboxApplets(ctx, busybox)
	if err != nil {
		return nil, err
	}
	progress(fmt.Sprintf("building initrd for %s (%d modules) …", k.release, len(mods)))
	if err := writeInitrd(filepath.Join(out, initrdFile), busybox, applets, mods); err != nil {
		return nil, err
	}
	b, err := os.ReadFile(k.vmlinuz)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(out, kernelFile), b, 0o644); err != nil {
		return nil, err
	}

	// Root disk.
	progress("building root disk …")
	var libRoots []string
	for _, p := range libPkgs {
		libRoots = append(libRoots, dirs[p])
	}
	idx, err := indexLibs(libRoots)
	if err != nil {
		return nil, err
	}
	r := &rootfs{dir: filepath.Join(tmp, "root"), owners: map[string]owner{}}
	if err := r.skeleton(); err != nil {
		return nil, err
	}
	if err := r.embedded(); err != nil {
		return nil, err
	}
	if err := r.busybox(busybox, applets); err != nil {
		return nil, err
	}
	libs, err := r.elfPrograms(dirs, idx)
	if err != nil {
		return nil, err
	}
	// The disk's size in sectors, as the guest's /sys shows it: rc.sysinit
	// grows the filesystem only when the disk is bigger than this.
	if err := r.writeFile("var/lib/kumo/root-size", []byte(fmt.Sprintf("%d\n", rootDiskSizeGiB<<21)), 0o644); err != nil {
		return nil, err
	}
	release := fmt.Sprintf("kumo-minimal %s\nkernel %s\n", recipeVersion(), k.release)
	if err := r.writeFile("etc/kumo/image-release", []byte(release), 0o644); err != nil {
		return nil, err
	}
	progress("waiting for kumo-guest-agent to compile …")
	agentWaited = true
	if err := <-agentErr; err != nil {
		return nil, err
	}
	if err := r.agent(agentBin); err != nil {
		return nil, err
	}
	if err := makeRootDisk(ctx, r, filepath.Join(out, rootDiskFile)); err != nil {
		return nil, err
	}
	timed("root disk and initrd built")

	m := &manifest{KernelRelease: k.release, Packages: map[string]string{}, Builtin: builtin, Libraries: libs}
	for n, d := range debs {
		m.Packages[n] = filepath.Base(d.file)
	}
	for _, p := range mods {
		m.Modules = append(m.Modules, modName(p))
	}
	sort.Strings(m.Libraries)
	return m, nil
}
