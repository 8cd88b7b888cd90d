package vpc

import (
	"context"
	"net/netip"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/awsquery/ec2api"
)

// CreateRoute adds a route to an internet gateway attached to the table's
// VPC, the one kind of target Kumo has.
func (h *Handlers) CreateRoute(ctx context.Context, r *api.Request, in *ec2api.CreateRouteRequest) (*ec2api.CreateRouteResult, error) {
	id := aws.ToString(in.RouteTableId)
	if !RouteTableKind.ValidID(id) {
		return nil, awserr.BadRequest(RouteTableKind.Malformed, "Invalid id: \"%s\"", id)
	}
	dst, err := routeDestination(in.DestinationCidrBlock, in.DestinationIpv6CidrBlock, in.DestinationPrefixListId)
	if err != nil {
		return nil, err
	}
	gw, err := routeTarget(in.GatewayId, false, map[string]*string{
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
		if t.route(dst) >= 0 {
			return awserr.BadRequest("RouteAlreadyExists", "The route identified by %s already exists.", dst)
		}
		if err := checkDestination(t, dst); err != nil {
			return err
		}
		if err := h.VPCs.checkGateway(ctx, t, gw); err != nil {
			return err
		}
		t.Routes = append(t.Routes, Route{Destination: dst, GatewayID: gw, Origin: "CreateRoute"})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &ec2api.CreateRouteResult{Return: aws.Bool(true)}, nil
}

// routeDestination reads a route's destination; Kumo routes IPv4 ranges only.
func routeDestination(v4, v6, prefixList *string) (netip.Prefix, error) {
	switch {
	case v6 != nil:
		return netip.Prefix{}, awserr.InvalidParameterValue("Value (%s) for parameter destinationIpv6CidrBlock is invalid. The route table's VPC has no IPv6 CIDR block.", aws.ToString(v6))
	case prefixList != nil:
		return netip.Prefix{}, awserr.BadRequest("InvalidPrefixListID.NotFound", "The prefix list ID '%s' does not exist", aws.ToString(prefixList))
	case v4 == nil:
		return netip.Prefix{}, awserr.MissingParameter("destinationCidrBlock")
	}
	return parseRange(aws.ToString(v4), "destinationCidrBlock")
}

// routeTarget returns the gateway a create or replace call routes to. Exactly
// one target must be given; local (ReplaceRoute's LocalTarget) comes back as
// LocalGateway, and targets Kumo does not have are refused.
func routeTarget(gatewayID *string, local bool, others map[string]*string) (string, error) {
	var named []string
	if gatewayID != nil {
		named = append(named, "gatewayId")
	}
	if local {
		named = append(named, "localTarget")
	}
	var unsupported []string
	for name, v := range others {
		if v != nil {
			unsupported = append(unsupported, name)
		}
	}
	sort.Strings(unsupported)
	named = append(named, unsupported...)
	switch {
	case len(named) == 0:
		return "", awserr.MissingParameter("gatewayId")
	case len(named) > 1:
		return "", awserr.InvalidParameterCombination("The parameter %s cannot be used with the parameter %s", named[0], named[1])
	case len(unsupported) == 1:
		return "", awserr.InvalidParameterValue("Value for parameter %s is not supported: Kumo routes only to internet gateways.", unsupported[0])
	case local:
		return LocalGateway, nil
	}
	return aws.ToString(gatewayID), nil
}

// checkDestination refuses a gateway route to a part of the VPC's own range,
// which only an interface or an instance may take on AWS.
func checkDestination(t *RouteTable, dst netip.Prefix) error {
	for _, rt := range t.Routes {
		if rt.GatewayID == LocalGateway && rt.Destination.Bits() <= dst.Bits() && rt.Destination.Contains(dst.Addr()) {
			return awserr.InvalidParameterValue("The destination CIDR block %s is equal to or more specific than one of this VPC's CIDR blocks. This route can target only an interface or an instance.", dst)
		}
	}
	return nil
}

// checkGateway requires an internet gateway attached to the table's VPC.
func (s *Service) checkGateway(ctx context.Context, t *RouteTable, id string) error {
	notFound := awserr.BadRequest("InvalidGatewayID.NotFound", "The gateway ID '%s' does not exist", id)
	if !GatewayKind.ValidID(id) {
		return notFound
	}
	g, err := s.GetGateway(ctx, t.Region, t.Account, id)
	if e, ok := awserr.As(err); ok && e.Code == GatewayKind.NotFound {
		return notFound
	}
	if err != nil {
		return err
	}
	if g.VPCID != t.VPCID {
		return awserr.InvalidParameterValue("route table %s and network gateway %s belong to different networks", t.ID, id)
	}
	return nil
}

// authorizeOnTable authorizes an action on one route table.
func (h *Handlers) authorizeOnTable(ctx context.Context, r *api.Request, dryRun *bool, id string) error {
	t, err := h.VPCs.GetRouteTable(ctx, r.Region, r.AccountID, id)
	if err != nil {
		return err
	}
	return r.AuthorizeOn(dryRun, t.authz())
}

// updateTable applies change to a route table and writes it back on the
// revision it read.
func (s *Service) updateTable(ctx context.Context, region, account, id string, change func(*RouteTable) error) error {
	return retry(func() error {
		t, rev, err := getRev[RouteTable](ctx, s.Store, RouteTableKind, region, account, id)
		if err != nil {
			return err
		}
		if err := change(t); err != nil {
			return err
		}
		return s.commit(ctx, s.Store.Txn().Update(RouteTableKind.Key(region, account, id), rev, t))
	})
}
