package iam

import (
	"context"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awsquery/iamapi"
)

// GetAccountAuthorizationDetails returns every user, group, role and managed
// policy of the account with their policies, as Filter selects. AWS managed
// policies are included when the account uses them.
func (s *Service) GetAccountAuthorizationDetails(ctx context.Context, r *api.Request, in *iamapi.GetAccountAuthorizationDetailsRequest) (*iamapi.GetAccountAuthorizationDetailsResponse, error) {
	for _, f := range in.Filter {
		switch f {
		case iamapi.EntityTypeUser, iamapi.EntityTypeRole, iamapi.EntityTypeGroup, iamapi.EntityTypeLocalManagedPolicy, iamapi.EntityTypeAWSManagedPolicy:
		default:
			return nil, constraint(f, "filter.member", "Member must satisfy enum value set: [User, Role, Group, LocalManagedPolicy, AWSManagedPolicy]")
		}
	}
	if _, err := pageSize(in.MaxItems); err != nil {
		return nil, err
	}
	// The whole account: no resource type, evaluated on "*".
	if err := r.Authorize(nil); err != nil {
		return nil, err
	}
	want := func(kind string) bool { return len(in.Filter) == 0 || slices.Contains(in.Filter, kind) }

	// One ordered sequence of everything, so one Marker pages through all four lists.
	type item struct {
		key string
		u   *User
		g   *Group
		ro  *Role
		p   *Policy
	}
	var items []item
	if want(iamapi.EntityTypeUser) {
		users, err := listAll[User](ctx, s.Store, r.AccountID, kindUser)
		if err != nil {
			return nil, err
		}
		for _, u := range users {
			items = append(items, item{key: "1" + nameKey(u.Name), u: u})
		}
	}
	if want(iamapi.EntityTypeGroup) {
		groups, err := listAll[Group](ctx, s.Store, r.AccountID, kindGroup)
		if err != nil {
			return nil, err
		}
		for _, g := range groups {
			items = append(items, item{key: "2" + nameKey(g.Name), g: g})
		}
	}
	if want(iamapi.EntityTypeRole) {
		roles, err := listAll[Role](ctx, s.Store, r.AccountID, kindRole)
		if err != nil {
			return nil, err
		}
		for _, ro := range roles {
			items = append(items, item{key: "3" + nameKey(ro.Name), ro: ro})
		}
	}
	if want(iamapi.EntityTypeLocalManagedPolicy) || want(iamapi.EntityTypeAWSManagedPolicy) {
		policies, err := s.visiblePolicies(ctx, r.AccountID, iamapi.PolicyScopeTypeAll)
		if err != nil {
			return nil, err
		}
		for _, p := range policies {
			isAWS := p.Account == awsAccount
			if isAWS && (!want(iamapi.EntityTypeAWSManagedPolicy) || p.Attachments+p.BoundaryUses == 0) ||
				!isAWS && !want(iamapi.EntityTypeLocalManagedPolicy) {
				continue
			}
			items = append(items, item{key: "4" + policyOrder(p), p: p})
		}
	}
	page, truncated, next, err := paginate(items, func(it item) string { return it.key }, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &iamapi.GetAccountAuthorizationDetailsResponse{
		UserDetailList: []iamapi.UserDetail{}, GroupDetailList: []iamapi.GroupDetail{},
		RoleDetailList: []iamapi.RoleDetail{}, Policies: []iamapi.ManagedPolicyDetail{},
		IsTruncated: truncated, Marker: next,
	}
	for _, it := range page {
		switch {
		case it.u != nil:
			out.UserDetailList = append(out.UserDetailList, userDetail(it.u))
		case it.g != nil:
			out.GroupDetailList = append(out.GroupDetailList, groupDetail(it.g))
		case it.ro != nil:
			d, err := s.roleDetail(ctx, it.ro)
			if err != nil {
				return nil, err
			}
			out.RoleDetailList = append(out.RoleDetailList, d)
		default:
			out.Policies = append(out.Policies, policyDetail(it.p))
		}
	}
	return out, nil
}

func inlineDetails(p *Permissions) []iamapi.PolicyDetail {
	out := make([]iamapi.PolicyDetail, len(p.Inline))
	for i, ip := range p.Inline {
		out[i] = iamapi.PolicyDetail{PolicyName: aws.String(ip.Name), PolicyDocument: aws.String(encodeDocument(ip.Document))}
	}
	return out
}

func userDetail(u *User) iamapi.UserDetail {
	return iamapi.UserDetail{
		Path: aws.String(u.Path), UserName: aws.String(u.Name), UserId: aws.String(u.ID), Arn: aws.String(u.ARN()),
		CreateDate: aws.Time(u.CreatedAt), UserPolicyList: inlineDetails(&u.Permissions),
		GroupList: append([]string{}, u.Groups...), AttachedManagedPolicies: attachedWire(u.Attached),
		PermissionsBoundary: boundaryWire(u.Boundary), Tags: append([]iamapi.Tag{}, tagsToWire(u.Tags)...),
	}
}

func groupDetail(g *Group) iamapi.GroupDetail {
	return iamapi.GroupDetail{
		Path: aws.String(g.Path), GroupName: aws.String(g.Name), GroupId: aws.String(g.ID), Arn: aws.String(g.ARN()),
		CreateDate: aws.Time(g.CreatedAt), GroupPolicyList: inlineDetails(&g.Permissions),
		AttachedManagedPolicies: attachedWire(g.Attached),
	}
}

func (s *Service) roleDetail(ctx context.Context, ro *Role) (iamapi.RoleDetail, error) {
	d := iamapi.RoleDetail{
		Path: aws.String(ro.Path), RoleName: aws.String(ro.Name), RoleId: aws.String(ro.ID), Arn: aws.String(ro.ARN()),
		CreateDate: aws.Time(ro.CreatedAt), AssumeRolePolicyDocument: aws.String(encodeDocument(ro.Trust)),
		InstanceProfileList: []iamapi.InstanceProfile{}, RolePolicyList: inlineDetails(&ro.Permissions),
		AttachedManagedPolicies: attachedWire(ro.Attached), PermissionsBoundary: boundaryWire(ro.Boundary),
		Tags: append([]iamapi.Tag{}, tagsToWire(ro.Tags)...), RoleLastUsed: &iamapi.RoleLastUsed{},
	}
	profiles, err := s.profilesOf(ctx, ro)
	if err != nil {
		return d, err
	}
	for _, p := range profiles {
		w, err := s.profileWire(ctx, p, false)
		if err != nil {
			return d, err
		}
		d.InstanceProfileList = append(d.InstanceProfileList, w)
	}
	return d, nil
}

func policyDetail(p *Policy) iamapi.ManagedPolicyDetail {
	d := iamapi.ManagedPolicyDetail{
		PolicyName: aws.String(p.Name), PolicyId: aws.String(p.ID), Arn: aws.String(p.ARN()), Path: aws.String(p.Path),
		DefaultVersionId: aws.String(p.DefaultVersion), AttachmentCount: aws.Int32(int32(p.Attachments)),
		PermissionsBoundaryUsageCount: aws.Int32(int32(p.BoundaryUses)), IsAttachable: aws.Bool(true),
		CreateDate: aws.Time(p.CreatedAt), UpdateDate: aws.Time(p.UpdatedAt),
		PolicyVersionList: make([]iamapi.PolicyVersion, len(p.Versions)),
	}
	if p.Description != "" {
		d.Description = aws.String(p.Description)
	}
	for i := range p.Versions {
		d.PolicyVersionList[i] = p.versionWire(&p.Versions[i], true)
	}
	return d
}
