package ebs

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/awsquery/ec2api"
	"github.com/kumo-cloud/kumo/internal/ec2/resource"
	"github.com/kumo-cloud/kumo/internal/ec2/tags"
)

// CopySnapshot copies a completed snapshot the caller may use, from any
// region, into a new snapshot of the caller in the request's region. The
// copy is pending until the host agent that holds the source completes it.
func (h *Handlers) CopySnapshot(ctx context.Context, r *api.Request, in *ec2api.CopySnapshotRequest) (*ec2api.CopySnapshotResult, error) {
	srcRegion, srcID := aws.ToString(in.SourceRegion), aws.ToString(in.SourceSnapshotId)
	switch {
	case srcRegion == "":
		return nil, awserr.MissingParameter("SourceRegion")
	case srcID == "":
		return nil, awserr.MissingParameter("SourceSnapshotId")
	case in.DestinationOutpostArn != nil:
		return nil, awserr.InvalidParameterValue("Kumo has no Outposts: DestinationOutpostArn is not supported.")
	case in.KmsKeyId != nil && !aws.ToBool(in.Encrypted):
		return nil, awserr.BadRequest("InvalidParameterDependency", "The parameter KmsKeyId requires the parameter Encrypted to be set.")
	}
	tagSet, err := tags.ForType(tags.SpecsFromWire(in.TagSpecifications), SnapshotKind.Type, SnapshotKind.Type)
	if err != nil {
		return nil, err
	}
	src, err := h.usableSnapshot(ctx, srcRegion, r.AccountID, srcID)
	if err != nil {
		return nil, err
	}
	if err := completed(src); err != nil {
		return nil, err
	}
	now := r.Now.UTC()
	sn := &Snapshot{
		Meta:     resource.Meta{ID: SnapshotKind.NewID(), Account: r.AccountID, Region: r.Region, Tags: tagSet, CreatedAt: now},
		VolumeID: CopiedVolumeID, VolumeSizeGiB: src.VolumeSizeGiB, State: SnapshotPending, StartTime: now,
		Description:      aws.ToString(in.Description),
		Encrypted:        src.Encrypted || aws.ToBool(in.Encrypted),
		SourceSnapshotID: src.ID, SourceRegion: srcRegion, Host: src.Host, Builtin: src.Builtin,
	}
	if in.Description == nil {
		sn.Description = fmt.Sprintf("[Copied %s from %s]", src.ID, srcRegion)
	}
	if sn.Encrypted {
		switch {
		case in.KmsKeyId != nil:
			sn.KMSKeyID = *in.KmsKeyId
		case src.Encrypted && src.Account == r.AccountID && src.Region == r.Region:
			sn.KMSKeyID = src.KMSKeyID
		default: // another account's or region's key is not the caller's to use
			sn.KMSKeyID = DefaultKMSKey(r.Region, r.AccountID)
		}
	}
	// The copy is authorized on its source as on itself.
	created := sn.AuthzNew()
	if err := resource.AuthorizeTagOnCreate(r, created); err != nil {
		return nil, err
	}
	if err := r.AuthorizeOn(in.DryRun, src.Authz(), created); err != nil {
		return nil, err
	}
	if err := h.Store.CreateSnapshots(ctx, sn); err != nil {
		return nil, err
	}
	h.kick()
	return &ec2api.CopySnapshotResult{SnapshotId: aws.String(sn.ID), Tags: tags.ToWire(sn.Tags)}, nil
}
