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
	if err := r.Authorize(in.DryRun); err != nil {
		return nil, err
	}
	s, region, account := h.VPCs, r.Region, r.AccountID
	err := retry(func() error {
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
