package ebs

import (
	"context"
	"errors"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/awsquery"
	"github.com/kumo-cloud/kumo/internal/awsquery/ec2api"
	"github.com/kumo-cloud/kumo/internal/store"
)

// DeleteSnapshot deletes one of the caller's snapshots at once; the host
// agent garbage-collects its layer when nothing builds on it any more. A
// snapshot an AMI uses, or one still being taken, stays.
func (h *Handlers) DeleteSnapshot(ctx context.Context, r *api.Request, in *ec2api.DeleteSnapshotRequest) (*awsquery.Empty, error) {
	id := aws.ToString(in.SnapshotId)
	switch {
	case id == "":
		return nil, awserr.MissingParameter("SnapshotId")
	case !SnapshotKind.ValidID(id):
		return nil, awserr.BadRequest(SnapshotKind.Malformed, "Invalid id: \"%s\" (expecting \"snap-...\")", id)
	}
	for range 20 {
		sn, rev, err := h.Store.GetSnapshot(ctx, r.Region, r.AccountID, id)
		if err != nil {
			return nil, err
		}
		if err := r.AuthorizeOn(in.DryRun, sn.Authz()); err != nil {
			return nil, err
		}
		if sn.State == SnapshotPending {
			// The agent is switching the volume to a new overlay on this
			// snapshot's layer; the record is how it finishes after a crash.
			return nil, awserr.BadRequest("IncorrectState", "Snapshot '%s' is in the '%s' state.", sn.ID, sn.State)
		}
		if h.InUseByImage != nil {
			image, err := h.InUseByImage(ctx, r.Region, r.AccountID, id)
			if err != nil {
				return nil, err
			}
			if image != "" {
				return nil, awserr.BadRequest("InvalidSnapshot.InUse", "The snapshot %s is currently in use by %s", id, image)
			}
		}
		err = h.Store.DeleteSnapshot(ctx, sn, rev)
		if errors.Is(err, store.ErrConflict) {
			continue
		}
		if err != nil {
			return nil, err
		}
		h.kick()
		return &awsquery.Empty{}, nil
	}
	return nil, awserr.New(http.StatusServiceUnavailable, "RequestLimitExceeded", "The snapshot %s is being modified concurrently; retry.", id)
}
