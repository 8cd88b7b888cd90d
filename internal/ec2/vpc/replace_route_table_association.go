package vpc

import (
	"context"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/awsquery/ec2api"
)

// ReplaceRouteTableAssociation moves an association, a subnet's or the main
// one, to another table of the same VPC, under a new association id.
func (h *Handlers) ReplaceRouteTableAssociation(ctx context.Context, r *api.Request, in *ec2api.ReplaceRouteTableAssociationRequest) (*ec2api.ReplaceRouteTableAssociationResult, error) {
	assocID, id := aws.ToString(in.AssociationId), aws.ToString(in.RouteTableId)
	if !AssociationKind.ValidID(assocID) {
		return nil, awserr.BadRequest(AssociationKind.Malformed, "Invalid id: \"%s\"", assocID)
	}
	if !RouteTableKind.ValidID(id) {
		return nil, awserr.BadRequest(RouteTableKind.Malformed, "Invalid id: \"%s\"", id)
	}
	s, region, account := h.VPCs, r.Region, r.AccountID
	to, err := s.GetRouteTable(ctx, region, account, id)
	if err != nil {
		return nil, err
	}
	resources, err := s.associationAuthz(ctx, region, account, assocID, to)
	if err != nil {
		return nil, err
	}
	if err := r.AuthorizeOn(in.DryRun, resources...); err != nil {
		return nil, err
	}
	newID := AssociationKind.NewID()
	err = retry(func() error {
		from, frev, i, err := s.findAssociation(ctx, region, account, assocID)
		if err != nil {
			return err
		}
		a := from.Associations[i]
		moved := Association{ID: newID, Main: a.Main, SubnetID: a.SubnetID}
		txn := s.Store.Txn()
		if from.ID == id {
			from.Associations[i] = moved
		} else {
			to, trev, err := getRev[RouteTable](ctx, s.Store, RouteTableKind, region, account, id)
			if err != nil {
				return err
			}
			if to.VPCID != from.VPCID {
				return awserr.InvalidParameterValue("route table %s and association %s belong to different networks", id, assocID)
			}
			from.Associations = slices.Delete(from.Associations, i, i+1)
			to.Associations = append(to.Associations, moved)
			txn.Update(RouteTableKind.Key(region, account, to.ID), trev, to)
		}
		txn.Update(RouteTableKind.Key(region, account, from.ID), frev, from)
		if a.SubnetID != "" {
			txn.Put(subnetAssocKey(region, account, a.SubnetID), subnetAssociation{RouteTableID: id, AssociationID: newID})
		}
		return s.commit(ctx, txn)
	})
	if err != nil {
		return nil, err
	}
	return &ec2api.ReplaceRouteTableAssociationResult{NewAssociationId: aws.String(newID), AssociationState: associated()}, nil
}
