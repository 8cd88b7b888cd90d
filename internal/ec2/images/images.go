// Package images owns AMIs: the built-in public images Kumo makes from Debian
// packages (kumo-minimal) and the images users make with CreateImage,
// RegisterImage and CopyImage, their launch permissions and attributes.
//
// Handlers record desired state, as everywhere in Kumo: CreateImage and
// CopyImage write the image (pending) and its EBS snapshot records (pending)
// in one transaction; the host agent takes or copies the snapshots (after
// the reboot CreateImage asked for: ebs.Snapshot.AfterReboot), and
// Service.Refresh makes an image available once all its snapshots completed,
// or failed once one failed. Service.SnapshotInUse keeps DeleteSnapshot off
// the snapshots an image needs.
//
// Kumo boots every image by direct kernel boot. A built-in image's root disk
// is a file Kumo builds (Builtin); every image, built-in or not, names in
// KernelFrom the built-in image whose kernel, initrd and command line boot
// it, inherited from the image it was made from.
package images

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"slices"
	"time"

	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/ec2/resource"
	"github.com/kumo-cloud/kumo/internal/store"
)

// Kind is the AMI resource kind.
var Kind = resource.Kind{Type: "image", Prefix: "ami", Store: "image", Noun: "image",
	NotFound: "InvalidAMIID.NotFound", Malformed: "InvalidAMIID.Malformed"}

func init() { resource.Register(Kind) }

// PlatformAccount owns the built-in images; they show ImageOwnerAlias "amazon"
// so `describe-images --owners amazon` finds them, as AWS's own AMIs.
const PlatformAccount = "000000000000"

// MinimalName is the name of the built-in tiny Linux image.
const MinimalName = "kumo-minimal"

// Image states, as AWS names them.
const (
	Pending      = "pending"
	Available    = "available"
	Failed       = "failed"
	Deregistered = "deregistered"
)

// DeregisteredListed is how long DescribeImages still shows a deregistered
// image (AWS: "for a short interval"). The record itself stays, hidden, so
// the kernel lineage of snapshots made from it can still be traced.
const DeregisteredListed = time.Hour

// Image is a stored AMI.
type Image struct {
	resource.Meta
	Name        string `json:"name"`
	Description string `json:"description"`
	OwnerAlias  string `json:"ownerAlias,omitempty"`
	// Public is launch permission group "all"; LaunchPermissions are the
	// other accounts allowed to see and launch the image.
	Public            bool     `json:"public"`
	LaunchPermissions []string `json:"launchPermissions,omitempty"`

	State       string  `json:"state"` // pending | available | failed | deregistered
	StateReason *Reason `json:"stateReason,omitempty"`
	// DeregisteredAt is when DeregisterImage ran.
	DeregisteredAt time.Time `json:"deregisteredAt,omitzero"`

	Architecture       string `json:"architecture"`
	VirtualizationType string `json:"virtualizationType"`
	BootMode           string `json:"bootMode,omitempty"` // legacy-bios | uefi | uefi-preferred | "" (the instance type's)
	EnaSupport         bool   `json:"enaSupport,omitempty"`
	SriovNetSupport    string `json:"sriovNetSupport,omitempty"`
	ImdsSupport        string `json:"imdsSupport,omitempty"` // v2.0 or ""

	RootDeviceName      string    `json:"rootDeviceName"`
	BlockDeviceMappings []Mapping `json:"blockDeviceMappings,omitempty"`
	// RootSnapshotID and RootSizeGiB repeat the root device's mapping, for
	// RunInstances (the instances package reads them).
	RootSnapshotID string `json:"rootSnapshotId"`
	RootSizeGiB    int32  `json:"rootSizeGiB"`

	// Builtin names the image Kumo builds itself (guest.Build) whose disk
	// file is this AMI's root disk; "" for images with snapshot-backed roots.
	Builtin string `json:"builtin,omitempty"`
	// KernelFrom names the built-in image whose kernel, initrd and command
	// line boot this AMI. Always set: a built-in image boots with its own.
	KernelFrom string `json:"kernelFrom,omitempty"`

	// SourceInstanceID is the instance CreateImage made the image from.
	SourceInstanceID string `json:"sourceInstanceId,omitempty"`
	// SourceImageID and SourceRegion are the image CopyImage copied.
	SourceImageID string `json:"sourceImageId,omitempty"`
	SourceRegion  string `json:"sourceRegion,omitempty"`
	// RebootSeq is the instance RebootSeq CreateImage asked for (0 with
	// NoReboot or a stopped instance); its snapshots carry it as
	// ebs.Snapshot.AfterReboot, so the agent takes them after the reboot.
	RebootSeq int `json:"rebootSeq,omitempty"`
}

