package images

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/awsquery/ec2api"
	"github.com/kumo-cloud/kumo/internal/ec2/ebs"
	"github.com/kumo-cloud/kumo/internal/ec2/resource"
	"github.com/kumo-cloud/kumo/internal/ec2/tags"
	"github.com/kumo-cloud/kumo/internal/store"
)

// CreateImage makes an AMI of a running or stopped instance: in one
// transaction the image (pending), one pending snapshot per EBS volume of the
// instance, and, unless NoReboot, a reboot request for a running instance,
// which the agent performs before it takes the snapshots (their AfterReboot).
func (h *Handlers) CreateImage(ctx context.Context, r *api.Request, in *ec2api.CreateImageRequest) (*ec2api.CreateImageResult, error) {
	name, err := checkName(in.Name)
	if err != nil {
		return nil, err
	}
	desc, err := checkDescription(in.Description)
	if err != nil {
		return nil, err
	}
	specs := tags.SpecsFromWire(in.TagSpecifications)
	imageTags, err := tags.ForType(specs, "image", "image", "snapshot")
	if err != nil {
		return nil, err
	}
	snapTags, err := tags.ForType(specs, "snapshot", "image", "snapshot")
	if err != nil {
		return nil, err
	}
	if err := uniqueDevices(in.BlockDeviceMappings); err != nil {
		return nil, err
	}
	for range 10 {
		inst, err := h.Images.getInstance(ctx, r.Region, r.AccountID, aws.ToString(in.InstanceId))
		if err != nil {
			return nil, err
		}
		if inst.State != instanceRunning && inst.State != instanceStopped {
			return nil, awserr.BadRequest("IncorrectInstanceState", "The %s instance '%s' is not in a valid state for this operation.", inst.State, inst.ID)
		}
		if err := h.Images.checkUnique(ctx, r.Region, r.AccountID, name); err != nil {
			return nil, err
		}
		devs, err := h.instanceDevices(ctx, inst)
		if err != nil {
			return nil, err
		}
		extra, err := h.applyOverrides(ctx, r, devs, in.BlockDeviceMappings)
		if err != nil {
			return nil, err
		}
		src, err := h.Images.find(ctx, r.Region, inst.ImageID)
		if err != nil {
			return nil, err
		}
		instRes, err := ebs.InstanceAuthz(ctx, h.Images.Store, r.Region, r.AccountID, inst.ID)
		if err != nil {
			return nil, err
		}
		now := r.Now.UTC()
		img := derivedImage(src)
		img.Meta = resource.Meta{ID: Kind.NewID(), Account: r.AccountID, Region: r.Region, Tags: imageTags, CreatedAt: now}
		img.Name, img.Description, img.State, img.SourceInstanceID = name, desc, Pending, inst.ID
		img.RootDeviceName = inst.Root.DeviceName
		txn := h.Images.Store.Txn()
		if !aws.ToBool(in.NoReboot) && inst.State == instanceRunning {
			img.RebootSeq = inst.requestReboot(txn)
		}
		// CreateImage is authorized on the instance, the new image and
		// each new snapshot.
		created := []api.Resource{newImage(r, imageTags)}
		for _, d := range devs {
			if d.excluded {
				continue
			}
			sn := &ebs.Snapshot{
				Meta:     resource.Meta{ID: ebs.SnapshotKind.NewID(), Account: r.AccountID, Region: r.Region, Tags: snapTags, CreatedAt: now},
				VolumeID: d.volumeID, VolumeSizeGiB: d.sizeGiB, State: ebs.SnapshotPending, StartTime: now,
				Description: fmt.Sprintf("Created by CreateImage(%s) for %s from %s", inst.ID, img.ID, d.volumeID),
				Encrypted:   d.mapping.EBS.Encrypted, KMSKeyID: d.mapping.EBS.KMSKeyID, Host: d.host, AfterReboot: img.RebootSeq,
			}
			d.mapping.EBS.SnapshotID = sn.ID
			img.BlockDeviceMappings = append(img.BlockDeviceMappings, d.mapping)
			ebs.CreateSnapshotIn(txn, sn, now)
			created = append(created, sn.AuthzNew())
		}
		if err := resource.AuthorizeTagOnCreate(r, created...); err != nil {
			return nil, err
		}
		if err := r.AuthorizeOn(in.DryRun, append([]api.Resource{instRes}, created...)...); err != nil {
			return nil, err
		}
		img.BlockDeviceMappings = append(img.BlockDeviceMappings, extra...)
		img.syncRoot()
		err = h.Images.commitNew(ctx, txn, img)
		if errors.Is(err, store.ErrConflict) {
			continue // the instance changed meanwhile: decide again
		}
		if err != nil {
			return nil, err
		}
		h.kick()
		return &ec2api.CreateImageResult{ImageId: aws.String(img.ID)}, nil
	}
	return nil, awserr.New(http.StatusServiceUnavailable, "RequestLimitExceeded", "The instance %s is being modified concurrently; retry.", aws.ToString(in.InstanceId))
}

// derivedImage starts an image made from src (CreateImage's source instance's
// image, CopyImage's source): what it boots with and how, not who owns it.
func derivedImage(src *Image) *Image {
	img := &Image{Architecture: "x86_64", VirtualizationType: "hvm", EnaSupport: true, KernelFrom: MinimalName}
	if src != nil {
		img.Architecture, img.VirtualizationType, img.BootMode = src.Architecture, src.VirtualizationType, src.BootMode
		img.EnaSupport, img.SriovNetSupport, img.ImdsSupport = src.EnaSupport, src.SriovNetSupport, src.ImdsSupport
		img.KernelFrom = src.kernel()
	}
	return img
}

// kernel is the built-in image whose kernel boots img.
func (img *Image) kernel() string {
	switch {
	case img.KernelFrom != "":
		return img.KernelFrom
	case img.Builtin != "":
		return img.Builtin
	}
	return MinimalName
}
