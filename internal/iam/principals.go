package iam

import (
	"context"
)

// holder is a user, group or role: an entity that carries policies.
type holder interface {
	perms() *Permissions
	entityName() string
}

func (u *User) entityName() string  { return u.Name }
func (g *Group) entityName() string { return g.Name }
func (r *Role) entityName() string  { return r.Name }

// holderKind describes users, groups or roles for the policy actions they share.
type holderKind struct {
	kind    string // store kind
	label   string // "user", as IAM's messages name it
	entity  entityType
	member  string // the name parameter on the wire
	maxName int
	// quota is the name of the attached-policies quota in LimitExceeded.
	quota string
	// maxInline is the aggregate size quota of the inline policies.
	maxInline int
	load      func(ctx context.Context, s *Service, account, name string) (holder, int64, error)
}

// maxAttached is IAM's PoliciesPerUser, PoliciesPerGroup and PoliciesPerRole quota.
const maxAttached = 10

var (
	userKind = holderKind{
		kind: kindUser, label: "user", entity: userEntity, member: "userName", maxName: maxUserName,
		quota: "PoliciesPerUser", maxInline: maxUserInlineSize,
		load: func(ctx context.Context, s *Service, account, name string) (holder, int64, error) {
			u, rev, err := s.user(ctx, account, name)
			if err != nil {
				return nil, 0, err
			}
			return u, rev, nil
		},
	}
	groupKind = holderKind{
		kind: kindGroup, label: "group", entity: groupEntity, member: "groupName", maxName: maxGroupName,
		quota: "PoliciesPerGroup", maxInline: maxGroupInlineSize,
		load: func(ctx context.Context, s *Service, account, name string) (holder, int64, error) {
			g, rev, err := s.group(ctx, account, name)
			if err != nil {
				return nil, 0, err
			}
			return g, rev, nil
		},
	}
	roleKind = holderKind{
		kind: kindRole, label: "role", entity: roleEntity, member: "roleName", maxName: maxRoleName,
		quota: "PoliciesPerRole", maxInline: maxRoleInlineSize,
		load: func(ctx context.Context, s *Service, account, name string) (holder, int64, error) {
			ro, rev, err := s.role(ctx, account, name)
			if err != nil {
				return nil, 0, err
			}
			return ro, rev, nil
		},
	}
)
