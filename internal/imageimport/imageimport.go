// Package imageimport turns a raw or qcow2 disk image file into an AMI, for
// the operator command `kumo image import`: it copies the disk into a
// host's volume pool as one standalone qcow2 file and records, in one
// transaction, a completed EBS snapshot whose layer is that file and an
// available image whose root device is made from the snapshot. From then on
// the image is an ordinary EBS-backed AMI: RunInstances makes root volumes
// as copy-on-write overlays on the file, CopyImage and DeregisterImage work
// on it as on any other.
//
// An imported image boots either by direct kernel boot with a built-in
// image's kernel (kumo-minimal's mounts the whole disk /dev/vda as its root
// file system) or, with no kernel, by firmware from the disk's own boot
// loader (SeaBIOS; the agent starts QEMU without -kernel).
package imageimport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
	"unicode/utf8"

	"github.com/kumo-cloud/kumo/internal/accounts"
	"github.com/kumo-cloud/kumo/internal/catalog"
	"github.com/kumo-cloud/kumo/internal/ec2/ebs"
	"github.com/kumo-cloud/kumo/internal/ec2/images"
	"github.com/kumo-cloud/kumo/internal/ec2/resource"
	"github.com/kumo-cloud/kumo/internal/storage"
	"github.com/kumo-cloud/kumo/internal/store"
)

// kernelFlagDefault is the built-in image whose kernel boots imports by default.
const kernelFlagDefault = images.MinimalName

// MaxSizeGiB is the largest disk imported: the largest EBS volume (gp3),
// since an instance's root volume is at least the snapshot's size.
const MaxSizeGiB = 16384

const gib = 1 << 30

// Request is one import.
type Request struct {
	// File is the raw or qcow2 disk image to import.
	File        string
	Name        string
	Description string
	// Account owns the image and snapshot; "" is the operator account.
	Account string
	Region  string
	// Host is the host whose pool holds the file (the kumo serve's
	// --host-name).
	Host string
	// Kernel names the built-in image whose kernel boots the image, or ""
	// to boot it by firmware from its own boot loader.
	Kernel string
	// Public lets every account launch the image.
	Public bool
}

// Importer imports images into one host's pool and one Kumo's records.
type Importer struct {
	Store *store.Store
	// Pool is the host's volume pool (DATA_DIR/volumes of its kumo serve).
	Pool storage.Pool
	Now  func() time.Time
	// Out gets qemu-img's progress and warnings (nil: discarded).
	Out io.Writer
}

// Result is what an import made.
type Result struct {
	ImageID, SnapshotID string
	Account             string
	// Format is the source's format (raw or qcow2).
	Format string
	// File is the snapshot's layer in the pool.
	File        string
	SizeGiB     int32
	StoredBytes int64
}

