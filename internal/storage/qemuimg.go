package storage

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// qemuImg runs qemu-img and returns its standard output; a failure carries
// what it printed on standard error.
func qemuImg(ctx context.Context, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "qemu-img", args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			return nil, fmt.Errorf("qemu-img %s: %w", args[0], err)
		}
		return nil, fmt.Errorf("qemu-img %s: %w: %s", args[0], err, msg)
	}
	return out, nil
}

// info is what qemu-img info says about one file.
type info struct {
	VirtualSize         int64  `json:"virtual-size"`
	Format              string `json:"format"`
	BackingFilename     string `json:"backing-filename"`
	FullBackingFilename string `json:"full-backing-filename"`
}

// imageInfo reads path's qcow2 header (not its backing files, which need
// not exist). -U lets it read files a running VM holds: the header fields
// read here are written before a VM opens the file or, for the size, by
// QEMU itself on a live resize.
func imageInfo(ctx context.Context, path string) (info, error) {
	if _, err := os.Stat(path); err != nil {
		return info{}, err // fs.ErrNotExist stays recognisable
	}
	out, err := qemuImg(ctx, "info", "-U", "-f", "qcow2", "--output=json", path)
	if err != nil {
		return info{}, err
	}
	var i info
	if err := json.Unmarshal(out, &i); err != nil {
		return info{}, fmt.Errorf("qemu-img info %s: %w", path, err)
	}
	return i, nil
}

// backingPath is the absolute path of the backing file of the file at
// path, or "". A relative name in a header (written by other tools) is
// relative to the file's directory, as QEMU reads it.
func (i info) backingPath(path string) string {
	switch {
	case i.BackingFilename == "":
		return ""
	case filepath.IsAbs(i.FullBackingFilename):
		return filepath.Clean(i.FullBackingFilename)
	case filepath.IsAbs(i.BackingFilename):
		return filepath.Clean(i.BackingFilename)
	}
	return filepath.Join(filepath.Dir(path), i.BackingFilename)
}

// LayerBytes returns how many bytes of guest data the file name itself
// stores, not counting its backing files: for a snapshot's layer, what
// changed since the previous snapshot. It counts allocated data clusters,
// so it excludes qcow2 metadata and clusters the guest zeroed or trimmed.
func (p Pool) LayerBytes(ctx context.Context, name string) (int64, error) {
	path, err := p.resolve(name)
	if err != nil {
		return 0, fmt.Errorf("layer bytes of %s: %w", name, err)
	}
	n, err := layerBytes(ctx, path)
	if err != nil {
		return 0, fmt.Errorf("layer bytes of %s: %w", name, err)
	}
	return n, nil
}

func layerBytes(ctx context.Context, path string) (int64, error) {
	if _, err := os.Stat(path); err != nil {
		return 0, err
	}
	// Opened with no backing file, everything the file does not hold
	// reads as absent: what remains at depth 0 with data is its own.
	spec, _ := json.Marshal(map[string]any{
		"driver": "qcow2", "backing": nil,
		"file": map[string]any{"driver": "file", "filename": path},
	})
	out, err := qemuImg(ctx, "map", "-U", "--output=json", "json:"+string(spec))
	if err != nil {
		return 0, err
	}
	var extents []struct {
		Length int64 `json:"length"`
		Depth  int   `json:"depth"`
		Data   bool  `json:"data"`
	}
	if err := json.Unmarshal(out, &extents); err != nil {
		return 0, fmt.Errorf("qemu-img map %s: %w", path, err)
	}
	var n int64
	for _, e := range extents {
		if e.Data && e.Depth == 0 {
			n += e.Length
		}
	}
	return n, nil
}

// Copy writes the whole chain ending at src (a pool file name or an
// absolute path) into dst, one independent file with no backing: a
// snapshot's data on its own, e.g. for a copy to another region. If dst
// exists, Copy does nothing. src must be frozen (a snapshot's layer); a
// file a running VM writes is refused by qemu-img's locks.
func (p Pool) Copy(ctx context.Context, src, dst string) error {
	if err := checkName(dst); err != nil {
		return fmt.Errorf("copy to %s: %w", dst, err)
	}
	spath, err := p.resolve(src)
	if err != nil {
		return fmt.Errorf("copy to %s: %w", dst, err)
	}
	if p.Exists(dst) {
		return nil
	}
	if _, err := os.Stat(spath); err != nil {
		return fmt.Errorf("copy to %s: %w", dst, err)
	}
	err = p.publish(dst, func(tmp string) error {
		_, err := qemuImg(ctx, "convert", "-f", "qcow2", "-O", "qcow2", spath, tmp)
		return err
	})
	if err != nil {
		return fmt.Errorf("copy %s to %s: %w", src, dst, err)
	}
	return nil
}

// isQcow2 reports whether the file at path starts with the qcow2 magic.
func isQcow2(path string) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	var magic [4]byte
	if _, err := f.Read(magic[:]); err != nil {
		return false, nil // empty or unreadable as an image: not ours
	}
	return magic == [4]byte{'Q', 'F', 'I', 0xfb}, nil
}
