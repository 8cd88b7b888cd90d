package guest

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// goTool finds the Go toolchain that compiles kumo-guest-agent. Kumo is built
// with one, but a daemon's PATH may not include it.
func goTool() (string, error) {
	if p, err := exec.LookPath("go"); err == nil {
		return p, nil
	}
	candidates := []string{"/usr/local/go/bin/go", "/usr/lib/go/bin/go"}
	if root := os.Getenv("GOROOT"); root != "" {
		candidates = append([]string{filepath.Join(root, "bin", "go")}, candidates...)
	}
	for _, p := range candidates {
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, nil
		}
	}
	return "", errors.New("building kumo-guest-agent needs the Go toolchain: go is not in PATH or /usr/local/go/bin (install Go from https://go.dev/dl)")
}

// buildAgent compiles the embedded agent source in a scratch module: static
// (CGO_ENABLED=0), stripped, for the guest's architecture.
func buildAgent(ctx context.Context, work, cacheDir, out string) error {
	goBin, err := goTool()
	if err != nil {
		return err
	}
	src := filepath.Join(work, "agent-src")
	if err := os.MkdirAll(src, 0o755); err != nil {
		return err
	}
	err = fs.WalkDir(agentFiles, "agent", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, "_test.go") {
			return err
		}
		b, err := agentFiles.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(src, filepath.Base(p)), b, 0o644)
	})
	if err != nil {
		return err
	}
	// A go directive at or below any supported toolchain; the source uses
	// nothing newer.
	if err := os.WriteFile(filepath.Join(src, "go.mod"), []byte("module kumo-guest-agent\n\ngo 1.22\n"), 0o644); err != nil {
		return err
	}
	env := append(os.Environ(),
		"CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64", "GOAMD64=v1",
		"GOFLAGS=", "GOWORK=off", "GOTOOLCHAIN=local", "GO111MODULE=on")
	// A daemon without HOME has no default build cache; use ours.
	if os.Getenv("GOCACHE") == "" {
		if _, err := os.UserCacheDir(); err != nil {
			env = append(env, "GOCACHE="+filepath.Join(cacheDir, "go-build"))
		}
	}
	if _, err := run(ctx, src, env, goBin, "build", "-trimpath", "-ldflags=-s -w -buildid=", "-o", out, "."); err != nil {
		return fmt.Errorf("build kumo-guest-agent: %w", err)
	}
	return nil
}
