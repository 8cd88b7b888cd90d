package guest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
)

// errToolMissing reports that a host tool the build shells out to is absent.
var errToolMissing = errors.New("tool not installed")

// toolHint says how to get each host tool, for errors that say how to fix
// the host.
var toolHint = map[string]string{
	"apt-get":   "kumo-minimal is built from Debian packages: run Kumo on Debian 12 or later",
	"apt-cache": "kumo-minimal is built from Debian packages: run Kumo on Debian 12 or later",
	"dpkg-deb":  "apt-get install dpkg",
	"mke2fs":    "apt-get install e2fsprogs",
	"debugfs":   "apt-get install e2fsprogs",
	"qemu-img":  "apt-get install qemu-utils",
}

// run executes a host tool and returns its stdout. Errors carry the command
// and the tail of its stderr, which is where these tools explain themselves.
func run(ctx context.Context, dir string, env []string, name string, args ...string) ([]byte, error) {
	stdout, _, err := runCapture(ctx, dir, env, name, args...)
	return stdout, err
}

// runCapture is run that also returns stderr, for tools (debugfs) that
// report failures there and still exit 0.
func runCapture(ctx context.Context, dir string, env []string, name string, args ...string) (stdout, stderr []byte, err error) {
	path, err := exec.LookPath(name)
	if err != nil {
		if hint, ok := toolHint[name]; ok {
			return nil, nil, fmt.Errorf("%s: %w (%s)", name, errToolMissing, hint)
		}
		return nil, nil, fmt.Errorf("%s: %w", name, errToolMissing)
	}
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Dir = dir
	if env != nil {
		cmd.Env = env
	}
	var outb, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &outb, &errb
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		return outb.Bytes(), errb.Bytes(), fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, tail(errb.String()))
	}
	return outb.Bytes(), errb.Bytes(), nil
}

// tail keeps the end of a tool's complaint, where the reason usually is.
func tail(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 2000 {
		s = "…" + s[len(s)-2000:]
	}
	return s
}
