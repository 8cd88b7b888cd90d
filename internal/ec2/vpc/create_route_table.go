package vpc

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/awsquery/ec2api"
	"github.com/kumo-cloud/kumo/internal/ec2/idempotency"
	"github.com/kumo-cloud/kumo/internal/ec2/tags"
)

// CreateRouteTable makes a route table of a VPC with only the local route.
// A retry with the same ClientToken gets the first call's table.
func (h *Handlers) CreateRouteTable(ctx context.Context, r *api.Request, in *ec2api.CreateRouteTableRequest) (*ec2api.CreateRouteTableResult, error) {
	vpcID := aws.ToString(in.VpcId)
	if !VPCKind.ValidID(vpcID) {
		return nil, awserr.BadRequest(VPCKind.Malformed, "Invalid id: \"%s\"", vpcID)
	}
	tagSet, err := tags.ForType(tags.SpecsFromWire(in.TagSpecifications), RouteTableKind.Type, RouteTableKind.Type)
	if err != nil {
		return nil, err
	}
	v, err := h.VPCs.GetVPC(ctx, r.Region, r.AccountID, vpcID)
	if err != nil {
		return nil, err
	}
	created := newIn(r, v, RouteTableKind, tagSet)
	if err := authorizeNew(r, in.DryRun, []api.Resource{created}, v.Authz()); err != nil {
		return nil, err
	}
	call := idempotency.Call{Region: r.Region, Account: r.AccountID, Action: "CreateRouteTable", Token: aws.ToString(in.ClientToken), Params: in}
	return idempotency.Do(ctx, &idempotency.Keeper{Store: h.VPCs.Store}, call, func() (*ec2api.CreateRouteTableResult, error) {
		t, err := h.VPCs.createRouteTable(ctx, r.Region, r.AccountID, vpcID, tagSet)
		if err != nil {
			return nil, err
		}
		out := routeTableToWire(t, nil)
		return &ec2api.CreateRouteTableResult{RouteTable: &out, ClientToken: in.ClientToken}, nil
	})
}

func (s *Service) createRouteTable(ctx context.Context, region, account, vpcID string, tagSet map[string]string) (*RouteTable, error) {
	var t *RouteTable
	err := retry(func() error {
		v, rev, err := getRev[VPC](ctx, s.Store, VPCKind, region, account, vpcID)
		if err != nil {
			return err
		}
		if v.IsDefault && !v.Routing {
			// The main table comes first, from the upgrade.
			if _, err := s.upgradeDefault(ctx, v); err != nil {
				return err
			}
			v, rev, err = getRev[VPC](ctx, s.Store, VPCKind, region, account, vpcID)
			if err != nil {
				return err
			}
		}
		t = newRouteTable(s.metaFunc(region, account)(RouteTableKind), v)
		t.Tags = tagSet
		// Writing the VPC back unchanged makes a concurrent DeleteVpc conflict.
		return s.commit(ctx, s.Store.Txn().
			Create(RouteTableKind.Key(region, account, t.ID), t).
			Update(VPCKind.Key(region, account, vpcID), rev, v))
	})
	return t, err
}

// routeTableToWire renders a table; gateways (by id) decide which routes are
// blackholes.
func routeTableToWire(t *RouteTable, gateways map[string]*InternetGateway) ec2api.RouteTable {
	out := ec2api.RouteTable{RouteTableId: aws.String(t.ID), VpcId: aws.String(t.VPCID), OwnerId: aws.String(t.Account),
		Tags: tags.ToWire(t.Tags), Routes: []ec2api.Route{}, Associations: []ec2api.RouteTableAssociation{},
		PropagatingVgws: []ec2api.PropagatingVgw{}}
	for _, rt := range t.Routes {
		out.Routes = append(out.Routes, ec2api.Route{DestinationCidrBlock: aws.String(rt.Destination.String()),
			GatewayId: aws.String(rt.GatewayID), Origin: aws.String(rt.Origin), State: aws.String(RouteState(rt, t.VPCID, gateways))})
	}
	for _, a := range t.Associations {
		w := ec2api.RouteTableAssociation{Main: aws.Bool(a.Main), RouteTableAssociationId: aws.String(a.ID),
			RouteTableId: aws.String(t.ID), AssociationState: associated()}
		if a.SubnetID != "" {
			w.SubnetId = aws.String(a.SubnetID)
		}
		out.Associations = append(out.Associations, w)
	}
	return out
}

func associated() *ec2api.RouteTableAssociationState {
	return &ec2api.RouteTableAssociationState{State: aws.String("associated")}
}
