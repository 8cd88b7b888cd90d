package guest

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// Ids the image's /etc/passwd and /etc/group give them.
const (
	ec2UserID = 1000
	wheelGID  = 10
)

// owner is an ownership and mode the root disk must have whatever user the
// build ran as; disk.go applies them with debugfs.
type owner struct {
	uid, gid int
	mode     fs.FileMode // 0 keeps the staged mode
}

// rootfs is a staging tree for the root disk.
type rootfs struct {
	dir    string
	owners map[string]owner // image path → ownership other than root:root
}

func (r *rootfs) path(p string) string { return filepath.Join(r.dir, filepath.FromSlash(p)) }

func (r *rootfs) mkdir(p string, perm fs.FileMode) error {
	if err := os.MkdirAll(r.path(p), 0o755); err != nil {
		return err
	}
	// Chmod: MkdirAll obeys the umask and cannot set the sticky bit.
	return os.Chmod(r.path(p), perm)
}

func (r *rootfs) symlink(p, target string) error {
	if err := os.MkdirAll(filepath.Dir(r.path(p)), 0o755); err != nil {
		return err
	}
	return os.Symlink(target, r.path(p))
}

func (r *rootfs) writeFile(p string, data []byte, perm fs.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(r.path(p)), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(r.path(p), data, perm); err != nil {
		return err
	}
	return os.Chmod(r.path(p), perm)
}

func (r *rootfs) copyFile(p, from string, perm fs.FileMode) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return r.writeFile(p, b, perm)
}

// skeleton lays out a merged-/usr tree, as Debian does since bookworm.
func (r *rootfs) skeleton() error {
	for _, l := range [][2]string{{"bin", "usr/bin"}, {"sbin", "usr/sbin"}, {"lib", "usr/lib"}, {"lib64", "usr/lib64"}, {"var/run", "../run"}} {
		if err := r.symlink(l[0], l[1]); err != nil {
			return err
		}
	}
	dirs := []struct {
		p    string
		perm fs.FileMode
	}{
		{"usr/bin", 0o755}, {"usr/sbin", 0o755}, {"usr/lib64", 0o755}, {imageLibDir, 0o755},
		{"usr/local/bin", 0o755}, {"dev", 0o755}, {"proc", 0o555}, {"sys", 0o555}, {"run", 0o755},
		{"tmp", fs.ModeSticky | 0o777}, {"var/tmp", fs.ModeSticky | 0o777}, {"var/log", 0o755}, {"var/lib/cloud", 0o755},
		{"mnt", 0o755}, {"media", 0o755}, {"root", 0o700}, {"etc/dropbear", 0o700},
		{"home/ec2-user", 0o700}, {"home/ec2-user/.ssh", 0o700},
	}
	for _, d := range dirs {
		if err := r.mkdir(d.p, d.perm); err != nil {
			return err
		}
	}
	r.owners["home/ec2-user"] = owner{uid: ec2UserID, gid: ec2UserID}
	r.owners["home/ec2-user/.ssh"] = owner{uid: ec2UserID, gid: ec2UserID}
	return nil
}

// embedded copies rootfs/ from the package. Embedding loses file modes, so
// scripts are recognised by place.
func (r *rootfs) embedded() error {
	return fs.WalkDir(rootfsFiles, "rootfs", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel := strings.TrimPrefix(p, "rootfs/")
		perm := fs.FileMode(0o644)
		switch {
		case rel == "etc/shadow":
			perm = 0o600
		case strings.HasPrefix(rel, "etc/kumo/rc.") || rel == "etc/kumo/udhcpc.script" || rel == "etc/kumo/hotplug",
			strings.HasPrefix(rel, "etc/acpi/"), strings.HasPrefix(rel, "usr/bin/"):
			perm = 0o755
		}
		b, err := rootfsFiles.ReadFile(p)
		if err != nil {
			return err
		}
		return r.writeFile(rel, b, perm)
	})
}

// busybox installs the binary and a link per applet, leaving alone any path
// the embedded files already provide (/usr/bin/bash is ours).
func (r *rootfs) busybox(bin string, applets []string) error {
	if err := r.copyFile("usr/bin/busybox", bin, 0o755); err != nil {
		return err
	}
	for _, a := range applets {
		// Merged /usr: bin/x and sbin/x live in usr/bin and usr/sbin.
		p := strings.TrimPrefix(a, "usr/")
		p = "usr/" + p
		if path.Base(p) == "busybox" {
			continue
		}
		if _, err := os.Lstat(r.path(p)); err == nil {
			continue
		}
		target := "busybox"
		if path.Dir(p) != "usr/bin" {
			target = "../bin/busybox"
		}
		if err := r.symlink(p, target); err != nil {
			return err
		}
	}
	return nil
}

// elfPrograms installs the dynamically linked programs and every shared
// library they need, taken from the extracted Debian packages.
func (r *rootfs) elfPrograms(pkgDirs map[string]string, idx libIndex) ([]string, error) {
	var bins []string
	for pkg, files := range elfPackages {
		for from, to := range files {
			src := filepath.Join(pkgDirs[pkg], filepath.FromSlash(from))
			if _, err := os.Stat(src); err != nil {
				// Later Debian releases ship /sbin and /lib under /usr.
				src = filepath.Join(pkgDirs[pkg], "usr", filepath.FromSlash(from))
			}
			if err := r.copyFile(to, src, 0o755); err != nil {
				return nil, fmt.Errorf("%s: %w", pkg, err)
			}
			bins = append(bins, src)
		}
	}
	libs, interp, err := elfClosure(bins, idx)
	if err != nil {
		return nil, err
	}
	var names []string
	for so, file := range libs {
		if err := r.copyFile(imageLibDir+"/"+so, file, 0o755); err != nil {
			return nil, err
		}
		names = append(names, so)
	}
	// The interpreter path is fixed in every binary (/lib64/ld-linux-…).
	interpRel := strings.TrimPrefix(path.Clean(interp), "/")
	if _, ok := libs[path.Base(interp)]; !ok {
		if err := r.copyFile(imageLibDir+"/"+path.Base(interp), idx[path.Base(interp)], 0o755); err != nil {
			return nil, err
		}
	}
	// lib64 → usr/lib64 in the merged tree.
	interpRel = "usr/" + strings.TrimPrefix(interpRel, "usr/")
	if err := r.symlink(interpRel, "/"+imageLibDir+"/"+path.Base(interp)); err != nil {
		return nil, err
	}
	return names, nil
}

// agent installs kumo-guest-agent, and a copy as sudo: setuid root, runnable
// only by the wheel group (ec2-user), which is the whole sudo policy.
func (r *rootfs) agent(bin string) error {
	if err := r.copyFile("usr/bin/kumo-guest-agent", bin, 0o755); err != nil {
		return err
	}
	if err := r.copyFile("usr/bin/sudo", bin, 0o750); err != nil {
		return err
	}
	r.owners["usr/bin/sudo"] = owner{uid: 0, gid: wheelGID, mode: fs.ModeSetuid | 0o750}
	return nil
}
