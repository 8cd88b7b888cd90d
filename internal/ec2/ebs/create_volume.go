package ebs

import (
	"cmp"
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/awsquery/ec2api"
	"github.com/kumo-cloud/kumo/internal/ec2/idempotency"
	"github.com/kumo-cloud/kumo/internal/ec2/resource"
	"github.com/kumo-cloud/kumo/internal/ec2/tags"
)

// CreateVolume records a new volume, empty or from a snapshot the caller may
// use, in state creating; the host agent makes its file and sets it
// available. A retry with the same ClientToken gets the first call's volume.
func (h *Handlers) CreateVolume(ctx context.Context, r *api.Request, in *ec2api.CreateVolumeRequest) (*ec2api.Volume, error) {
	zone := aws.ToString(in.AvailabilityZone)
	switch {
	case zone == "":
		return nil, awserr.MissingParameter("AvailabilityZone")
	case in.Size == nil && in.SnapshotId == nil:
		return nil, awserr.MissingParameter("size or snapshotId")
	case in.OutpostArn != nil:
		return nil, awserr.InvalidParameterValue("Kumo has no Outposts: OutpostArn is not supported.")
	case in.KmsKeyId != nil && !aws.ToBool(in.Encrypted):
		return nil, awserr.BadRequest("InvalidParameterDependency", "The parameter KmsKeyId requires the parameter Encrypted to be set.")
	case in.SnapshotId != nil && !SnapshotKind.ValidID(*in.SnapshotId):
		return nil, awserr.BadRequest(SnapshotKind.Malformed, "Invalid id: \"%s\" (expecting \"snap-...\")", *in.SnapshotId)
	}
	if err := servedZone(r.Region, zone); err != nil {
		return nil, err
	}
	// A snapshot's size is only known once it is read; check the rest first
	// with the size given or, from a snapshot, the type's largest.
	probe := ShapeRequest{Type: aws.ToString(in.VolumeType), SizeGiB: aws.ToInt32(in.Size), IOPS: in.Iops, Throughput: in.Throughput}
	if in.Size == nil {
		probe.SizeGiB = limits[cmp.Or(probe.Type, DefaultType)].maxSize
	}
	shape, err := ResolveShape(probe)
	if err != nil {
		return nil, err
	}
	shape.MultiAttach = aws.ToBool(in.MultiAttachEnabled)
	if err := CheckShape(shape); err != nil {
		return nil, err
	}
	tagSet, err := tags.ForType(tags.SpecsFromWire(in.TagSpecifications), VolumeKind.Type, VolumeKind.Type)
	if err != nil {
		return nil, err
	}
	// The snapshot is one of the resources the call is authorized on, and
	// its size and encryption are the new volume's.
	var sn *Snapshot
	if in.SnapshotId != nil {
		if sn, err = h.fromSnapshot(ctx, r, in, shape); err != nil {
			return nil, err
		}
	}
	proto := newVolume(r, zone, in, shape, sn, tagSet)
	resources := []api.Resource{proto.authzNew()}
	if sn != nil {
		resources = append(resources, sn.Authz())
	}
	if err := resource.AuthorizeTagOnCreate(r, resources[0]); err != nil {
		return nil, err
	}
	if err := r.AuthorizeOn(in.DryRun, resources...); err != nil {
		return nil, err
	}
	call := idempotency.Call{Region: r.Region, Account: r.AccountID, Action: "CreateVolume", Token: aws.ToString(in.ClientToken), Params: in}
	return idempotency.Do(ctx, h.keeper(), call, func() (*ec2api.Volume, error) {
		v := proto
		v.ID, v.Host = VolumeKind.NewID(), h.Host
		if err := h.Store.CreateVolume(ctx, v); err != nil {
			return nil, err
		}
		h.kick()
		w := volumeWire(v)
		return &w, nil
	})
}

// fromSnapshot returns the completed snapshot a volume of shape is made from,
// if the caller may use it and the volume is large enough.
func (h *Handlers) fromSnapshot(ctx context.Context, r *api.Request, in *ec2api.CreateVolumeRequest, shape VolumeShape) (*Snapshot, error) {
	sn, err := h.usableSnapshot(ctx, r.Region, r.AccountID, *in.SnapshotId)
	if err != nil {
		return nil, err
	}
	if err := completed(sn); err != nil {
		return nil, err
	}
	if in.Size != nil && shape.SizeGiB < sn.VolumeSizeGiB {
		return nil, awserr.InvalidParameterValue("Volume of size %dGB is smaller than snapshot '%s', expect size >= %dGB", shape.SizeGiB, sn.ID, sn.VolumeSizeGiB)
	}
	if in.Size == nil {
		shape.SizeGiB = sn.VolumeSizeGiB
		if err := CheckShape(shape); err != nil {
			return nil, err
		}
	}
	return sn, nil
}

// newVolume is the record CreateVolume makes (without its id): of shape,
// or from the snapshot sn, whose size it takes when none is given and whose
// encryption it keeps.
func newVolume(r *api.Request, zone string, in *ec2api.CreateVolumeRequest, shape VolumeShape, sn *Snapshot, tagSet map[string]string) *Volume {
	v := &Volume{
		Meta:             resource.Meta{Account: r.AccountID, Region: r.Region, Tags: tagSet, CreatedAt: r.Now.UTC()},
		AvailabilityZone: zone, Encrypted: aws.ToBool(in.Encrypted), KMSKeyID: aws.ToString(in.KmsKeyId),
		State: VolumeCreating,
	}
	if sn != nil {
		if in.Size == nil {
			shape.SizeGiB = sn.VolumeSizeGiB
		}
		v.SnapshotID = sn.ID
		if sn.Encrypted { // a volume of an encrypted snapshot is encrypted
			v.Encrypted = true
			if v.KMSKeyID == "" {
				v.KMSKeyID = sn.KMSKeyID
			}
		}
	}
	if v.Encrypted && v.KMSKeyID == "" {
		v.KMSKeyID = DefaultKMSKey(r.Region, r.AccountID)
	}
	v.SetShape(shape)
	return v
}
