package vpc

import (
	"context"
	"errors"
	"net/netip"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/awsquery"
	"github.com/kumo-cloud/kumo/internal/awsquery/ec2api"
	"github.com/kumo-cloud/kumo/internal/store"
)

// DeleteSubnet deletes a subnet none of whose addresses is in use, and its
// route table association with it.
func (h *Handlers) DeleteSubnet(ctx context.Context, r *api.Request, in *ec2api.DeleteSubnetRequest) (*awsquery.Empty, error) {
	id := aws.ToString(in.SubnetId)
	if !SubnetKind.ValidID(id) {
		return nil, awserr.BadRequest(SubnetKind.Malformed, "Invalid id: \"%s\"", id)
	}
	sn, err := h.VPCs.GetSubnet(ctx, r.Region, r.AccountID, id)
	if err != nil {
		return nil, err
	}
	if err := r.AuthorizeOn(in.DryRun, sn.Authz()); err != nil {
		return nil, err
	}
	if err := retry(func() error { return h.VPCs.deleteSubnet(ctx, r.Region, r.AccountID, id) }); err != nil {
		return nil, err
	}
	return &awsquery.Empty{}, nil
}

func (s *Service) deleteSubnet(ctx context.Context, region, account, id string) error {
	sn, rev, err := getRev[Subnet](ctx, s.Store, SubnetKind, region, account, id)
	if err != nil {
		return err
	}
	inUse, err := s.addressesInUse(ctx, sn)
	if err != nil {
		return err
	}
	if inUse {
		return awserr.BadRequest("DependencyViolation", "The subnet '%s' has dependencies and cannot be deleted.", id)
	}
	txn := s.Store.Txn().Delete(SubnetKind.Key(region, account, id), rev)
	var a subnetAssociation
	arev, err := s.Store.Get(ctx, subnetAssocKey(region, account, id), &a)
	switch {
	case err == nil:
		t, trev, err := getRev[RouteTable](ctx, s.Store, RouteTableKind, region, account, a.RouteTableID)
		if err != nil {
			return err
		}
		t.Associations = removeAssociation(t.Associations, a.AssociationID)
		txn.Update(RouteTableKind.Key(region, account, t.ID), trev, t).Delete(subnetAssocKey(region, account, id), arev)
	case !errors.Is(err, store.ErrNotFound):
		return err
	}
	return s.commit(ctx, txn)
}

// addressesInUse reports whether any private address of the subnet is given
// out (to an instance or a network interface).
func (s *Service) addressesInUse(ctx context.Context, sn *Subnet) (bool, error) {
	prefix := store.Key("ip", sn.Region, sn.VPCID) + "/"
	found := false
	err := s.Store.List(ctx, prefix, "", func(it store.Item) (bool, error) {
		if a, err := netip.ParseAddr(it.Key[len(prefix):]); err == nil && sn.CIDR.Contains(a) {
			found = true
			return false, nil
		}
		return true, nil
	})
	return found, err
}

func removeAssociation(as []Association, id string) []Association {
	out := as[:0:0]
	for _, a := range as {
		if a.ID != id {
			out = append(out, a)
		}
	}
	return out
}