// Reason is an image StateReason.
type Reason struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Mapping is one block device mapping of an image.
type Mapping struct {
	DeviceName string `json:"deviceName"`
	// VirtualName names an instance-store volume (ephemeral0…).
	VirtualName string `json:"virtualName,omitempty"`
	// NoDevice suppresses the device (NoDevice "" on the wire).
	NoDevice bool        `json:"noDevice,omitempty"`
	EBS      *EBSMapping `json:"ebs,omitempty"`
}

// EBSMapping is the EBS volume an instance launched from the image gets.
type EBSMapping struct {
	SnapshotID          string `json:"snapshotId,omitempty"`
	VolumeSizeGiB       int32  `json:"volumeSizeGiB"`
	VolumeType          string `json:"volumeType"`
	IOPS                int32  `json:"iops,omitempty"`
	Throughput          int32  `json:"throughput,omitempty"`
	DeleteOnTermination bool   `json:"deleteOnTermination"`
	Encrypted           bool   `json:"encrypted,omitempty"`
	KMSKeyID            string `json:"kmsKeyId,omitempty"`
}

// Root returns the mapping of the root device, or nil.
func (img *Image) Root() *Mapping {
	for i := range img.BlockDeviceMappings {
		if img.BlockDeviceMappings[i].DeviceName == img.RootDeviceName {
			return &img.BlockDeviceMappings[i]
		}
	}
	return nil
}

// Snapshots returns the ids of the snapshots behind the image's EBS mappings.
func (img *Image) Snapshots() []string {
	var out []string
	for _, m := range img.BlockDeviceMappings {
		if m.EBS != nil && m.EBS.SnapshotID != "" {
			out = append(out, m.EBS.SnapshotID)
		}
	}
	return out
}

// syncRoot copies the root mapping into RootSnapshotID and RootSizeGiB.
func (img *Image) syncRoot() {
	if m := img.Root(); m != nil && m.EBS != nil {
		img.RootSnapshotID, img.RootSizeGiB = m.EBS.SnapshotID, m.EBS.VolumeSizeGiB
	}
}

// Owned reports whether account owns img.
func (img *Image) Owned(account string) bool { return img.Account == account }

// Visible reports whether account may see and launch img: its own images,
// public ones and those shared with it by launch permission.
func Visible(img *Image, account string) bool {
	return img.Public || img.Account == account || slices.Contains(img.LaunchPermissions, account)
}

// listed reports whether DescribeImages still shows img at now.
func listed(img *Image, now time.Time) bool {
	return img.State != Deregistered || now.Sub(img.DeregisteredAt) < DeregisteredListed
}

