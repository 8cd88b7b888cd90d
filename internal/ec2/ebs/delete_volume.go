package ebs

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/awsquery"
	"github.com/kumo-cloud/kumo/internal/awsquery/ec2api"
)

// DeleteVolume moves a detached volume to deleting; the host agent removes
// its files and then its record. Deleting a deleting volume is a no-op.
func (h *Handlers) DeleteVolume(ctx context.Context, r *api.Request, in *ec2api.DeleteVolumeRequest) (*awsquery.Empty, error) {
	id := aws.ToString(in.VolumeId)
	if id == "" {
		return nil, awserr.MissingParameter("VolumeId")
	}
	if !VolumeKind.ValidID(id) {
		return nil, awserr.BadRequest(VolumeKind.Malformed, "Invalid id: \"%s\"", id)
	}
	v, _, err := h.Store.GetVolume(ctx, r.Region, r.AccountID, id)
	if err != nil {
		return nil, err
	}
	if err := r.AuthorizeOn(in.DryRun, v.authz()); err != nil {
		return nil, err
	}
	_, err = h.Store.UpdateVolume(ctx, r.Region, r.AccountID, id, func(v *Volume) error {
		if v.Attachment != nil {
			return awserr.BadRequest("VolumeInUse", "Volume %s is currently attached to %s", v.ID, v.Attachment.InstanceID)
		}
		v.State = VolumeDeleting
		return nil
	})
	if err != nil {
		return nil, err
	}
	h.kick()
	return &awsquery.Empty{}, nil
}
