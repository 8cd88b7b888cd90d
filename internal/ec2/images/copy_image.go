package images

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/awsquery/ec2api"
	"github.com/kumo-cloud/kumo/internal/ec2/ebs"
	"github.com/kumo-cloud/kumo/internal/ec2/idempotency"
	"github.com/kumo-cloud/kumo/internal/ec2/resource"
	"github.com/kumo-cloud/kumo/internal/ec2/tags"
)

// copiedVolumeID is the volume id AWS shows for snapshots made by a copy.
const copiedVolumeID = "vol-ffffffff"

// CopyImage copies an image the caller may launch, from any served region
// into the request's: a new image (pending) and a new snapshot per EBS
// mapping with SourceSnapshotID set (pending), which the agent completes by
// sharing the source's layer; Refresh then makes the image available. A copy
// of a built-in image's disk is complete at once. Launch permissions are not
// copied, as on AWS; tags only with CopyImageTags.
func (h *Handlers) CopyImage(ctx context.Context, r *api.Request, in *ec2api.CopyImageRequest) (*ec2api.CopyImageResult, error) {
	name, err := checkName(in.Name)
	if err != nil {
		return nil, err
	}
	desc, err := checkDescription(in.Description)
	if err != nil {
		return nil, err
	}
	srcRegion, srcID := aws.ToString(in.SourceRegion), aws.ToString(in.SourceImageId)
	switch {
	case !slices.Contains(h.Regions, srcRegion):
		return nil, awserr.InvalidParameterValue("Invalid value '%s' for SourceRegion: it is not a region this endpoint serves.", srcRegion)
	case in.DestinationOutpostArn != nil:
		return nil, unsupported("DestinationOutpostArn")
	case in.KmsKeyId != nil && !aws.ToBool(in.Encrypted):
		return nil, awserr.InvalidParameterCombination("KmsKeyId requires Encrypted to be true.")
	}
	if err := checkID(srcID); err != nil {
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
	call := idempotency.Call{Region: r.Region, Account: r.AccountID, Action: "CopyImage", Token: aws.ToString(in.ClientToken), Params: in}
	return idempotency.Do(ctx, h.Idem, call, func() (*ec2api.CopyImageResult, error) {
		src, err := h.Images.visible(ctx, srcRegion, r.AccountID, srcID)
		if err != nil {
			return nil, err
		}
		if src.State != Available {
			return nil, awserr.BadRequest("InvalidAMIID.Unavailable", "The AMI ID '%s' is currently %s and may not be used for this operation", srcID, src.State)
		}
		if err := h.Images.checkUnique(ctx, r.Region, r.AccountID, name); err != nil {
			return nil, err
		}
		snaps, err := h.ebs().RegionSnapshots(ctx, srcRegion)
		if err != nil {
			return nil, err
		}
		now := r.Now.UTC()
		img := derivedImage(src)
		img.Meta = resource.Meta{ID: Kind.NewID(), Account: r.AccountID, Region: r.Region, Tags: imageTags, CreatedAt: now}
		img.Name, img.Description, img.State, img.Builtin = name, desc, Available, src.Builtin
		img.RootDeviceName, img.SourceImageID, img.SourceRegion = src.RootDeviceName, src.ID, srcRegion
		if aws.ToBool(in.CopyImageTags) && len(src.Tags) > 0 {
			img.Tags = maps.Clone(src.Tags)
			maps.Copy(img.Tags, imageTags) // the request's tags win
		}
		txn := h.Images.Store.Txn()
		for _, m := range src.BlockDeviceMappings {
			if m.EBS == nil || m.EBS.SnapshotID == "" {
				img.BlockDeviceMappings = append(img.BlockDeviceMappings, m)
				continue
			}
			e := *m.EBS
			sn := &ebs.Snapshot{
				Meta:        resource.Meta{ID: ebs.SnapshotKind.NewID(), Account: r.AccountID, Region: r.Region, Tags: snapTags, CreatedAt: now},
				VolumeID:    copiedVolumeID,
				Description: fmt.Sprintf("Copied for DestinationAmi %s from SourceAmi %s for SourceSnapshot %s. Task created on %s.", img.ID, src.ID, e.SnapshotID, commas(now.UnixMilli())),
				State:       ebs.SnapshotPending, StartTime: now,
				SourceSnapshotID: e.SnapshotID, SourceRegion: srcRegion,
			}
			if from := findSnapshot(snaps, e.SnapshotID); from != nil {
				if !from.Usable(r.AccountID) && !src.Public && !src.Owned(r.AccountID) {
					return nil, awserr.BadRequest("AuthFailure", "You do not have permission to access the storage of this ami")
				}
				sn.VolumeSizeGiB, sn.Encrypted, sn.KMSKeyID, sn.Host = from.VolumeSizeGiB, from.Encrypted, from.KMSKeyID, from.Host
				if from.Builtin != "" {
					sn.Builtin, sn.State, sn.Progress = from.Builtin, ebs.SnapshotCompleted, 100
				}
			} else if src.Builtin != "" && e.SnapshotID == src.RootSnapshotID {
				// A built-in image's disk has no snapshot record: every host
				// builds the file, so the copy is complete at once.
				sn.VolumeSizeGiB, sn.Builtin, sn.State, sn.Progress = e.VolumeSizeGiB, src.Builtin, ebs.SnapshotCompleted, 100
			} else {
				return nil, snapshotNotFound(e.SnapshotID)
			}
			if aws.ToBool(in.Encrypted) {
				sn.Encrypted, sn.KMSKeyID = true, aws.ToString(in.KmsKeyId)
			}
			if sn.State == ebs.SnapshotPending {
				img.State = Pending
			}
			e.SnapshotID, e.Encrypted, e.KMSKeyID = sn.ID, sn.Encrypted, sn.KMSKeyID
			m.EBS = &e
			img.BlockDeviceMappings = append(img.BlockDeviceMappings, m)
			ebs.CreateSnapshotIn(txn, sn, now)
		}
		// The copy is authorized on its source as on itself; tagging
		// its snapshots needs ec2:CreateTags as well.
		created := newImage(r, imageTags)
		if err := resource.AuthorizeTagOnCreate(r, created, ebs.SnapshotKind.New(r.Region, r.AccountID, snapTags)); err != nil {
			return nil, err
		}
		if err := r.AuthorizeOn(in.DryRun, src.authz(), created); err != nil {
			return nil, err
		}
		img.syncRoot()
		if err := h.Images.commitNew(ctx, txn, img); err != nil {
			return nil, err
		}
		h.kick()
		return &ec2api.CopyImageResult{ImageId: aws.String(img.ID)}, nil
	})
}

// commas writes n with thousands separators, as AWS writes the task time in
// copied snapshots' descriptions.
func commas(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
