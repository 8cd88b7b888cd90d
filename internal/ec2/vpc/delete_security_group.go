package vpc

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/awsquery"
	"github.com/kumo-cloud/kumo/internal/awsquery/ec2api"
	"github.com/kumo-cloud/kumo/internal/store"
)

// DeleteSecurityGroup deletes a group by id or, in the default VPC, by name.
// A VPC's default group cannot be deleted, nor a group that an instance uses
// or another group's rule refers to.
func (h *Handlers) DeleteSecurityGroup(ctx context.Context, r *api.Request, in *ec2api.DeleteSecurityGroupRequest) (*awsquery.Empty, error) {
	id, name := aws.ToString(in.GroupId), aws.ToString(in.GroupName)
	if id != "" && !GroupKind.ValidID(id) {
		return nil, awserr.BadRequest(GroupKind.Malformed, "Invalid id: \"%s\"", id)
	}
	g, err := h.VPCs.resolveGroup(ctx, r.Region, r.AccountID, id, name)
	if err != nil {
		return nil, err
	}
	if err := r.AuthorizeOn(in.DryRun, g.Authz()); err != nil {
		return nil, err
	}
	if g.Name == "default" {
		return nil, awserr.BadRequest("CannotDelete", "the specified group: \"%s\" name: \"default\" cannot be deleted by a user", g.ID)
	}
	inUse, err := h.VPCs.groupInUse(ctx, g)
	if err != nil {
		return nil, err
	}
	if inUse {
		return nil, awserr.BadRequest("DependencyViolation", "resource %s has a dependent object", g.ID)
	}
	err = h.VPCs.Store.Txn().
		Delete(GroupKind.Key(r.Region, r.AccountID, g.ID), 0).
		Delete(groupNameKey(r.Region, r.AccountID, g.VPCID, g.Name), 0).
		Commit(ctx)
	if err != nil {
		return nil, err
	}
	h.VPCs.changed()
	return &awsquery.Empty{}, nil
}

// instanceGroups is the part of an instance record (package instances, which
// imports this one) that says which groups the instance uses.
type instanceGroups struct {
	State  string `json:"state"`
	Groups []struct {
		ID string `json:"id"`
	} `json:"groups"`
}

// groupInUse reports whether an instance that is not terminated uses g, or a
// rule of another group refers to it.
func (s *Service) groupInUse(ctx context.Context, g *SecurityGroup) (bool, error) {
	found := false
	err := s.Store.List(ctx, store.Key("instance", g.Region, g.Account)+"/", "", func(it store.Item) (bool, error) {
		var in instanceGroups
		if err := json.Unmarshal(it.Value, &in); err != nil {
			return false, fmt.Errorf("decode %s: %w", it.Key, err)
		}
		if in.State == "terminated" {
			return true, nil
		}
		for _, ref := range in.Groups {
			if ref.ID == g.ID {
				found = true
				return false, nil
			}
		}
		return true, nil
	})
	if err != nil || found {
		return found, err
	}
	groups, err := s.Groups(ctx, g.Region, g.Account)
	if err != nil {
		return false, err
	}
	for _, o := range groups {
		if o.ID == g.ID {
			continue
		}
		for _, rs := range [][]Rule{o.Ingress, o.Egress} {
			for _, r := range rs {
				if r.Group != nil && r.Group.GroupID == g.ID {
					return true, nil
				}
			}
		}
	}
	return false, nil
}
