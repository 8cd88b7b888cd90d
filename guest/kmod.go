package guest

import (
	"bufio"
	"bytes"
	"debug/elf"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Kernel config options kumo-minimal cannot boot without. The initramfs can
// load modules, but not the things it needs to run at all.
var kernelConfigNeeds = []string{
	"CONFIG_BLK_DEV_INITRD", // the initramfs itself
	"CONFIG_RD_GZIP",        // compressed as gzip
	"CONFIG_DEVTMPFS",       // /dev without udev or mdev
	"CONFIG_SERIAL_8250_CONSOLE",
	"CONFIG_UNIX98_PTYS", // dropbear sessions
	"CONFIG_TMPFS",
	"CONFIG_ACPI",
	"CONFIG_PCI",
}

// kernel is an extracted Debian kernel package.
type kernel struct {
	release string // e.g. 6.1.0-56-cloud-amd64
	vmlinuz string
	modDir  string            // lib/modules/<release>
	modules map[string]string // module name → .ko path
	builtin map[string]bool   // module names compiled in
}

// modName normalises a module file or name: the kernel treats - and _ alike.
func modName(s string) string {
	return strings.ReplaceAll(strings.TrimSuffix(filepath.Base(s), ".ko"), "-", "_")
}

// openKernel finds the kernel image, config and modules in an extracted
// linux-image package and checks the config for what the image needs.
func openKernel(pkgDir string) (*kernel, error) {
	vmlinuz, _ := filepath.Glob(filepath.Join(pkgDir, "boot", "vmlinuz-*"))
	if len(vmlinuz) != 1 {
		return nil, fmt.Errorf("kernel package: want one boot/vmlinuz-*, found %d", len(vmlinuz))
	}
	k := &kernel{
		release: strings.TrimPrefix(filepath.Base(vmlinuz[0]), "vmlinuz-"),
		vmlinuz: vmlinuz[0],
		modules: map[string]string{},
		builtin: map[string]bool{},
	}
	cfg, err := os.ReadFile(filepath.Join(pkgDir, "boot", "config-"+k.release))
	if err != nil {
		return nil, fmt.Errorf("kernel package: %w", err)
	}
	set := map[string]bool{}
	for _, line := range strings.Split(string(cfg), "\n") {
		if name, ok := strings.CutSuffix(line, "=y"); ok {
			set[name] = true
		}
	}
	for _, opt := range kernelConfigNeeds {
		if !set[opt] {
			return nil, fmt.Errorf("kernel %s: %s is not built in; kumo-minimal needs it", k.release, opt)
		}
	}
	// Debian's /lib may be /usr/lib in later releases.
	for _, d := range []string{"lib/modules", "usr/lib/modules"} {
		if st, err := os.Stat(filepath.Join(pkgDir, d, k.release)); err == nil && st.IsDir() {
			k.modDir = filepath.Join(pkgDir, d, k.release)
		}
	}
	if k.modDir == "" {
		return nil, fmt.Errorf("kernel %s: no lib/modules/%s in the package", k.release, k.release)
	}
	err = filepath.WalkDir(filepath.Join(k.modDir, "kernel"), func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".ko") {
			k.modules[modName(path)] = path
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("kernel %s: %w", k.release, err)
	}
	b, err := os.ReadFile(filepath.Join(k.modDir, "modules.builtin"))
	if err != nil {
		return nil, fmt.Errorf("kernel %s: %w", k.release, err)
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		k.builtin[modName(sc.Text())] = true
	}
	return k, nil
}

// modDepends reads a module's dependencies from its .modinfo section. The
// Debian package ships no modules.dep (depmod makes it on install), and this
// reads the same data without running the host's depmod.
func modDepends(path string) ([]string, error) {
	f, err := elf.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sec := f.Section(".modinfo")
	if sec == nil {
		return nil, fmt.Errorf("%s: no .modinfo section", filepath.Base(path))
	}
	data, err := sec.Data()
	if err != nil {
		return nil, err
	}
	for _, kv := range bytes.Split(data, []byte{0}) {
		if v, ok := bytes.CutPrefix(kv, []byte("depends=")); ok {
			if len(v) == 0 {
				return nil, nil
			}
			return strings.Split(string(v), ","), nil
		}
	}
	return nil, nil
}

// resolveModules returns the .ko files to load, dependencies first, and
// which of the wanted modules are built in instead.
func (k *kernel) resolveModules() (order []string, builtin []string, err error) {
	seen := map[string]bool{}
	var visit func(name string, chain []string) error
	visit = func(name string, chain []string) error {
		if seen[name] {
			return nil
		}
		seen[name] = true
		path, ok := k.modules[name]
		if !ok {
			if k.builtin[name] {
				return nil
			}
			return fmt.Errorf("module %s (via %s) is neither a module nor built in", name, strings.Join(chain, " → "))
		}
		deps, err := modDepends(path)
		if err != nil {
			return err
		}
		for _, d := range deps {
			if err := visit(modName(d), append(chain, name)); err != nil {
				return err
			}
		}
		order = append(order, path)
		return nil
	}
	for _, m := range kmods {
		switch {
		case k.builtin[m.name]:
			builtin = append(builtin, m.name)
		case k.modules[m.name] == "" && !m.required:
			continue
		case k.modules[m.name] == "":
			return nil, nil, fmt.Errorf("kernel %s lacks %s, needed for %s", k.release, m.name, m.why)
		}
		if err := visit(m.name, nil); err != nil {
			return nil, nil, fmt.Errorf("kernel %s: %w", k.release, err)
		}
	}
	return order, builtin, nil
}
