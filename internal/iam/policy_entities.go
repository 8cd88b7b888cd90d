package iam

import (
	"context"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awsquery/iamapi"
)

// ListEntitiesForPolicy lists the users, groups and roles a managed policy is
// attached to (or, with PolicyUsageFilter PermissionsBoundary, bounds).
func (s *Service) ListEntitiesForPolicy(ctx context.Context, r *api.Request, in *iamapi.ListEntitiesForPolicyRequest) (*iamapi.ListEntitiesForPolicyResponse, error) {
	policyARN := aws.ToString(in.PolicyArn)
	if err := checkARN(policyARN, "policyArn"); err != nil {
		return nil, err
	}
	filter := aws.ToString(in.EntityFilter)
	switch filter {
	case "", iamapi.EntityTypeUser, iamapi.EntityTypeGroup, iamapi.EntityTypeRole, iamapi.EntityTypeLocalManagedPolicy, iamapi.EntityTypeAWSManagedPolicy:
	default:
		return nil, constraint(filter, "entityFilter", "Member must satisfy enum value set: [User, Role, Group, LocalManagedPolicy, AWSManagedPolicy]")
	}
	usage := aws.ToString(in.PolicyUsageFilter)
	if usage != "" && usage != iamapi.PolicyUsageTypePermissionsPolicy && usage != iamapi.PolicyUsageTypePermissionsBoundary {
		return nil, constraint(usage, "policyUsageFilter", "Member must satisfy enum value set: [PermissionsPolicy, PermissionsBoundary]")
	}
	prefix, aerr := validPathPrefix(in.PathPrefix)
	if aerr != nil {
		return nil, aerr
	}
	if _, err := pageSize(in.MaxItems); err != nil {
		return nil, err
	}
	if err := s.authorizePolicy(ctx, r, policyARN); err != nil {
		return nil, err
	}
	if _, err := s.mustFindPolicy(ctx, r.AccountID, policyARN); err != nil {
		return nil, err
	}
	uses := func(p *Permissions, boundary string) bool {
		switch usage {
		case iamapi.PolicyUsageTypePermissionsPolicy:
			return slices.Contains(p.Attached, policyARN)
		case iamapi.PolicyUsageTypePermissionsBoundary:
			return boundary == policyARN
		}
		return slices.Contains(p.Attached, policyARN) || boundary == policyARN
	}
	type entity struct{ kind, name, id string }
	var all []entity
	want := func(kind string) bool { return filter == "" || filter == kind }
	if want(iamapi.EntityTypeGroup) {
		groups, err := listAll[Group](ctx, s.Store, r.AccountID, kindGroup)
		if err != nil {
			return nil, err
		}
		for _, g := range groups {
			if strings.HasPrefix(g.Path, prefix) && uses(&g.Permissions, "") {
				all = append(all, entity{"1", g.Name, g.ID})
			}
		}
	}
	if want(iamapi.EntityTypeUser) {
		users, err := listAll[User](ctx, s.Store, r.AccountID, kindUser)
		if err != nil {
			return nil, err
		}
		for _, u := range users {
			if strings.HasPrefix(u.Path, prefix) && uses(&u.Permissions, u.Boundary) {
				all = append(all, entity{"2", u.Name, u.ID})
			}
		}
	}
	if want(iamapi.EntityTypeRole) {
		roles, err := listAll[Role](ctx, s.Store, r.AccountID, kindRole)
		if err != nil {
			return nil, err
		}
		for _, ro := range roles {
			if strings.HasPrefix(ro.Path, prefix) && uses(&ro.Permissions, ro.Boundary) {
				all = append(all, entity{"3", ro.Name, ro.ID})
			}
		}
	}
	page, truncated, next, err := paginate(all, func(e entity) string { return e.kind + nameKey(e.name) }, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &iamapi.ListEntitiesForPolicyResponse{
		PolicyGroups: []iamapi.PolicyGroup{}, PolicyUsers: []iamapi.PolicyUser{}, PolicyRoles: []iamapi.PolicyRole{},
		IsTruncated: truncated, Marker: next,
	}
	for _, e := range page {
		switch e.kind {
		case "1":
			out.PolicyGroups = append(out.PolicyGroups, iamapi.PolicyGroup{GroupName: aws.String(e.name), GroupId: aws.String(e.id)})
		case "2":
			out.PolicyUsers = append(out.PolicyUsers, iamapi.PolicyUser{UserName: aws.String(e.name), UserId: aws.String(e.id)})
		default:
			out.PolicyRoles = append(out.PolicyRoles, iamapi.PolicyRole{RoleName: aws.String(e.name), RoleId: aws.String(e.id)})
		}
	}
	return out, nil
}
