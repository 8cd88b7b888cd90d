package iam

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/awsquery"
	"github.com/kumo-cloud/kumo/internal/awsquery/iamapi"
	"github.com/kumo-cloud/kumo/internal/iam/policy"
)

// Role session limits: MaxSessionDuration is 1 to 12 hours, 1 by default.
const (
	minSessionDuration     = 3600
	maxSessionDuration     = 43200
	defaultSessionDuration = 3600
)

func (s *Service) role(ctx context.Context, account, name string) (*Role, int64, error) {
	if err := validName(name, "roleName", maxRoleName); err != nil {
		return nil, 0, err
	}
	ro, rev, err := load[Role](ctx, s.Store, entityKey(account, kindRole, name))
	if err != nil {
		return nil, 0, err
	}
	if ro == nil {
		return nil, 0, noSuchEntity("The role with name %s cannot be found.", name)
	}
	return ro, rev, nil
}

// wire returns the role as IAM shows it; full adds what only GetRole and
// CreateRole show (tags, boundary, last use).
func (ro *Role) wire(full bool) iamapi.Role {
	out := iamapi.Role{
		Path: aws.String(ro.Path), RoleName: aws.String(ro.Name), RoleId: aws.String(ro.ID),
		Arn: aws.String(ro.ARN()), CreateDate: aws.Time(ro.CreatedAt),
		AssumeRolePolicyDocument: aws.String(encodeDocument(ro.Trust)),
		MaxSessionDuration:       aws.Int32(int32(ro.MaxSessionDuration)),
	}
	if ro.Description != "" {
		out.Description = aws.String(ro.Description)
	}
	if full {
		out.Tags = tagsToWire(ro.Tags)
		out.PermissionsBoundary = boundaryWire(ro.Boundary)
		out.RoleLastUsed = &iamapi.RoleLastUsed{}
	}
	return out
}

// trustDocument validates an assume-role policy and its size.
func trustDocument(doc, member string) *awserr.Error {
	if _, err := parseDocument(doc, member, policy.Trust); err != nil {
		return err
	}
	if policySize(doc) > maxTrustPolicySize {
		return limitExceeded("Cannot exceed quota for ACLSizePerRole: %d", maxTrustPolicySize)
	}
	return nil
}

func validSessionDuration(d *int32) *awserr.Error {
	switch {
	case d == nil:
		return nil
	case *d < minSessionDuration:
		return constraint(*d, "maxSessionDuration", "Member must have value greater than or equal to 3600")
	case *d > maxSessionDuration:
		return constraint(*d, "maxSessionDuration", "Member must have value less than or equal to 43200")
	}
	return nil
}

// CreateRole makes a role that the principals its trust policy names may assume.
func (s *Service) CreateRole(ctx context.Context, r *api.Request, in *iamapi.CreateRoleRequest) (*iamapi.CreateRoleResponse, error) {
	name, trust := aws.ToString(in.RoleName), aws.ToString(in.AssumeRolePolicyDocument)
	if err := validName(name, "roleName", maxRoleName); err != nil {
		return nil, err
	}
	path, aerr := validPath(in.Path, "path")
	if aerr != nil {
		return nil, aerr
	}
	if err := validDescription(in.Description, "description"); err != nil {
		return nil, err
	}
	if err := validSessionDuration(in.MaxSessionDuration); err != nil {
		return nil, err
	}
	tags, aerr := tagsFromWire(in.Tags)
	if aerr != nil {
		return nil, aerr
	}
	if err := trustDocument(trust, "assumeRolePolicyDocument"); err != nil {
		return nil, err
	}
	if err := r.AuthorizeOn(nil, roleEntity.created(r.AccountID, path, name, tags, in.PermissionsBoundary)); err != nil {
		return nil, err
	}
	ro := &Role{
		Account: r.AccountID, Name: name, ID: newUniqueID(roleIDPrefix), Path: path, CreatedAt: r.Now.UTC(),
		Tags: tags, Trust: trust, Description: aws.ToString(in.Description), MaxSessionDuration: defaultSessionDuration,
	}
	if in.MaxSessionDuration != nil {
		ro.MaxSessionDuration = int(*in.MaxSessionDuration)
	}
	err := retry(func() error {
		key := entityKey(r.AccountID, kindRole, name)
		old, _, err := load[Role](ctx, s.Store, key)
		if err != nil {
			return err
		}
		if old != nil {
			return alreadyExists("Role with name %s already exists.", name)
		}
		t := s.Store.Txn()
		if in.PermissionsBoundary != nil {
			ref, err := s.boundary(ctx, r.AccountID, *in.PermissionsBoundary)
			if err != nil {
				return err
			}
			ref.adjust(t, 0, 1)
			ro.Boundary = ref.ARN()
		}
		return t.Create(key, ro).Commit(ctx) // encoded now: after Boundary is set
	})
	if err != nil {
		return nil, err
	}
	w := ro.wire(false)
	w.Tags = tagsToWire(ro.Tags)
	w.PermissionsBoundary = boundaryWire(ro.Boundary)
	return &iamapi.CreateRoleResponse{Role: &w}, nil
}

