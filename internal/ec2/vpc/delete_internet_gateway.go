package vpc

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/awsquery"
	"github.com/kumo-cloud/kumo/internal/awsquery/ec2api"
)

// DeleteInternetGateway deletes a gateway that is not attached. Routes to it
// stay, as blackholes, as on AWS.
func (h *Handlers) DeleteInternetGateway(ctx context.Context, r *api.Request, in *ec2api.DeleteInternetGatewayRequest) (*awsquery.Empty, error) {
	id := aws.ToString(in.InternetGatewayId)
	if !GatewayKind.ValidID(id) {
		return nil, awserr.BadRequest(GatewayKind.Malformed, "Invalid id: \"%s\"", id)
	}
	g, err := h.VPCs.GetGateway(ctx, r.Region, r.AccountID, id)
	if err != nil {
		return nil, err
	}
	if err := r.AuthorizeOn(in.DryRun, g.authz()); err != nil {
		return nil, err
	}
	err = retry(func() error {
		g, rev, err := getRev[InternetGateway](ctx, h.VPCs.Store, GatewayKind, r.Region, r.AccountID, id)
		if err != nil {
			return err
		}
		if g.VPCID != "" {
			return awserr.BadRequest("DependencyViolation", "The internetGateway '%s' has dependencies and cannot be deleted.", id)
		}
		return h.VPCs.commit(ctx, h.VPCs.Store.Txn().Delete(GatewayKind.Key(r.Region, r.AccountID, id), rev))
	})
	if err != nil {
		return nil, err
	}
	return &awsquery.Empty{}, nil
}
