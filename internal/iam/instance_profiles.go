package iam

import (
	"context"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awsquery"
	"github.com/kumo-cloud/kumo/internal/awsquery/iamapi"
)

// maxProfileRoles is IAM's InstanceSessionsPerInstanceProfile quota.
const maxProfileRoles = 1

// A role's presence in a profile is kept on the profile (Roles). Adding a
// role also rewrites the role record unchanged, so that DeleteRole, which
// checks the profiles and deletes at the role's revision, cannot race it.

func (s *Service) profile(ctx context.Context, account, name string) (*InstanceProfile, int64, error) {
	if err := validName(name, "instanceProfileName", maxProfileName); err != nil {
		return nil, 0, err
	}
	p, rev, err := load[InstanceProfile](ctx, s.Store, entityKey(account, kindProfile, name))
	if err != nil {
		return nil, 0, err
	}
	if p == nil {
		return nil, 0, noSuchEntity("Instance Profile %s cannot be found.", name)
	}
	return p, rev, nil
}

func (p *InstanceProfile) hasRole(role string) bool {
	return slices.ContainsFunc(p.Roles, func(n string) bool { return strings.EqualFold(n, role) })
}

// profilesOf returns the instance profiles a role is in, in name order.
func (s *Service) profilesOf(ctx context.Context, ro *Role) ([]*InstanceProfile, error) {
	all, err := listAll[InstanceProfile](ctx, s.Store, ro.Account, kindProfile)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(all, func(p *InstanceProfile) bool { return !p.hasRole(ro.Name) }), nil
}

// wire returns the profile with its roles as IAM shows it.
func (s *Service) profileWire(ctx context.Context, p *InstanceProfile, tags bool) (iamapi.InstanceProfile, error) {
	out := iamapi.InstanceProfile{
		Path: aws.String(p.Path), InstanceProfileName: aws.String(p.Name), InstanceProfileId: aws.String(p.ID),
		Arn: aws.String(p.ARN()), CreateDate: aws.Time(p.CreatedAt), Roles: []iamapi.Role{},
	}
	if tags {
		out.Tags = tagsToWire(p.Tags)
	}
	for _, name := range p.Roles {
		ro, _, err := load[Role](ctx, s.Store, entityKey(p.Account, kindRole, name))
		if err != nil {
			return out, err
		}
		if ro != nil {
			out.Roles = append(out.Roles, ro.wire(false))
		}
	}
	return out, nil
}

// CreateInstanceProfile makes an empty instance profile.
func (s *Service) CreateInstanceProfile(ctx context.Context, r *api.Request, in *iamapi.CreateInstanceProfileRequest) (*iamapi.CreateInstanceProfileResponse, error) {
	name := aws.ToString(in.InstanceProfileName)
	if err := validName(name, "instanceProfileName", maxProfileName); err != nil {
		return nil, err
	}
	path, aerr := validPath(in.Path, "path")
	if aerr != nil {
		return nil, aerr
	}
	tags, aerr := tagsFromWire(in.Tags)
	if aerr != nil {
		return nil, aerr
	}
	if err := r.AuthorizeOn(nil, profileEntity.created(r.AccountID, path, name, tags, nil)); err != nil {
		return nil, err
	}
	p := &InstanceProfile{Account: r.AccountID, Name: name, ID: newUniqueID(profileIDPrefix), Path: path, CreatedAt: r.Now.UTC(), Tags: tags}
	err := retry(func() error {
		key := entityKey(r.AccountID, kindProfile, name)
		old, _, err := load[InstanceProfile](ctx, s.Store, key)
		if err != nil {
			return err
		}
		if old != nil {
			return alreadyExists("Instance Profile %s already exists.", name)
		}
		return s.Store.Txn().Create(key, p).Commit(ctx)
	})
	if err != nil {
		return nil, err
	}
	w, err := s.profileWire(ctx, p, true)
	if err != nil {
		return nil, err
	}
	return &iamapi.CreateInstanceProfileResponse{InstanceProfile: &w}, nil
}

// GetInstanceProfile returns a profile with its role.
func (s *Service) GetInstanceProfile(ctx context.Context, r *api.Request, in *iamapi.GetInstanceProfileRequest) (*iamapi.GetInstanceProfileResponse, error) {
	name := aws.ToString(in.InstanceProfileName)
	if err := validName(name, "instanceProfileName", maxProfileName); err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, r, profileEntity, name, nil); err != nil {
		return nil, err
	}
	p, _, err := s.profile(ctx, r.AccountID, name)
	if err != nil {
		return nil, err
	}
	w, err := s.profileWire(ctx, p, true)
	if err != nil {
		return nil, err
	}
	return &iamapi.GetInstanceProfileResponse{InstanceProfile: &w}, nil
}

