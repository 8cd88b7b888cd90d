package vpc

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/awsquery"
	"github.com/kumo-cloud/kumo/internal/awsquery/ec2api"
)

// DeleteRouteTable deletes a route table that is neither its VPC's main table
// nor associated with a subnet.
func (h *Handlers) DeleteRouteTable(ctx context.Context, r *api.Request, in *ec2api.DeleteRouteTableRequest) (*awsquery.Empty, error) {
	id := aws.ToString(in.RouteTableId)
	if !RouteTableKind.ValidID(id) {
		return nil, awserr.BadRequest(RouteTableKind.Malformed, "Invalid id: \"%s\"", id)
	}
	if err := h.authorizeOnTable(ctx, r, in.DryRun, id); err != nil {
		return nil, err
	}
	err := retry(func() error {
		t, rev, err := getRev[RouteTable](ctx, h.VPCs.Store, RouteTableKind, r.Region, r.AccountID, id)
		if err != nil {
			return err
		}
		if len(t.Associations) > 0 {
			return awserr.BadRequest("DependencyViolation", "The routeTable '%s' has dependencies and cannot be deleted.", id)
		}
		return h.VPCs.commit(ctx, h.VPCs.Store.Txn().Delete(RouteTableKind.Key(r.Region, r.AccountID, id), rev))
	})
	if err != nil {
		return nil, err
	}
	return &awsquery.Empty{}, nil
}
