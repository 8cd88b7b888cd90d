package guest

import (
	"compress/gzip"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// busyboxApplets lists the applets of a busybox binary with their usual
// locations ("bin/sh", "sbin/init", "usr/bin/awk", …). It runs the static
// binary from the package, not the host's busybox, so the links match the
// binary that ships.
func busyboxApplets(ctx context.Context, busybox string) ([]string, error) {
	out, err := run(ctx, "", nil, busybox, "--list-full")
	if err != nil {
		return nil, fmt.Errorf("list busybox applets: %w", err)
	}
	var applets []string
	for _, a := range strings.Fields(string(out)) {
		if a != "" && !strings.Contains(a, "..") {
			applets = append(applets, a)
		}
	}
	if len(applets) < 50 {
		return nil, fmt.Errorf("list busybox applets: only %d", len(applets))
	}
	return applets, nil
}

// writeInitrd writes the gzip-compressed initramfs: busybox, the modules in
// load order and /init.
func writeInitrd(path, busybox string, applets []string, modules []string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	zw, err := gzip.NewWriterLevel(f, gzip.BestSpeed)
	if err != nil {
		return err
	}
	c := newCPIOWriter(zw)
	for _, d := range []string{"bin", "dev", "etc", "lib", "lib/modules", "newroot", "proc", "sys"} {
		c.Dir(d, 0o755)
	}
	// The kernel opens /dev/console for /init before anything mounts
	// devtmpfs: without the node, /init would run with no stdio.
	c.CharDev("dev/console", 0o600, 5, 1)

	bb, err := os.ReadFile(busybox)
	if err != nil {
		return err
	}
	c.File("bin/busybox", 0o755, bb)
	for _, a := range applets {
		name := filepath.Base(a)
		if name != "busybox" {
			c.Symlink("bin/"+name, "busybox")
		}
	}

	var order strings.Builder
	for _, m := range modules {
		b, err := os.ReadFile(m)
		if err != nil {
			return err
		}
		c.File("lib/modules/"+filepath.Base(m), 0o644, b)
		fmt.Fprintln(&order, filepath.Base(m))
	}
	c.File("etc/modules.order", 0o644, []byte(order.String()))

	init, err := initramfsFiles.ReadFile("initramfs/init")
	if err != nil {
		return err
	}
	c.File("init", 0o755, init)
	if err := c.Close(); err != nil {
		return fmt.Errorf("write initrd: %w", err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("write initrd: %w", err)
	}
	return f.Close()
}
