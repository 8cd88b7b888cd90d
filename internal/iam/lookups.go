package iam

import (
	"context"
	"strings"

	"github.com/kumo-cloud/kumo/internal/iam/policy"
)

// LookupAccessKey returns an IAM user's access key (with its secret, for
// SigV4) and the user, or ErrNotFound. The caller checks AccessKey.Active.
func (s *Service) LookupAccessKey(ctx context.Context, akid string) (*AccessKey, *User, error) {
	k, _, err := load[AccessKey](ctx, s.Store, accessKeyKey(akid))
	if err != nil {
		return nil, nil, err
	}
	if k == nil {
		return nil, nil, ErrNotFound
	}
	u, _, err := load[User](ctx, s.Store, entityKey(k.Account, kindUser, k.UserName))
	if err != nil {
		return nil, nil, err
	}
	if u == nil {
		return nil, nil, ErrNotFound
	}
	return k, u, nil
}

// GetRoleByName returns a role of account, or ErrNotFound.
func (s *Service) GetRoleByName(ctx context.Context, account, name string) (*Role, error) {
	ro, _, err := load[Role](ctx, s.Store, entityKey(account, kindRole, name))
	if err != nil {
		return nil, err
	}
	if ro == nil {
		return nil, ErrNotFound
	}
	return ro, nil
}

// RoleByARN returns the role arn:aws:iam::ACCOUNT:role/PATH/NAME names, in
// whichever account that is (AssumeRole may cross accounts), or ErrNotFound.
func (s *Service) RoleByARN(ctx context.Context, roleARN string) (*Role, error) {
	account, ok := arnAccount(roleARN)
	if !ok {
		return nil, ErrNotFound
	}
	ref, ok := parsePrincipal(account, roleARN)
	if !ok || ref.kind != kindRole || ref.path == "" {
		return nil, ErrNotFound
	}
	ro, err := s.GetRoleByName(ctx, account, ref.name)
	if err != nil {
		return nil, err
	}
	if ro.ARN() != roleARN {
		return nil, ErrNotFound
	}
	return ro, nil
}

// TrustPolicy returns a role's parsed trust policy.
func (ro *Role) TrustPolicy() (*policy.Document, error) {
	return policy.Parse(ro.Trust, policy.Trust)
}

// InstanceProfileByName returns an instance profile of account, or ErrNotFound.
func (s *Service) InstanceProfileByName(ctx context.Context, account, name string) (*InstanceProfile, error) {
	p, _, err := load[InstanceProfile](ctx, s.Store, entityKey(account, kindProfile, name))
	if err != nil {
		return nil, err
	}
	if p == nil {
		return nil, ErrNotFound
	}
	return p, nil
}

// InstanceProfileByARN returns the instance profile
// arn:aws:iam::ACCOUNT:instance-profile/PATH/NAME of account, or ErrNotFound
// (also for a profile of another account).
func (s *Service) InstanceProfileByARN(ctx context.Context, account, profileARN string) (*InstanceProfile, error) {
	rest, ok := strings.CutPrefix(profileARN, "arn:aws:iam::"+account+":instance-profile/")
	if !ok {
		return nil, ErrNotFound
	}
	p, err := s.InstanceProfileByName(ctx, account, rest[strings.LastIndexByte(rest, '/')+1:])
	if err != nil {
		return nil, err
	}
	if p.ARN() != profileARN {
		return nil, ErrNotFound
	}
	return p, nil
}

// ProfileRole returns the role of an instance profile, or ErrNotFound when
// it has none.
func (s *Service) ProfileRole(ctx context.Context, p *InstanceProfile) (*Role, error) {
	if len(p.Roles) == 0 {
		return nil, ErrNotFound
	}
	return s.GetRoleByName(ctx, p.Account, p.Roles[0])
}

// arnAccount returns the account field of an ARN.
func arnAccount(a string) (string, bool) {
	parts := strings.SplitN(a, ":", 6)
	if len(parts) < 6 || parts[0] != "arn" || parts[4] == "" {
		return "", false
	}
	return parts[4], true
}
