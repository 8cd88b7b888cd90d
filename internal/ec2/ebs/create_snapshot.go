package ebs

import (
	"context"
	"maps"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/awsquery/ec2api"
	"github.com/kumo-cloud/kumo/internal/ec2/resource"
	"github.com/kumo-cloud/kumo/internal/ec2/tags"
)

// MaxPendingSnapshots is how many snapshots of one volume may be pending.
const MaxPendingSnapshots = 5

// snapshotGroupKind names the groups of snapshots CreateSnapshots takes.
var snapshotGroupKind = resource.Kind{Prefix: "sgrp"}

// CreateSnapshot records a snapshot of a volume in state pending; the host
// agent freezes the volume's active file (the snapshot's point in time is
// when it does) and completes it.
func (h *Handlers) CreateSnapshot(ctx context.Context, r *api.Request, in *ec2api.CreateSnapshotRequest) (*ec2api.Snapshot, error) {
	id := aws.ToString(in.VolumeId)
	switch {
	case id == "":
		return nil, awserr.MissingParameter("VolumeId")
	case !VolumeKind.ValidID(id):
		return nil, awserr.BadRequest(VolumeKind.Malformed, "Invalid id: \"%s\"", id)
	case in.OutpostArn != nil:
		return nil, awserr.InvalidParameterValue("Kumo has no Outposts: OutpostArn is not supported.")
	}
	tagSet, err := tags.ForType(tags.SpecsFromWire(in.TagSpecifications), SnapshotKind.Type, SnapshotKind.Type)
	if err != nil {
		return nil, err
	}
	v, _, err := h.Store.GetVolume(ctx, r.Region, r.AccountID, id)
	if err != nil {
		return nil, err
	}
	if err := h.snapshotable(ctx, r, v); err != nil {
		return nil, err
	}
	sn := newSnapshot(r, v, aws.ToString(in.Description), tagSet)
	created := sn.AuthzNew()
	if err := resource.AuthorizeTagOnCreate(r, created); err != nil {
		return nil, err
	}
	if err := r.AuthorizeOn(in.DryRun, v.authz(), created); err != nil {
		return nil, err
	}
	if err := h.Store.CreateSnapshots(ctx, sn); err != nil {
		return nil, err
	}
	h.kick()
	w := snapshotWire(sn, r.AccountID)
	return &w, nil
}

// snapshotable checks that a volume's data can be snapshotted now.
func (h *Handlers) snapshotable(ctx context.Context, r *api.Request, v *Volume) error {
	if v.State != VolumeAvailable && v.State != VolumeInUse {
		return volumeState(v)
	}
	own, err := h.Store.Snapshots(ctx, r.Region, r.AccountID)
	if err != nil {
		return err
	}
	pending := 0
	for _, sn := range own {
		if sn.VolumeID == v.ID && sn.State == SnapshotPending {
			pending++
		}
	}
	if pending >= MaxPendingSnapshots {
		return awserr.BadRequest("SnapshotCreationPerVolumeRateExceeded", "The maximum per volume CreateSnapshot request rate has been exceeded. Use an increasing or variable sleep interval between requests.")
	}
	return nil
}

func newSnapshot(r *api.Request, v *Volume, description string, tagSet map[string]string) *Snapshot {
	now := r.Now.UTC()
	return &Snapshot{
		Meta:     resource.Meta{ID: SnapshotKind.NewID(), Account: r.AccountID, Region: r.Region, Tags: tagSet, CreatedAt: now},
		VolumeID: v.ID, VolumeSizeGiB: v.SizeGiB, Description: description, State: SnapshotPending, StartTime: now,
		Encrypted: v.Encrypted, KMSKeyID: v.KMSKeyID, Host: v.Host,
	}
}

