package vpc

import (
	"context"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/awsquery"
	"github.com/kumo-cloud/kumo/internal/awsquery/ec2api"
)

// DeleteRoute removes a route; the local route stays.
func (h *Handlers) DeleteRoute(ctx context.Context, r *api.Request, in *ec2api.DeleteRouteRequest) (*awsquery.Empty, error) {
	id := aws.ToString(in.RouteTableId)
	if !RouteTableKind.ValidID(id) {
		return nil, awserr.BadRequest(RouteTableKind.Malformed, "Invalid id: \"%s\"", id)
	}
	dst, err := routeDestination(in.DestinationCidrBlock, in.DestinationIpv6CidrBlock, in.DestinationPrefixListId)
	if err != nil {
		return nil, err
	}
	if err := h.authorizeOnTable(ctx, r, in.DryRun, id); err != nil {
		return nil, err
	}
	err = h.VPCs.updateTable(ctx, r.Region, r.AccountID, id, func(t *RouteTable) error {
		i := t.route(dst)
		switch {
		case i < 0:
			return awserr.BadRequest("InvalidRoute.NotFound", "no route with destination-cidr-block %s in route table %s", dst, id)
		case t.Routes[i].GatewayID == LocalGateway:
			return awserr.InvalidParameterValue("cannot remove local route %s in route table %s", dst, id)
		}
		t.Routes = slices.Delete(t.Routes, i, i+1)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &awsquery.Empty{}, nil
}
