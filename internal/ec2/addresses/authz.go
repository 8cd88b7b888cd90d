package addresses

import (
	"context"
	"github.com/kumo-cloud/kumo/internal/ec2/resource"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/ec2/ebs"
	"github.com/kumo-cloud/kumo/internal/ec2/instances"
	"github.com/kumo-cloud/kumo/internal/ec2/netif"
)

// authz is what resource-level permissions see of an Elastic IP: its ARN
// (by allocation id), tags, ec2:AllocationId, ec2:Domain and
// ec2:PublicIpAddress.
func (a *Address) authz() api.Resource {
	res := Kind.Authz(a.Region, a.Account, a.ID, a.Tags)
	res.Keys["ec2:AllocationId"] = []string{a.ID}
	res.Keys["ec2:Domain"] = []string{"vpc"}
	res.Keys["ec2:PublicIpAddress"] = []string{a.PublicIP}
	return res
}

// authorizeAllocation authorizes AllocateAddress on elastic-ip/*: tagging
// it, then the action, and the dry run.
func authorizeAllocation(r *api.Request, dryRun *bool, tags map[string]string) error {
	res := Kind.New(r.Region, r.AccountID, tags)
	res.Keys["ec2:Domain"] = []string{"vpc"}
	if err := resource.AuthorizeTagOnCreate(r, res); err != nil {
		return err
	}
	return r.AuthorizeOn(dryRun, res)
}

// targetAuthz returns what resource-level permissions see of the target of
// an association: the instance when the request names it, else the
// instance's primary interface.
func (h *Handlers) targetAuthz(ctx context.Context, r *api.Request, t *instances.Instance, byInstance bool) (api.Resource, error) {
	if !byInstance {
		return netif.PrimaryAuthz(t), nil
	}
	return ebs.InstanceAuthz(ctx, h.Store, r.Region, r.AccountID, t.ID)
}

// associatedAuthz returns the interface an address is associated with as
// resource-level permissions see it (by its ARN alone once the instance is
// gone).
func (h *Handlers) associatedAuthz(ctx context.Context, r *api.Request, a *Address) (api.Resource, error) {
	t, _, err := h.Instances.Get(ctx, r.Region, r.AccountID, a.InstanceID)
	if e, ok := awserr.As(err); ok && e.Code == instances.Kind.NotFound {
		return instances.ENIKind.Authz(r.Region, r.AccountID, a.ENIID, nil), nil
	}
	if err != nil {
		return api.Resource{}, err
	}
	return netif.PrimaryAuthz(t), nil
}
