package guest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestBuildConcurrent builds into a fresh directory from three goroutines at
// once: one builds, the others wait and get the same image, and a crashed
// build's leftovers are cleaned up.
func TestBuildConcurrent(t *testing.T) {
	shared := testImage(t) // also fills the shared package cache
	dir := t.TempDir()
	// Seed the package cache from the shared one, so the test does not
	// download the kernel again.
	debs := filepath.Join(dir, "cache", "debs")
	if err := os.MkdirAll(debs, 0o755); err != nil {
		t.Fatal(err)
	}
	src, _ := filepath.Glob(filepath.Join(filepath.Dir(filepath.Dir(shared.RootDisk)), "cache", "debs", "*.deb"))
	for _, f := range src {
		if err := os.Link(f, filepath.Join(debs, filepath.Base(f))); err != nil {
			t.Logf("seed cache: %v", err) // another filesystem: download instead
			break
		}
	}
	stale := filepath.Join(dir, ".build-crashed")
	if err := os.MkdirAll(stale, 0o755); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		builds int
		imgs   = make([]*Image, 3)
		errs   = make([]error, 3)
	)
	start := time.Now()
	for i := range imgs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			imgs[i], errs[i] = Build(ctx, dir, func(s string) {
				if strings.HasPrefix(s, "building kumo-minimal") {
					mu.Lock()
					builds++
					mu.Unlock()
				}
			})
		}()
	}
	wg.Wait()
	t.Logf("build with a warm package cache: %v", time.Since(start).Round(time.Millisecond))
	for i := range imgs {
		if errs[i] != nil {
			t.Fatalf("Build %d: %v", i, errs[i])
		}
		if *imgs[i] != *imgs[0] {
			t.Errorf("Build %d = %+v, want %+v", i, imgs[i], imgs[0])
		}
	}
	if builds != 1 {
		t.Errorf("%d builds ran, want 1", builds)
	}
	if imgs[0].Version != shared.Version || filepath.Dir(imgs[0].RootDisk) != filepath.Join(dir, imgs[0].Version) {
		t.Errorf("image %+v: want version %s under %s", imgs[0], shared.Version, dir)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("stale build directory still there (%v)", err)
	}
}