// Service reads and writes images.
type Service struct {
	Store *store.Store
	Now   func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func stableID(prefix, seed string) string {
	sum := sha256.Sum256([]byte(seed))
	return prefix + "-" + hex.EncodeToString(sum[:])[:17]
}

// EnsureBuiltins registers the built-in images in a region (idempotent). The
// image files are built on first use by the agent.
func (s *Service) EnsureBuiltins(ctx context.Context, region string) error {
	img := &Image{
		Meta: resource.Meta{ID: stableID("ami", MinimalName+"/"+region), Account: PlatformAccount, Region: region,
			CreatedAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)},
		Name: MinimalName, Description: "Kumo minimal Linux: Debian cloud kernel, busybox and dropbear; boots in seconds",
		OwnerAlias: "amazon", Public: true, State: Available, Architecture: "x86_64",
		VirtualizationType: "hvm", BootMode: "uefi-preferred", EnaSupport: true, SriovNetSupport: "simple", ImdsSupport: "v2.0",
		RootDeviceName: "/dev/xvda",
		BlockDeviceMappings: []Mapping{{DeviceName: "/dev/xvda", EBS: &EBSMapping{
			SnapshotID: stableID("snap", MinimalName+"/"+region), VolumeSizeGiB: 2, VolumeType: "gp3",
			IOPS: 3000, Throughput: 125, DeleteOnTermination: true}}},
		Builtin: MinimalName, KernelFrom: MinimalName,
	}
	img.syncRoot()
	return s.Store.Txn().Put(Kind.Key(region, PlatformAccount, img.ID), img).Commit(ctx)
}

// All returns every image in the region, of every owner and state (also the
// deregistered ones), ordered by owner and id.
func (s *Service) All(ctx context.Context, region string) ([]Image, error) {
	return store.ListAll[Image](ctx, s.Store, store.Key(Kind.Store, region)+"/")
}

// find returns the image with id in the region, of any owner, or nil.
func (s *Service) find(ctx context.Context, region, id string) (*Image, error) {
	all, err := s.All(ctx, region)
	if err != nil {
		return nil, err
	}
	for i := range all {
		if all[i].ID == id {
			return &all[i], nil
		}
	}
	return nil, nil
}

func notFound(id string) error {
	return awserr.BadRequest(Kind.NotFound, "The image id '[%s]' does not exist", id)
}

func checkID(id string) error {
	if id == "" {
		return awserr.MissingParameter("ImageId")
	}
	if !Kind.ValidID(id) {
		return awserr.BadRequest(Kind.Malformed, "Invalid id: \"%s\" (expecting \"ami-...\")", id)
	}
	return nil
}

// visible returns an image the account may see (listed or not), or
// InvalidAMIID.NotFound.
func (s *Service) visible(ctx context.Context, region, account, id string) (*Image, error) {
	if err := checkID(id); err != nil {
		return nil, err
	}
	img, err := s.find(ctx, region, id)
	if err != nil {
		return nil, err
	}
	if img == nil || !Visible(img, account) || !listed(img, s.now()) {
		return nil, notFound(id)
	}
	return img, nil
}

// Get returns an image the account may launch, or the AWS error:
// InvalidAMIID.NotFound for an image it cannot see, InvalidAMIID.Unavailable
// for one that is pending, failed or deregistered.
func (s *Service) Get(ctx context.Context, region, account, id string) (*Image, error) {
	img, err := s.visible(ctx, region, account, id)
	if err != nil {
		return nil, err
	}
	switch img.State {
	case Available:
		return img, nil
	case Deregistered:
		return nil, awserr.BadRequest("InvalidAMIID.Unavailable", "The image id '[%s]' is no longer available", id)
	default:
		return nil, awserr.BadRequest("InvalidAMIID.Unavailable", "AMI '%s' is %s, and cannot be run", id, img.State)
	}
}

// owned returns one of the account's own images (not deregistered) for a
// call that changes it: InvalidAMIID.NotFound when the account cannot see
// it, AuthFailure when it sees but does not own it, as AWS answers.
func (s *Service) owned(ctx context.Context, region, account, id string) (*Image, error) {
	img, err := s.visible(ctx, region, account, id)
	if err != nil {
		return nil, err
	}
	if !img.Owned(account) {
		return nil, awserr.BadRequest("AuthFailure", "Not authorized for image:%s", id)
	}
	if img.State == Deregistered {
		return nil, awserr.BadRequest("InvalidAMIID.Unavailable", "The image id '[%s]' is no longer available", id)
	}
	return img, nil
}

// ErrNotBuiltin is returned for images Kumo cannot boot yet.
var ErrNotBuiltin = errors.New("images: not a built-in image")
