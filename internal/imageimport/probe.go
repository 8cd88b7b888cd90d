package imageimport

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// ErrFormat is returned, wrapped, for a file that is not an image Kumo
// imports: not raw or qcow2, or a qcow2 that is not standalone.
var ErrFormat = errors.New("unsupported image")

// ErrBoot is returned, wrapped, for an image that cannot boot the way it
// was asked to (its first sectors say so).
var ErrBoot = errors.New("image cannot boot this way")

// source is what qemu-img says about the file to import.
type source struct {
	Format      string `json:"format"`
	VirtualSize int64  `json:"virtual-size"`
	Encrypted   bool   `json:"encrypted"`
	Backing     string `json:"backing-filename"`
	Specific    struct {
		Data struct {
			DataFile string `json:"data-file"`
		} `json:"data"`
	} `json:"format-specific"`
}

// probe detects the file's format. Only raw and qcow2 pass; a qcow2 must
// be standalone: its backing or external data file would be read from
// wherever the header points, which for a downloaded image may be any file
// of this host.
func probe(ctx context.Context, path string) (*source, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file: %w", path, ErrFormat)
	}
	out, err := run(ctx, nil, "qemu-img", "info", "--output=json", path)
	if err != nil {
		return nil, err
	}
	var s source
	if err := json.Unmarshal(out, &s); err != nil {
		return nil, fmt.Errorf("qemu-img info %s: %w", path, err)
	}
	switch s.Format {
	case "raw":
		// qemu-img reads any file as raw; a disk is whole sectors, so this
		// turns away text and archives (and reports the real size).
		if fi.Size() == 0 || fi.Size()%512 != 0 {
			return nil, fmt.Errorf("%s is not a disk image (%d bytes, not whole 512-byte sectors): "+
				"kumo image import takes raw or qcow2 disk images: %w", path, fi.Size(), ErrFormat)
		}
		s.VirtualSize = fi.Size()
	case "qcow2":
		switch {
		case s.Encrypted:
			return nil, fmt.Errorf("%s is an encrypted qcow2: decrypt it first (qemu-img convert --object secret,… -O qcow2): %w", path, ErrFormat)
		case s.Backing != "":
			return nil, fmt.Errorf("%s is a qcow2 overlay on %s: flatten it first (qemu-img convert -O qcow2 %s flat.qcow2): %w",
				path, s.Backing, path, ErrFormat)
		case s.Specific.Data.DataFile != "":
			return nil, fmt.Errorf("%s keeps its data in %s: flatten it first (qemu-img convert -O qcow2 %s flat.qcow2): %w",
				path, s.Specific.Data.DataFile, path, ErrFormat)
		}
	default:
		return nil, fmt.Errorf("%s is a %s image: kumo image import takes raw or qcow2 (convert it: qemu-img convert -O qcow2 %s out.qcow2): %w",
			path, s.Format, path, ErrFormat)
	}
	if s.VirtualSize <= 0 {
		return nil, fmt.Errorf("%s has no size: %w", path, ErrFormat)
	}
	return &s, nil
}

// layout is what the first sectors of a disk show.
type layout int

const (
	unknownLayout layout = iota
	partitioned          // an MBR (or GPT's protective MBR): firmware can boot it
	wholeDiskExt         // an ext2/3/4 file system on the whole disk: kumo-minimal's root=/dev/vda
)

// headBytes is how much of the disk sniff reads: the MBR, GPT's header and
// the ext superblock (at 1024).
const headBytes = 4096

// sniff reads the start of the guest disk (through qemu-img, so a qcow2
// reads as the guest sees it) and tells its layout.
func sniff(ctx context.Context, path, format, tmpDir string) (layout, error) {
	tmp, err := os.CreateTemp(tmpDir, ".tmp-import-head-")
	if err != nil {
		return unknownLayout, err
	}
	tmp.Close()
	defer os.Remove(tmp.Name())
	if _, err := run(ctx, nil, "qemu-img", "dd", "-f", format, "-O", "raw",
		fmt.Sprintf("bs=%d", headBytes), "count=1", "if="+path, "of="+tmp.Name()); err != nil {
		return unknownLayout, err
	}
	head, err := os.ReadFile(tmp.Name())
	if err != nil {
		return unknownLayout, err
	}
	return layoutOf(head), nil
}

// layoutOf reads the first sectors of a disk.
func layoutOf(head []byte) layout {
	const extMagicAt = 1024 + 56
	switch {
	case len(head) >= extMagicAt+2 && binary.LittleEndian.Uint16(head[extMagicAt:]) == 0xef53:
		return wholeDiskExt
	case len(head) >= 512 && head[510] == 0x55 && head[511] == 0xaa:
		return partitioned
	}
	return unknownLayout
}

// checkBoot refuses an image whose first sectors show it cannot boot as
// asked, and returns a warning when they show nothing either way.
func checkBoot(l layout, file string, firmware bool) (warning string, err error) {
	switch {
	case firmware && l == partitioned, !firmware && l == wholeDiskExt:
		return "", nil
	case firmware && l == wholeDiskExt:
		return "", fmt.Errorf("%s is a file system on the whole disk, with no boot loader for firmware to start: "+
			"import it with --kernel %s: %w", file, kernelFlagDefault, ErrBoot)
	case !firmware && l == partitioned:
		return "", fmt.Errorf("%s has a partition table, but %s's kernel mounts the whole disk (/dev/vda) as its root: "+
			"import it with --kernel none to boot its own boot loader from firmware (BIOS): %w", file, kernelFlagDefault, ErrBoot)
	case firmware:
		return fmt.Sprintf("warning: %s has no MBR boot signature; the firmware may find nothing to boot", filepath.Base(file)), nil
	}
	return fmt.Sprintf("warning: %s does not start with an ext2/3/4 file system, which %s's kernel mounts from the whole disk",
		filepath.Base(file), kernelFlagDefault), nil
}

// run runs a command and returns its standard output; a failure carries
// what it printed on standard error. progress, if set, gets the standard
// output instead.
func run(ctx context.Context, progress io.Writer, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if progress != nil {
		cmd.Stdout = progress
	}
	if err := cmd.Run(); err != nil {
		if msg := strings.TrimSpace(stderr.String()); msg != "" {
			return nil, fmt.Errorf("%s %s: %w: %s", name, args[0], err, msg)
		}
		return nil, fmt.Errorf("%s %s: %w", name, args[0], err)
	}
	return stdout.Bytes(), nil
}
