package guest

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"sort"
	"strings"
)

// recipeRevision is bumped whenever the build code (not the embedded files,
// which are hashed) changes what it produces, so existing caches rebuild.
const recipeRevision = 1

// cmdline boots kumo-minimal. quiet keeps the serial console (and so
// GetConsoleOutput) down to the kernel's errors and the kumo-init lines.
const cmdline = "console=ttyS0 root=/dev/vda rw quiet"

// rootDiskSizeGiB is the virtual size of the root disk. An overlay can be
// made larger (a bigger root volume): the guest grows the filesystem at boot.
const rootDiskSizeGiB = 2

// Packages from Debian. The kernel metapackage is resolved to the versioned
// package it depends on; the ELF packages' shared libraries come from the
// library packages they depend on, never from the host.
const (
	kernelMetaPackage = "linux-image-cloud-amd64"
	busyboxPackage    = "busybox-static"
)

// elfPackages hold the dynamically linked programs the image carries, with
// the files to take from each (path in the package → path in the image).
var elfPackages = map[string]map[string]string{
	"dropbear-bin": {
		"usr/sbin/dropbear":   "usr/sbin/dropbear",
		"usr/bin/dropbearkey": "usr/bin/dropbearkey",
		"usr/bin/dbclient":    "usr/bin/dbclient",
	},
	// dropbear has no SFTP of its own; with OpenSSH's server half, scp
	// and sftp work. dropbear looks for it at /usr/lib/sftp-server.
	"openssh-sftp-server": {
		"usr/lib/openssh/sftp-server": "usr/lib/sftp-server",
	},
	// Grows the root filesystem when the root volume is larger than the
	// image, as cloud-init's resizefs does.
	"e2fsprogs": {
		"sbin/resize2fs": "usr/sbin/resize2fs",
	},
}

// kmod lists the kernel modules the initramfs loads, when they are modules at
// all (a built-in one is skipped; their dependencies come from the modules'
// own .modinfo). Required ones fail the build when the kernel lacks them.
var kmods = []struct {
	name     string
	required bool
	why      string
}{
	{"virtio_pci", true, "virtio devices on q35's PCI bus"},
	{"virtio_blk", true, "the root disk"},
	{"virtio_net", true, "eth0"},
	{"ext4", true, "the root filesystem"},
	{"nvme", true, "EBS volumes appear as NVMe disks"},
	{"button", true, "ACPI power button: StopInstances' graceful shutdown"},
	{"evdev", true, "acpid reads the power button from /dev/input"},
	{"af_packet", true, "udhcpc uses packet sockets"},
	{"virtio_console", false, "virtio serial channels"},
	{"virtio_rng", false, "entropy from the host when it offers virtio-rng"},
	{"virtio_balloon", false, "memory ballooning"},
}

// Embedded inputs. rootfs/ mirrors the root disk, initramfs/ the initrd,
// agent/ is the source of kumo-guest-agent.
var (
	//go:embed rootfs
	rootfsFiles embed.FS
	//go:embed initramfs
	initramfsFiles embed.FS
	//go:embed agent/*.go
	agentFiles embed.FS
)

// recipeVersion hashes everything the build reads from this package: a
// changed script, module list or agent source gives a new Version and so a
// new build beside the old one (whose disk may back running instances).
func recipeVersion() string {
	h := sha256.New()
	fmt.Fprintf(h, "kumo-minimal revision %d\ncmdline %s\nsize %d\n", recipeRevision, cmdline, rootDiskSizeGiB)
	fmt.Fprintf(h, "packages %s %s\n", kernelMetaPackage, busyboxPackage)
	var pkgs []string
	for p, files := range elfPackages {
		for from, to := range files {
			pkgs = append(pkgs, p+":"+from+"->"+to)
		}
	}
	sort.Strings(pkgs)
	fmt.Fprintf(h, "elf %s\n", strings.Join(pkgs, " "))
	for _, m := range kmods {
		fmt.Fprintf(h, "kmod %s %v\n", m.name, m.required)
	}
	for _, fsys := range []embed.FS{rootfsFiles, initramfsFiles, agentFiles} {
		// WalkDir visits in lexical order, so the hash is stable.
		_ = fs.WalkDir(fsys, ".", func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := fs.ReadFile(fsys, path)
			if err != nil {
				return err
			}
			fmt.Fprintf(h, "file %s %d\n", path, len(b))
			h.Write(b)
			return nil
		})
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}