// ListInstanceProfiles lists the profiles whose path starts with PathPrefix.
func (s *Service) ListInstanceProfiles(ctx context.Context, r *api.Request, in *iamapi.ListInstanceProfilesRequest) (*iamapi.ListInstanceProfilesResponse, error) {
	page, truncated, next, err := listByPath[InstanceProfile](ctx, s, r, kindProfile, in.PathPrefix, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &iamapi.ListInstanceProfilesResponse{InstanceProfiles: make([]iamapi.InstanceProfile, len(page)), IsTruncated: truncated, Marker: next}
	for i, p := range page {
		if out.InstanceProfiles[i], err = s.profileWire(ctx, p, false); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// DeleteInstanceProfile deletes a profile that has no role.
func (s *Service) DeleteInstanceProfile(ctx context.Context, r *api.Request, in *iamapi.DeleteInstanceProfileRequest) (*awsquery.Empty, error) {
	name := aws.ToString(in.InstanceProfileName)
	if err := validName(name, "instanceProfileName", maxProfileName); err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, r, profileEntity, name, nil); err != nil {
		return nil, err
	}
	return &awsquery.Empty{}, retry(func() error {
		p, rev, err := s.profile(ctx, r.AccountID, name)
		if err != nil {
			return err
		}
		if len(p.Roles) > 0 {
			return deleteConflict("Cannot delete entity, must remove roles from instance profile first.")
		}
		return s.Store.Txn().Delete(entityKey(r.AccountID, kindProfile, p.Name), rev).Commit(ctx)
	})
}

// AddRoleToInstanceProfile puts a role in a profile that has none.
func (s *Service) AddRoleToInstanceProfile(ctx context.Context, r *api.Request, in *iamapi.AddRoleToInstanceProfileRequest) (*awsquery.Empty, error) {
	name, roleName := aws.ToString(in.InstanceProfileName), aws.ToString(in.RoleName)
	if err := validName(name, "instanceProfileName", maxProfileName); err != nil {
		return nil, err
	}
	if err := validName(roleName, "roleName", maxRoleName); err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, r, profileEntity, name, nil); err != nil {
		return nil, err
	}
	return &awsquery.Empty{}, retry(func() error {
		p, prev, err := s.profile(ctx, r.AccountID, name)
		if err != nil {
			return err
		}
		ro, rrev, err := s.role(ctx, r.AccountID, roleName)
		if err != nil {
			return err
		}
		if len(p.Roles) >= maxProfileRoles {
			return limitExceeded("Cannot exceed quota for InstanceSessionsPerInstanceProfile: %d", maxProfileRoles)
		}
		p.Roles = append(p.Roles, ro.Name)
		return s.Store.Txn().
			Update(entityKey(r.AccountID, kindProfile, p.Name), prev, p).
			Update(entityKey(r.AccountID, kindRole, ro.Name), rrev, ro).
			Commit(ctx)
	})
}

// RemoveRoleFromInstanceProfile takes the role out of a profile.
func (s *Service) RemoveRoleFromInstanceProfile(ctx context.Context, r *api.Request, in *iamapi.RemoveRoleFromInstanceProfileRequest) (*awsquery.Empty, error) {
	name, roleName := aws.ToString(in.InstanceProfileName), aws.ToString(in.RoleName)
	if err := validName(name, "instanceProfileName", maxProfileName); err != nil {
		return nil, err
	}
	if err := validName(roleName, "roleName", maxRoleName); err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, r, profileEntity, name, nil); err != nil {
		return nil, err
	}
	return &awsquery.Empty{}, retry(func() error {
		p, prev, err := s.profile(ctx, r.AccountID, name)
		if err != nil {
			return err
		}
		if _, _, err := s.role(ctx, r.AccountID, roleName); err != nil {
			return err
		}
		if !p.hasRole(roleName) {
			return noSuchEntity("The role with name %s cannot be found.", roleName)
		}
		p.Roles = slices.DeleteFunc(p.Roles, func(n string) bool { return strings.EqualFold(n, roleName) })
		return s.Store.Txn().Update(entityKey(r.AccountID, kindProfile, p.Name), prev, p).Commit(ctx)
	})
}

// ListInstanceProfilesForRole lists the profiles a role is in.
func (s *Service) ListInstanceProfilesForRole(ctx context.Context, r *api.Request, in *iamapi.ListInstanceProfilesForRoleRequest) (*iamapi.ListInstanceProfilesForRoleResponse, error) {
	roleName := aws.ToString(in.RoleName)
	if err := validName(roleName, "roleName", maxRoleName); err != nil {
		return nil, err
	}
	if _, err := pageSize(in.MaxItems); err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, r, roleEntity, roleName, nil); err != nil {
		return nil, err
	}
	ro, _, err := s.role(ctx, r.AccountID, roleName)
	if err != nil {
		return nil, err
	}
	profiles, err := s.profilesOf(ctx, ro)
	if err != nil {
		return nil, err
	}
	page, truncated, next, err := paginate(profiles, func(p *InstanceProfile) string { return nameKey(p.Name) }, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &iamapi.ListInstanceProfilesForRoleResponse{InstanceProfiles: make([]iamapi.InstanceProfile, len(page)), IsTruncated: truncated, Marker: next}
	for i, p := range page {
		if out.InstanceProfiles[i], err = s.profileWire(ctx, p, false); err != nil {
			return nil, err
		}
	}
	return out, nil
}
