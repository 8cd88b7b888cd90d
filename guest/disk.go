package guest

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// mke2fsConf replaces the host's /etc/mke2fs.conf, so the root disk does not
// depend on how the build host is configured. The features are e2fsprogs'
// ext4 defaults, all supported by Debian 12's kernel.
const mke2fsConf = `[defaults]
	base_features = sparse_super,large_file,filetype,resize_inode,dir_index,ext_attr
	default_mntopts = acl,user_xattr
	blocksize = 4096
	inode_size = 256
	inode_ratio = 16384
[fs_types]
	ext4 = {
		features = has_journal,extent,huge_file,flex_bg,metadata_csum,64bit,dir_nlink,extra_isize
	}
	default = {
	}
`

// makeRootDisk turns the staging tree into a qcow2 image: a sparse raw file,
// an ext4 made by mke2fs -d (no mounting, so no root or loop devices), the
// ownership fixed with debugfs, then converted.
func makeRootDisk(ctx context.Context, r *rootfs, out string) error {
	raw := out + ".raw"
	defer os.Remove(raw)
	f, err := os.Create(raw)
	if err != nil {
		return err
	}
	err = f.Truncate(rootDiskSizeGiB << 30)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	conf := raw + ".mke2fs.conf"
	if err := os.WriteFile(conf, []byte(mke2fsConf), 0o644); err != nil {
		return err
	}
	defer os.Remove(conf)
	env := append(os.Environ(), "MKE2FS_CONFIG="+conf)
	if _, err := run(ctx, "", env, "mke2fs", "-q", "-F", "-t", "ext4", "-T", "default",
		"-m", "1", "-L", "kumo-root", "-d", r.dir, raw); err != nil {
		return fmt.Errorf("build root filesystem: %w", err)
	}
	script, err := ownershipScript(r)
	if err != nil {
		return err
	}
	cmds := raw + ".debugfs"
	if err := os.WriteFile(cmds, []byte(script), 0o644); err != nil {
		return err
	}
	defer os.Remove(cmds)
	// debugfs reports a failed command on stderr and still exits 0; a wrong
	// owner would be a security hole, so anything but its banner fails.
	_, stderr, err := runCapture(ctx, "", nil, "debugfs", "-w", "-f", cmds, raw)
	if err != nil {
		return fmt.Errorf("set root disk ownership: %w", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(stderr)), "\n") {
		if line != "" && !strings.HasPrefix(line, "debugfs ") {
			return fmt.Errorf("set root disk ownership: debugfs: %s", tail(string(stderr)))
		}
	}
	if _, err := run(ctx, "", nil, "qemu-img", "convert", "-q", "-f", "raw", "-O", "qcow2", raw, out); err != nil {
		return fmt.Errorf("convert root disk: %w", err)
	}
	return nil
}

// ownershipScript makes every inode root's, then applies the exceptions.
// mke2fs -d copies the staging tree's owners, which are the build user's
// when the build does not run as root.
func ownershipScript(r *rootfs) (string, error) {
	var b strings.Builder
	err := filepath.WalkDir(r.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(r.dir, p)
		img := "/" + filepath.ToSlash(rel)
		if rel == "." {
			img = "/"
		}
		o, ok := r.owners[strings.TrimPrefix(img, "/")]
		if !ok {
			o = owner{}
		}
		fmt.Fprintf(&b, "sif %s uid %d\nsif %s gid %d\n", img, o.uid, img, o.gid)
		if o.mode != 0 {
			// debugfs wants the whole i_mode: file type and permission bits.
			fmt.Fprintf(&b, "sif %s mode 0%o\n", img, 0o100000|unixPerm(o.mode))
		}
		return nil
	})
	return b.String(), err
}

// unixPerm converts Go's mode bits to the Unix permission word.
func unixPerm(m fs.FileMode) uint32 {
	p := uint32(m.Perm())
	if m&fs.ModeSetuid != 0 {
		p |= 0o4000
	}
	if m&fs.ModeSetgid != 0 {
		p |= 0o2000
	}
	if m&fs.ModeSticky != 0 {
		p |= 0o1000
	}
	return p
}
