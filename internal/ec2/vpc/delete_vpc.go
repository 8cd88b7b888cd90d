package vpc

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/awsquery"
	"github.com/kumo-cloud/kumo/internal/awsquery/ec2api"
)

// DeleteVpc deletes a VPC that has nothing left in it but its default
// security group and main route table, which go with it: no subnets, no
// attached internet gateway, no other groups or route tables. The default VPC
// may be deleted too; the account then has none, as on AWS.
func (h *Handlers) DeleteVpc(ctx context.Context, r *api.Request, in *ec2api.DeleteVpcRequest) (*awsquery.Empty, error) {
	id := aws.ToString(in.VpcId)
	if !VPCKind.ValidID(id) {
		return nil, awserr.BadRequest(VPCKind.Malformed, "Invalid id: \"%s\"", id)
	}
	v, err := h.VPCs.GetVPC(ctx, r.Region, r.AccountID, id)
	if err != nil {
		return nil, err
	}
	if err := r.AuthorizeOn(in.DryRun, v.Authz()); err != nil {
		return nil, err
	}
	if err := retry(func() error { return h.VPCs.deleteVPC(ctx, r.Region, r.AccountID, id) }); err != nil {
		return nil, err
	}
	return &awsquery.Empty{}, nil
}

// deleteVPC checks for dependents and deletes the VPC on the revision it
// checked: a subnet, route table or gateway attachment made meanwhile writes
// the VPC, so the delete then conflicts and is tried again.
func (s *Service) deleteVPC(ctx context.Context, region, account, id string) error {
	v, rev, err := getRev[VPC](ctx, s.Store, VPCKind, region, account, id)
	if err != nil {
		return err
	}
	busy := awserr.BadRequest("DependencyViolation", "The vpc '%s' has dependencies and cannot be deleted.", id)
	if v.InternetGatewayID != "" {
		return busy
	}
	subnets, err := s.Subnets(ctx, region, account)
	if err != nil {
		return err
	}
	for _, sn := range subnets {
		if sn.VPCID == id {
			return busy
		}
	}
	txn := s.Store.Txn().Delete(VPCKind.Key(region, account, id), rev)
	tables, err := s.RouteTables(ctx, region, account)
	if err != nil {
		return err
	}
	for _, t := range tables {
		if t.VPCID != id {
			continue
		}
		if !t.IsMain() {
			return busy
		}
		txn.Delete(RouteTableKind.Key(region, account, t.ID), 0)
	}
	groups, err := s.Groups(ctx, region, account)
	if err != nil {
		return err
	}
	for _, g := range groups {
		if g.VPCID != id {
			continue
		}
		if g.Name != "default" {
			return busy
		}
		txn.Delete(GroupKind.Key(region, account, g.ID), 0).Delete(groupNameKey(region, account, id, g.Name), 0)
	}
	if v.IsDefault {
		txn.Put(defaultKey(region, account), defaultMarker{VPCID: id, Deleted: true})
	}
	return s.commit(ctx, txn)
}
