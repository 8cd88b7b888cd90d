package imageimport

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/kumo-cloud/kumo/internal/storage"
)

// tempPrefix starts the names of the pool's files being made (storage's
// own prefix): the agent's Collect removes one untouched for a minute, the
// leftover of a crash.
const tempPrefix = ".tmp-"

// heartbeat is how often convert touches its temporary file, well inside
// the minute after which Collect takes it for a crash's leftover: qemu-img
// writes nothing while it skips long runs of zeros.
const heartbeat = 10 * time.Second

// convert writes the disk at src (in format) into the pool as the
// standalone qcow2 file name. It appears only complete: qemu-img writes a
// temporary file, which is synced and renamed. qemu-img's progress goes to
// progress (nil: none).
func convert(ctx context.Context, pool storage.Pool, src, format, name string, progress io.Writer) error {
	if err := os.MkdirAll(pool.Dir, 0o700); err != nil {
		return fmt.Errorf("volume pool: %w", err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	tmp := pool.Path(tempPrefix + name + "-" + hex.EncodeToString(b))
	defer os.Remove(tmp) // a no-op once renamed

	args := []string{"convert"}
	if progress != nil {
		args = append(args, "-p")
	}
	args = append(args, "-f", format, "-O", "qcow2", src, tmp)
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(heartbeat)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case now := <-t.C:
				_ = os.Chtimes(tmp, now, now) // absent until qemu-img creates it
			}
		}
	}()
	_, err := run(ctx, progress, "qemu-img", args...)
	close(stop)
	<-done
	if err != nil {
		return fmt.Errorf("convert %s: %w", src, err)
	}
	if err := syncPath(tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, pool.Path(name)); err != nil {
		return err
	}
	return syncPath(pool.Dir)
}

func syncPath(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}
