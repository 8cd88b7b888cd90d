package storage

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// tempGrace is how old a temporary file must be before Collect takes it
// for the leftover of a crash rather than a create in flight.
const tempGrace = time.Minute

// Collect deletes every qcow2 file in the pool that is neither named in
// keep nor in the backing chain of a file that is, and temporary files
// left by crashes; it returns the names it deleted. keep must name every
// file a record references (volumes' active files, snapshots' layers,
// overlays about to be made), since what it omits is gone. Files that are
// not qcow2 images are left alone. If any kept file's chain cannot be
// read, nothing is deleted.
func (p Pool) Collect(ctx context.Context, keep []string) ([]string, error) {
	live, err := p.chains(ctx, keep)
	if err != nil {
		return nil, fmt.Errorf("collect: %w", err)
	}
	ents, err := os.ReadDir(p.dir())
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("collect: %w", err)
	}
	var removed []string
	var errs []error
	for _, e := range ents {
		name := e.Name()
		if !e.Type().IsRegular() || !p.garbage(e, live) {
			continue
		}
		if err := os.Remove(p.Path(name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
			continue
		}
		removed = append(removed, name)
	}
	if err := errors.Join(errs...); err != nil {
		return removed, fmt.Errorf("collect: %w", err)
	}
	return removed, nil
}

// garbage reports whether the pool entry e may go.
func (p Pool) garbage(e fs.DirEntry, live map[string]bool) bool {
	name := e.Name()
	if strings.HasPrefix(name, tempPrefix) {
		fi, err := e.Info()
		return err == nil && time.Since(fi.ModTime()) >= tempGrace
	}
	if live[name] || checkName(name) != nil {
		return false
	}
	if fi, err := e.Info(); err != nil || time.Since(fi.ModTime()) < p.MinAge {
		return false
	}
	ok, err := isQcow2(p.Path(name))
	return err == nil && ok
}

// chains returns the pool file names in keep and in their backing chains.
func (p Pool) chains(ctx context.Context, keep []string) (map[string]bool, error) {
	live := map[string]bool{}
	seen := map[string]bool{}
	for _, k := range keep {
		if k == "" {
			continue
		}
		path, err := p.resolve(k)
		if err != nil {
			return nil, err
		}
		for path != "" && !seen[path] {
			seen[path] = true
			if filepath.Dir(path) == p.dir() {
				live[filepath.Base(path)] = true
			}
			ok, err := isQcow2(path)
			if errors.Is(err, fs.ErrNotExist) || err == nil && !ok {
				break // not made yet, or not an image: nothing below it
			} else if err != nil {
				return nil, err
			}
			i, err := imageInfo(ctx, path)
			if err != nil {
				return nil, err
			}
			path = i.backingPath(path)
		}
	}
	return live, nil
}
