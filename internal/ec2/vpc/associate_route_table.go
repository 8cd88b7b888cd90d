package vpc

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/awsquery/ec2api"
	"github.com/kumo-cloud/kumo/internal/store"
)

// AssociateRouteTable makes a route table the table of a subnet of its VPC.
// A subnet has at most one explicit association; the index record created
// with it keeps concurrent calls from giving it two.
func (h *Handlers) AssociateRouteTable(ctx context.Context, r *api.Request, in *ec2api.AssociateRouteTableRequest) (*ec2api.AssociateRouteTableResult, error) {
	id, subnetID := aws.ToString(in.RouteTableId), aws.ToString(in.SubnetId)
	switch {
	case !RouteTableKind.ValidID(id):
		return nil, awserr.BadRequest(RouteTableKind.Malformed, "Invalid id: \"%s\"", id)
	case in.SubnetId == nil && in.GatewayId != nil:
		return nil, awserr.InvalidParameterValue("Value (%s) for parameter gatewayId is invalid. Kumo does not support gateway route table associations.", aws.ToString(in.GatewayId))
	case in.SubnetId == nil:
		return nil, awserr.MissingParameter("subnetId")
	case in.GatewayId != nil:
		return nil, awserr.InvalidParameterCombination("The parameter subnetId cannot be used with the parameter gatewayId")
	case !SubnetKind.ValidID(subnetID):
		return nil, awserr.BadRequest(SubnetKind.Malformed, "Invalid id: \"%s\"", subnetID)
	}
	t, err := h.VPCs.GetRouteTable(ctx, r.Region, r.AccountID, id)
	if err != nil {
		return nil, err
	}
	sn, err := h.VPCs.GetSubnet(ctx, r.Region, r.AccountID, subnetID)
	if err != nil {
		return nil, err
	}
	if err := r.AuthorizeOn(in.DryRun, t.authz(), sn.Authz()); err != nil {
		return nil, err
	}
	s, region, account := h.VPCs, r.Region, r.AccountID
	a := Association{ID: AssociationKind.NewID(), SubnetID: subnetID}
	err = retry(func() error {
		t, trev, err := getRev[RouteTable](ctx, s.Store, RouteTableKind, region, account, id)
		if err != nil {
			return err
		}
		sn, srev, err := getRev[Subnet](ctx, s.Store, SubnetKind, region, account, subnetID)
		if err != nil {
			return err
		}
		if sn.VPCID != t.VPCID {
			return awserr.InvalidParameterValue("route table %s and subnet %s belong to different networks", id, subnetID)
		}
		var have subnetAssociation
		_, err = s.Store.Get(ctx, subnetAssocKey(region, account, subnetID), &have)
		if err == nil {
			return alreadyAssociated(id)
		}
		if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		t.Associations = append(t.Associations, a)
		// Writing the subnet back unchanged makes a concurrent DeleteSubnet conflict.
		err = s.commit(ctx, s.Store.Txn().
			Update(RouteTableKind.Key(region, account, id), trev, t).
			Create(subnetAssocKey(region, account, subnetID), subnetAssociation{RouteTableID: id, AssociationID: a.ID}).
			Update(SubnetKind.Key(region, account, subnetID), srev, sn))
		return err
	})
	if err != nil {
		return nil, err
	}
	return &ec2api.AssociateRouteTableResult{AssociationId: aws.String(a.ID), AssociationState: associated()}, nil
}

func alreadyAssociated(tableID string) error {
	return awserr.BadRequest("Resource.AlreadyAssociated", "the specified association for route table %s conflicts with an existing association", tableID)
}

// associationAuthz returns the resources a call on an association is
// authorized on: a route table (to, when the call moves the association
// there, else the association's own) and the association's subnet, if any.
func (s *Service) associationAuthz(ctx context.Context, region, account, assocID string, to *RouteTable) ([]api.Resource, error) {
	var out []api.Resource
	err := retry(func() error {
		t, _, i, err := s.findAssociation(ctx, region, account, assocID)
		if err != nil {
			return err
		}
		subnetID := t.Associations[i].SubnetID
		if to != nil {
			t = to
		}
		out = []api.Resource{t.authz()}
		if subnetID != "" {
			sn, err := s.GetSubnet(ctx, region, account, subnetID)
			if err != nil {
				return err
			}
			out = append(out, sn.Authz())
		}
		return nil
	})
	return out, err
}

// findAssociation returns the table holding an association, with the
// table's revision and the association's index in it.
func (s *Service) findAssociation(ctx context.Context, region, account, assocID string) (*RouteTable, int64, int, error) {
	tables, err := s.RouteTables(ctx, region, account)
	if err != nil {
		return nil, 0, 0, err
	}
	for _, t := range tables {
		for _, a := range t.Associations {
			if a.ID != assocID {
				continue
			}
			cur, rev, err := getRev[RouteTable](ctx, s.Store, RouteTableKind, region, account, t.ID)
			if err != nil {
				return nil, 0, 0, store.ErrConflict // deleted since listed: look again
			}
			for i := range cur.Associations {
				if cur.Associations[i].ID == assocID {
					return cur, rev, i, nil
				}
			}
			return nil, 0, 0, store.ErrConflict // moved since listed: look again
		}
	}
	return nil, 0, 0, awserr.BadRequest(AssociationKind.NotFound, "The association ID '%s' does not exist", assocID)
}
