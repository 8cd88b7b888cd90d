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

// DisassociateRouteTable ends a subnet's explicit association; the subnet
// then uses its VPC's main table. The main association itself cannot end.
func (h *Handlers) DisassociateRouteTable(ctx context.Context, r *api.Request, in *ec2api.DisassociateRouteTableRequest) (*awsquery.Empty, error) {
	assocID := aws.ToString(in.AssociationId)
	if !AssociationKind.ValidID(assocID) {
		return nil, awserr.BadRequest(AssociationKind.Malformed, "Invalid id: \"%s\"", assocID)
	}
	s, region, account := h.VPCs, r.Region, r.AccountID
	resources, err := s.associationAuthz(ctx, region, account, assocID, nil)
	if err != nil {
		return nil, err
	}
	if err := r.AuthorizeOn(in.DryRun, resources...); err != nil {
		return nil, err
	}
	err = retry(func() error {
		t, rev, i, err := s.findAssociation(ctx, region, account, assocID)
		if err != nil {
			return err
		}
		a := t.Associations[i]
		if a.Main {
			return awserr.InvalidParameterValue("cannot disassociate the main route table association %s", assocID)
		}
		t.Associations = slices.Delete(t.Associations, i, i+1)
		return s.commit(ctx, s.Store.Txn().
			Update(RouteTableKind.Key(region, account, t.ID), rev, t).
			Delete(subnetAssocKey(region, account, a.SubnetID), 0))
	})
	if err != nil {
		return nil, err
	}
	return &awsquery.Empty{}, nil
}
