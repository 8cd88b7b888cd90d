package qemu

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/kumo-cloud/kumo/internal/hypervisor"
	"github.com/kumo-cloud/kumo/internal/qmp"
)

// A disk's block nodes are named after its device (diskDeviceID), so that
// they can be found in QEMU's live block graph after an agent restart:
//
//	dev-thr   throttle filter, if the disk is limited (the device's root)
//	dev-sN    the overlay of the disk's N-th live snapshot in this QEMU
//	dev-fmt   the format node of the file the disk was opened on
//	dev-file  its protocol node
//
// A live snapshot puts dev-sN between the device (or dev-thr) and what was
// on top, so the chain reads root → [thr] → sN → … → s1 → fmt. Files below
// fmt (the backing chain in its header) get QEMU's automatic names.

// blockNode is one node as query-named-block-nodes reports it.
type blockNode struct {
	Name  string     `json:"node-name"`
	Drv   string     `json:"drv"`
	File  string     `json:"file"`
	RO    bool       `json:"ro"`
	Depth int        `json:"backing_file_depth"` // 0 for a node without a backing or filtered child
	Image blockImage `json:"image"`
}

type blockImage struct {
	Filename            string `json:"filename"`
	VirtualSize         int64  `json:"virtual-size"`
	BackingFilename     string `json:"backing-filename"`
	FullBackingFilename string `json:"full-backing-filename"`
	// Backing is the next file down; only filled in by queries that are
	// not flat.
	Backing *blockImage `json:"backing-image"`
}

// path is the host file behind a node, unwrapping the json: filenames QEMU
// gives nodes opened with options (a filter; an overlay added with no
// backing).
func (n blockNode) path() string { return plainFilename(n.File) }

func plainFilename(s string) string {
	raw, ok := strings.CutPrefix(s, "json:")
	if !ok {
		return s
	}
	var opts map[string]any
	if json.Unmarshal([]byte(raw), &opts) != nil {
		return s
	}
	for opts != nil {
		if f, ok := opts["filename"].(string); ok {
			return f
		}
		opts, _ = opts["file"].(map[string]any)
	}
	return s
}

// backingPath is the absolute backing file named in a node's image header.
func (i blockImage) backingPath() string {
	switch {
	case i.BackingFilename == "":
		return ""
	case filepath.IsAbs(i.FullBackingFilename):
		return i.FullBackingFilename
	}
	return i.BackingFilename
}

// diskGraph is a disk's part of the block graph, read from QEMU.
type diskGraph struct {
	dev      string
	devType  string    // QOM type of the device: virtio-blk-pci, nvme
	root     blockNode // what the device's BlockBackend uses: dev-thr or top
	top      blockNode // the format node of the active file: writes land here
	gen      int       // generation of the top overlay node, 0 if fmt is on top
	dangling []string  // overlay nodes added but never made part of the chain
}

// nodeKind tells what a node name is to device dev: "thr", "fmt", "file",
// "s" with its generation, or "" if the node is not dev's.
func nodeKind(dev, name string) (string, int) {
	rest, ok := strings.CutPrefix(name, dev+"-")
	if !ok {
		return "", 0
	}
	switch rest {
	case "thr", "fmt", "file":
		return rest, 0
	}
	if n, err := strconv.Atoi(strings.TrimPrefix(rest, "s")); err == nil && n > 0 && "s"+strconv.Itoa(n) == rest {
		return "s", n
	}
	return "", 0
}

func overlayNode(dev string, gen int) string { return dev + "-s" + strconv.Itoa(gen) }

// readDisk reads disk dev's nodes from QEMU: which node the device writes
// through and which is its active file. It returns hypervisor.ErrNoDisk if
// no device dev has a medium.
func readDisk(ctx context.Context, mon *qmp.Monitor, dev string) (diskGraph, error) {
	var blocks []struct {
		Qdev     string `json:"qdev"`
		Inserted *struct {
			NodeName string `json:"node-name"`
		} `json:"inserted"`
	}
	if err := mon.Execute(ctx, "query-block", nil, &blocks); err != nil {
		return diskGraph{}, err
	}
	g := diskGraph{dev: dev}
	rootName := ""
	for _, b := range blocks {
		// virtio-blk's backend is a child of the device; NVMe's is the
		// device itself.
		qdev := strings.TrimPrefix(b.Qdev, "/machine/peripheral/")
		if b.Inserted != nil && (qdev == dev || strings.HasPrefix(qdev, dev+"/")) {
			rootName = b.Inserted.NodeName
		}
	}
	if rootName == "" {
		return diskGraph{}, hypervisor.ErrNoDisk
	}
	if err := mon.Execute(ctx, "qom-get", map[string]string{"path": "/machine/peripheral/" + dev, "property": "type"}, &g.devType); err != nil {
		return diskGraph{}, err
	}
	// Not flat: the backing depths are only computed with the full chains.
	var nodes []blockNode
	if err := mon.Execute(ctx, "query-named-block-nodes", nil, &nodes); err != nil {
		return diskGraph{}, err
	}
	var formats []blockNode // dev-fmt and the overlays in the chain
	var root *blockNode
	for i, n := range nodes {
		kind, _ := nodeKind(dev, n.Name)
		if n.Name == rootName {
			root = &nodes[i]
		}
		switch {
		case kind == "fmt":
			formats = append(formats, n)
		case kind == "s" && n.Depth > 0:
			formats = append(formats, n)
		case kind == "s" && n.Name != rootName:
			// Added with no backing, for a snapshot that failed or whose
			// caller went away before blockdev-snapshot.
			g.dangling = append(g.dangling, n.Name)
		}
	}
	if root == nil {
		return diskGraph{}, fmt.Errorf("disk %s: root node %s not among the named nodes", dev, rootName)
	}
	g.root = *root
	switch kind, _ := nodeKind(dev, rootName); kind {
	case "fmt", "s":
		g.top = *root
	case "thr":
		// The throttle filter's child is the chain member one level down:
		// depths grow by one per overlay, so exactly one member has it.
		i := slices.IndexFunc(formats, func(n blockNode) bool { return n.Depth == root.Depth-1 })
		if i < 0 {
			return diskGraph{}, fmt.Errorf("disk %s: no format node under %s (depth %d)", dev, rootName, root.Depth)
		}
		g.top = formats[i]
	default:
		return diskGraph{}, fmt.Errorf("disk %s: device uses node %s, which is not the disk's", dev, rootName)
	}
	_, g.gen = nodeKind(dev, g.top.Name)
	return g, nil
}

// sameFile reports whether paths a and b are one file.
func sameFile(a, b string) bool {
	if a == "" || b == "" {
		return false
	}
	if filepath.Clean(a) == filepath.Clean(b) {
		return true
	}
	fa, errA := os.Stat(a)
	fb, errB := os.Stat(b)
	return errA == nil && errB == nil && os.SameFile(fa, fb)
}
