// Package images owns AMIs: the built-in public images Kumo makes from Debian
// packages (kumo-minimal), later images registered by users, and DescribeImages.
package images

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
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

// Image is a stored AMI.
type Image struct {
	resource.Meta
	Name               string `json:"name"`
	Description        string `json:"description"`
	OwnerAlias         string `json:"ownerAlias,omitempty"`
	Public             bool   `json:"public"`
	State              string `json:"state"`
	Architecture       string `json:"architecture"`
	RootDeviceName     string `json:"rootDeviceName"`
	RootSnapshotID     string `json:"rootSnapshotId"`
	RootSizeGiB        int32  `json:"rootSizeGiB"`
	VirtualizationType string `json:"virtualizationType"`
	BootMode           string `json:"bootMode"`
	// Builtin names the image Kumo builds itself (guest.Build) that backs this AMI.
	Builtin string `json:"builtin,omitempty"`
}

// Service reads and writes images.
type Service struct {
	Store *store.Store
	Now   func() time.Time
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
		OwnerAlias: "amazon", Public: true, State: "available", Architecture: "x86_64",
		RootDeviceName: "/dev/xvda", RootSnapshotID: stableID("snap", MinimalName+"/"+region), RootSizeGiB: 2,
		VirtualizationType: "hvm", BootMode: "uefi-preferred", Builtin: MinimalName,
	}
	return s.Store.Txn().Put(Kind.Key(region, PlatformAccount, img.ID), img).Commit(ctx)
}

// All returns every image in the region, of every owner, ordered by owner and id.
func (s *Service) All(ctx context.Context, region string) ([]Image, error) {
	return store.ListAll[Image](ctx, s.Store, store.Key(Kind.Store, region)+"/")
}

// Visible reports whether account may see and launch img.
func Visible(img *Image, account string) bool {
	return img.Public || img.Account == account
}

// Get returns an image the account may launch, or the AWS error.
func (s *Service) Get(ctx context.Context, region, account, id string) (*Image, error) {
	if !Kind.ValidID(id) {
		return nil, awserr.BadRequest(Kind.Malformed, "Invalid id: \"%s\" (expecting \"ami-...\")", id)
	}
	all, err := s.All(ctx, region)
	if err != nil {
		return nil, err
	}
	for _, img := range all {
		if img.ID == id && Visible(&img, account) {
			return &img, nil
		}
	}
	return nil, awserr.BadRequest(Kind.NotFound, "The image id '[%s]' does not exist", id)
}

// ErrNotBuiltin is returned for images Kumo cannot boot yet.
var ErrNotBuiltin = errors.New("images: not a built-in image")
