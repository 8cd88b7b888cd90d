package vpc

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/awsquery"
	"github.com/kumo-cloud/kumo/internal/awsquery/ec2api"
)

// ReplaceRoute points an existing route at another internet gateway. The
// local route keeps its target (LocalTarget restores it, a no-op here).
func (h *Handlers) ReplaceRoute(ctx context.Context, r *api.Request, in *ec2api.ReplaceRouteRequest) (*awsquery.Empty, error) {
	id := aws.ToString(in.RouteTableId)
	if !RouteTableKind.ValidID(id) {
		return nil, awserr.BadRequest(RouteTableKind.Malformed, "Invalid id: \"%s\"", id)
	}
	dst, err := routeDestination(in.DestinationCidrBlock, in.DestinationIpv6CidrBlock, in.DestinationPrefixListId)
	if err != nil {
		return nil, err
	}
	gw, err := routeTarget(in.GatewayId, aws.ToBool(in.LocalTarget), map[string]*string{
		"natGatewayId": in.NatGatewayId, "instanceId": in.InstanceId, "networkInterfaceId": in.NetworkInterfaceId,
		"vpcPeeringConnectionId": in.VpcPeeringConnectionId, "transitGatewayId": in.TransitGatewayId,
		"localGatewayId": in.LocalGatewayId, "carrierGatewayId": in.CarrierGatewayId, "vpcEndpointId": in.VpcEndpointId,
		"egressOnlyInternetGatewayId": in.EgressOnlyInternetGatewayId, "coreNetworkArn": in.CoreNetworkArn})
	if err != nil {
		return nil, err
	}
	if err := h.authorizeOnTable(ctx, r, in.DryRun, id); err != nil {
		return nil, err
	}
	err = h.VPCs.updateTable(ctx, r.Region, r.AccountID, id, func(t *RouteTable) error {
		i := t.route(dst)
		if i < 0 {
			return awserr.InvalidParameterValue("There is no route defined for '%s' in the route table. Use CreateRoute instead.", dst)
		}
		isLocal := t.Routes[i].GatewayID == LocalGateway
		switch {
		case gw == LocalGateway && !isLocal:
			return awserr.InvalidParameterValue("The destination CIDR block %s does not match a CIDR block of the VPC; only the local route can target local.", dst)
		case gw == LocalGateway:
			return nil
		case isLocal:
			return checkDestination(t, dst)
		}
		if err := h.VPCs.checkGateway(ctx, t, gw); err != nil {
			return err
		}
		t.Routes[i].GatewayID = gw
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &awsquery.Empty{}, nil
}