// GetRole returns a role with its trust policy (URL-encoded).
func (s *Service) GetRole(ctx context.Context, r *api.Request, in *iamapi.GetRoleRequest) (*iamapi.GetRoleResponse, error) {
	name := aws.ToString(in.RoleName)
	if err := validName(name, "roleName", maxRoleName); err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, r, roleEntity, name, nil); err != nil {
		return nil, err
	}
	ro, _, err := s.role(ctx, r.AccountID, name)
	if err != nil {
		return nil, err
	}
	w := ro.wire(true)
	return &iamapi.GetRoleResponse{Role: &w}, nil
}

// ListRoles lists the roles whose path starts with PathPrefix.
func (s *Service) ListRoles(ctx context.Context, r *api.Request, in *iamapi.ListRolesRequest) (*iamapi.ListRolesResponse, error) {
	page, truncated, next, err := listByPath[Role](ctx, s, r, kindRole, in.PathPrefix, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &iamapi.ListRolesResponse{Roles: make([]iamapi.Role, len(page)), IsTruncated: truncated, Marker: next}
	for i, ro := range page {
		out.Roles[i] = ro.wire(false)
	}
	return out, nil
}

// DeleteRole deletes a role that is in no instance profile and has no policies.
func (s *Service) DeleteRole(ctx context.Context, r *api.Request, in *iamapi.DeleteRoleRequest) (*awsquery.Empty, error) {
	name := aws.ToString(in.RoleName)
	if err := validName(name, "roleName", maxRoleName); err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, r, roleEntity, name, nil); err != nil {
		return nil, err
	}
	return &awsquery.Empty{}, retry(func() error {
		ro, rev, err := s.role(ctx, r.AccountID, name)
		if err != nil {
			return err
		}
		profiles, err := s.profilesOf(ctx, ro)
		if err != nil {
			return err
		}
		switch {
		case len(profiles) > 0:
			return deleteConflict("Cannot delete entity, must remove roles from instance profile first.")
		case len(ro.Inline) > 0:
			return deleteConflict("Cannot delete entity, must delete policies first.")
		case len(ro.Attached) > 0:
			return deleteConflict("Cannot delete entity, must detach all policies first.")
		}
		t := s.Store.Txn().Delete(entityKey(r.AccountID, kindRole, ro.Name), rev)
		if err := s.dropBoundary(ctx, t, r.AccountID, ro.Boundary); err != nil {
			return err
		}
		return t.Commit(ctx)
	})
}

// UpdateRole changes a role's description and maximum session duration.
func (s *Service) UpdateRole(ctx context.Context, r *api.Request, in *iamapi.UpdateRoleRequest) (*iamapi.UpdateRoleResponse, error) {
	name := aws.ToString(in.RoleName)
	if err := validName(name, "roleName", maxRoleName); err != nil {
		return nil, err
	}
	if err := validDescription(in.Description, "description"); err != nil {
		return nil, err
	}
	if err := validSessionDuration(in.MaxSessionDuration); err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, r, roleEntity, name, nil); err != nil {
		return nil, err
	}
	err := retry(func() error {
		ro, rev, err := s.role(ctx, r.AccountID, name)
		if err != nil {
			return err
		}
		if in.Description != nil {
			ro.Description = *in.Description
		}
		if in.MaxSessionDuration != nil {
			ro.MaxSessionDuration = int(*in.MaxSessionDuration)
		}
		return s.Store.Txn().Update(entityKey(r.AccountID, kindRole, ro.Name), rev, ro).Commit(ctx)
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.UpdateRoleResponse{}, nil
}

// UpdateAssumeRolePolicy replaces a role's trust policy.
func (s *Service) UpdateAssumeRolePolicy(ctx context.Context, r *api.Request, in *iamapi.UpdateAssumeRolePolicyRequest) (*awsquery.Empty, error) {
	name, trust := aws.ToString(in.RoleName), aws.ToString(in.PolicyDocument)
	if err := validName(name, "roleName", maxRoleName); err != nil {
		return nil, err
	}
	if err := trustDocument(trust, "policyDocument"); err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, r, roleEntity, name, nil); err != nil {
		return nil, err
	}
	return &awsquery.Empty{}, retry(func() error {
		ro, rev, err := s.role(ctx, r.AccountID, name)
		if err != nil {
			return err
		}
		ro.Trust = trust
		return s.Store.Txn().Update(entityKey(r.AccountID, kindRole, ro.Name), rev, ro).Commit(ctx)
	})
}