// CreateSnapshots takes crash-consistent snapshots of the volumes attached
// to an instance, one per volume, as one group: the host agent freezes
// them together.
func (h *Handlers) CreateSnapshots(ctx context.Context, r *api.Request, in *ec2api.CreateSnapshotsRequest) (*ec2api.CreateSnapshotsResult, error) {
	spec := in.InstanceSpecification
	switch {
	case spec == nil || spec.InstanceId == nil:
		return nil, awserr.MissingParameter("InstanceSpecification.InstanceId")
	case in.OutpostArn != nil:
		return nil, awserr.InvalidParameterValue("Kumo has no Outposts: OutpostArn is not supported.")
	case in.CopyTagsFromSource != nil && *in.CopyTagsFromSource != "volume":
		return nil, awserr.InvalidParameterValue("Value (%s) for parameter CopyTagsFromSource is invalid. Valid values: volume.", *in.CopyTagsFromSource)
	}
	for _, id := range spec.ExcludeDataVolumeIds {
		if !VolumeKind.ValidID(id) {
			return nil, awserr.BadRequest(VolumeKind.Malformed, "Invalid id: \"%s\"", id)
		}
	}
	tagSet, err := tags.ForType(tags.SpecsFromWire(in.TagSpecifications), SnapshotKind.Type, SnapshotKind.Type)
	if err != nil {
		return nil, err
	}
	inst, err := h.instance(ctx, r.Region, r.AccountID, *spec.InstanceId)
	if err != nil {
		return nil, err
	}
	instRes, err := InstanceAuthz(ctx, h.Store.S, r.Region, r.AccountID, inst.ID)
	if err != nil {
		return nil, err
	}
	vols, err := h.Store.AttachedTo(ctx, r.Region, r.AccountID, inst.ID)
	if err != nil {
		return nil, err
	}
	group := snapshotGroupKind.NewID()
	var sns []*Snapshot
	resources := []api.Resource{instRes}
	for i := range vols {
		v := &vols[i]
		boot := v.Root || v.ID == inst.RootVolumeID || sameDevice(v.AttachmentTo(inst.ID).Device, inst.RootDevice)
		if (boot && aws.ToBool(spec.ExcludeBootVolume)) || (!boot && slices.Contains(spec.ExcludeDataVolumeIds, v.ID)) {
			continue
		}
		if err := h.snapshotable(ctx, r, v); err != nil {
			return nil, err
		}
		t := maps.Clone(tagSet)
		if in.CopyTagsFromSource != nil {
			t, err = tags.Apply(v.Tags, tags.Sorted(tagSet))
			if err != nil {
				return nil, err
			}
		}
		sn := newSnapshot(r, v, aws.ToString(in.Description), t)
		sn.GroupID = group
		sns = append(sns, sn)
		// Tags copied from the volume are not the request's.
		created := newSnapshot(r, v, "", tagSet).AuthzNew()
		if err := resource.AuthorizeTagOnCreate(r, created); err != nil {
			return nil, err
		}
		resources = append(resources, v.authz(), created)
	}
	if err := r.AuthorizeOn(in.DryRun, resources...); err != nil {
		return nil, err
	}
	if len(sns) > 0 {
		if err := h.Store.CreateSnapshots(ctx, sns...); err != nil {
			return nil, err
		}
		h.kick()
	}
	out := &ec2api.CreateSnapshotsResult{Snapshots: []ec2api.SnapshotInfo{}}
	for _, sn := range sns {
		out.Snapshots = append(out.Snapshots, ec2api.SnapshotInfo{
			Description: aws.String(sn.Description), Tags: tags.ToWire(sn.Tags), Encrypted: aws.Bool(sn.Encrypted),
			VolumeId: aws.String(sn.VolumeID), State: aws.String(sn.State), VolumeSize: aws.Int32(sn.VolumeSizeGiB),
			StartTime: aws.Time(sn.StartTime), Progress: progress(sn.Progress), OwnerId: aws.String(sn.Account), SnapshotId: aws.String(sn.ID),
		})
	}
	return out, nil
}