// Import copies req.File into the pool and records the snapshot and AMI.
// Nothing is written for a file it refuses (ErrFormat, ErrBoot), a name
// that is taken (ErrDuplicate) or invalid (ErrName); if recording fails
// after the copy, the copy is removed.
func (im *Importer) Import(ctx context.Context, req Request) (*Result, error) {
	if err := checkName(req.Name); err != nil {
		return nil, err
	}
	if utf8.RuneCountInString(req.Description) > images.MaxDescriptionLength {
		return nil, fmt.Errorf("--description: longer than %d characters: %w", images.MaxDescriptionLength, ErrName)
	}
	if _, ok := catalog.LookupRegion(req.Region); !ok {
		return nil, fmt.Errorf("--region %q is not an AWS region (e.g. us-east-1)", req.Region)
	}
	if req.Host == "" {
		return nil, errors.New("no host: give --host, the kumo serve's --host-name")
	}
	if req.Kernel != "" && req.Kernel != images.MinimalName {
		return nil, fmt.Errorf("--kernel %q: want %s or none", req.Kernel, images.MinimalName)
	}
	file, err := filepath.Abs(req.File)
	if err != nil {
		return nil, err
	}
	account, err := im.account(ctx, req.Account)
	if err != nil {
		return nil, err
	}
	if err := checkUnique(ctx, im.Store, req.Region, account, req.Name); err != nil {
		return nil, err
	}
	src, err := probe(ctx, file)
	if err != nil {
		return nil, err
	}
	sizeGiB := (src.VirtualSize + gib - 1) / gib
	if sizeGiB > MaxSizeGiB {
		return nil, fmt.Errorf("%s is %d GiB: the largest root volume is %d GiB: %w", file, sizeGiB, MaxSizeGiB, ErrFormat)
	}
	l, err := sniff(ctx, file, src.Format, "")
	if err != nil {
		return nil, err
	}
	bootWarning, err := checkBoot(l, file, req.Kernel == "")
	if err != nil {
		return nil, err
	}
	hostWarn, err := hostWarning(ctx, im.Store, req.Host)
	if err != nil {
		return nil, err
	}
	for _, w := range []string{bootWarning, hostWarn} {
		if w != "" && im.Out != nil {
			fmt.Fprintln(im.Out, w)
		}
	}

	now := im.now()
	sn := &ebs.Snapshot{
		Meta:     resource.Meta{ID: ebs.SnapshotKind.NewID(), Account: account, Region: req.Region, CreatedAt: now},
		VolumeID: ebs.CopiedVolumeID, VolumeSizeGiB: int32(sizeGiB),
		Description: truncate("Imported from "+file, images.MaxDescriptionLength),
		State:       ebs.SnapshotCompleted, Progress: 100, StartTime: now, Host: req.Host,
	}
	sn.Layer = sn.ID + ".qcow2"
	if err := convert(ctx, im.Pool, file, src.Format, sn.Layer, im.Out); err != nil {
		return nil, err
	}
	recorded := false
	defer func() {
		if !recorded {
			_ = os.Remove(im.Pool.Path(sn.Layer))
		}
	}()
	if sn.StoredBytes, err = im.Pool.LayerBytes(ctx, sn.Layer); err != nil {
		return nil, err
	}
	img := newImage(req, account, sn, now)
	if err := commit(ctx, im.Store, sn, img); err != nil {
		return nil, err
	}
	recorded = true
	return &Result{ImageID: img.ID, SnapshotID: sn.ID, Account: account, Format: src.Format,
		File: sn.Layer, SizeGiB: sn.VolumeSizeGiB, StoredBytes: sn.StoredBytes}, nil
}

// newImage is the AMI of an imported root snapshot.
func newImage(req Request, account string, sn *ebs.Snapshot, now time.Time) *images.Image {
	const root = "/dev/xvda"
	img := &images.Image{
		Meta: resource.Meta{ID: images.Kind.NewID(), Account: account, Region: req.Region, CreatedAt: now},
		Name: req.Name, Description: req.Description, Public: req.Public, State: images.Available,
		Architecture: "x86_64", VirtualizationType: "hvm", EnaSupport: true,
		RootDeviceName: root,
		BlockDeviceMappings: []images.Mapping{{DeviceName: root, EBS: &images.EBSMapping{
			SnapshotID: sn.ID, VolumeSizeGiB: sn.VolumeSizeGiB, VolumeType: "gp3",
			IOPS: 3000, Throughput: 125, DeleteOnTermination: true}}},
		RootSnapshotID: sn.ID, RootSizeGiB: sn.VolumeSizeGiB,
		KernelFrom: req.Kernel,
	}
	if req.Kernel == "" {
		// QEMU's firmware without -kernel is SeaBIOS.
		img.BootMode = "legacy-bios"
	}
	return img
}

// account returns the owner: id, which must exist, or the operator's.
func (im *Importer) account(ctx context.Context, id string) (string, error) {
	svc := &accounts.Service{Store: im.Store, Now: im.now}
	if id == "" {
		op, err := svc.Operator(ctx)
		if errors.Is(err, accounts.ErrNotFound) {
			return "", errors.New("no operator account yet: start kumo serve once first")
		}
		if err != nil {
			return "", err
		}
		return op.ID, nil
	}
	if _, err := svc.Get(ctx, id); errors.Is(err, accounts.ErrNotFound) {
		return "", fmt.Errorf("--account %s: no such account (kumo account list shows them)", id)
	} else if err != nil {
		return "", err
	}
	return id, nil
}

func (im *Importer) now() time.Time {
	if im.Now != nil {
		return im.Now().UTC()
	}
	return time.Now().UTC()
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}
