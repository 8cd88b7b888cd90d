package iam

import (
	"context"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awsquery"
	"github.com/kumo-cloud/kumo/internal/awsquery/iamapi"
	"github.com/kumo-cloud/kumo/internal/iam/policy"
)

// PutUserPolicy adds or replaces an inline policy of a user.
func (s *Service) PutUserPolicy(ctx context.Context, r *api.Request, in *iamapi.PutUserPolicyRequest) (*awsquery.Empty, error) {
	return s.putInline(ctx, r, userKind, aws.ToString(in.UserName), aws.ToString(in.PolicyName), aws.ToString(in.PolicyDocument))
}

// PutGroupPolicy adds or replaces an inline policy of a group.
func (s *Service) PutGroupPolicy(ctx context.Context, r *api.Request, in *iamapi.PutGroupPolicyRequest) (*awsquery.Empty, error) {
	return s.putInline(ctx, r, groupKind, aws.ToString(in.GroupName), aws.ToString(in.PolicyName), aws.ToString(in.PolicyDocument))
}

// PutRolePolicy adds or replaces an inline policy of a role.
func (s *Service) PutRolePolicy(ctx context.Context, r *api.Request, in *iamapi.PutRolePolicyRequest) (*awsquery.Empty, error) {
	return s.putInline(ctx, r, roleKind, aws.ToString(in.RoleName), aws.ToString(in.PolicyName), aws.ToString(in.PolicyDocument))
}

// GetUserPolicy returns a user's inline policy, its document URL-encoded.
func (s *Service) GetUserPolicy(ctx context.Context, r *api.Request, in *iamapi.GetUserPolicyRequest) (*iamapi.GetUserPolicyResponse, error) {
	name, doc, err := s.getInline(ctx, r, userKind, aws.ToString(in.UserName), aws.ToString(in.PolicyName))
	if err != nil {
		return nil, err
	}
	return &iamapi.GetUserPolicyResponse{UserName: aws.String(name), PolicyName: in.PolicyName, PolicyDocument: aws.String(doc)}, nil
}

// GetGroupPolicy returns a group's inline policy, its document URL-encoded.
func (s *Service) GetGroupPolicy(ctx context.Context, r *api.Request, in *iamapi.GetGroupPolicyRequest) (*iamapi.GetGroupPolicyResponse, error) {
	name, doc, err := s.getInline(ctx, r, groupKind, aws.ToString(in.GroupName), aws.ToString(in.PolicyName))
	if err != nil {
		return nil, err
	}
	return &iamapi.GetGroupPolicyResponse{GroupName: aws.String(name), PolicyName: in.PolicyName, PolicyDocument: aws.String(doc)}, nil
}

// GetRolePolicy returns a role's inline policy, its document URL-encoded.
func (s *Service) GetRolePolicy(ctx context.Context, r *api.Request, in *iamapi.GetRolePolicyRequest) (*iamapi.GetRolePolicyResponse, error) {
	name, doc, err := s.getInline(ctx, r, roleKind, aws.ToString(in.RoleName), aws.ToString(in.PolicyName))
	if err != nil {
		return nil, err
	}
	return &iamapi.GetRolePolicyResponse{RoleName: aws.String(name), PolicyName: in.PolicyName, PolicyDocument: aws.String(doc)}, nil
}

// ListUserPolicies lists the names of a user's inline policies.
func (s *Service) ListUserPolicies(ctx context.Context, r *api.Request, in *iamapi.ListUserPoliciesRequest) (*iamapi.ListUserPoliciesResponse, error) {
	names, truncated, next, err := s.listInline(ctx, r, userKind, aws.ToString(in.UserName), in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &iamapi.ListUserPoliciesResponse{PolicyNames: names, IsTruncated: truncated, Marker: next}, nil
}

// ListGroupPolicies lists the names of a group's inline policies.
func (s *Service) ListGroupPolicies(ctx context.Context, r *api.Request, in *iamapi.ListGroupPoliciesRequest) (*iamapi.ListGroupPoliciesResponse, error) {
	names, truncated, next, err := s.listInline(ctx, r, groupKind, aws.ToString(in.GroupName), in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &iamapi.ListGroupPoliciesResponse{PolicyNames: names, IsTruncated: truncated, Marker: next}, nil
}

// ListRolePolicies lists the names of a role's inline policies.
func (s *Service) ListRolePolicies(ctx context.Context, r *api.Request, in *iamapi.ListRolePoliciesRequest) (*iamapi.ListRolePoliciesResponse, error) {
	names, truncated, next, err := s.listInline(ctx, r, roleKind, aws.ToString(in.RoleName), in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &iamapi.ListRolePoliciesResponse{PolicyNames: names, IsTruncated: truncated, Marker: next}, nil
}

// DeleteUserPolicy deletes a user's inline policy.
func (s *Service) DeleteUserPolicy(ctx context.Context, r *api.Request, in *iamapi.DeleteUserPolicyRequest) (*awsquery.Empty, error) {
	return s.deleteInline(ctx, r, userKind, aws.ToString(in.UserName), aws.ToString(in.PolicyName))
}

// DeleteGroupPolicy deletes a group's inline policy.
func (s *Service) DeleteGroupPolicy(ctx context.Context, r *api.Request, in *iamapi.DeleteGroupPolicyRequest) (*awsquery.Empty, error) {
	return s.deleteInline(ctx, r, groupKind, aws.ToString(in.GroupName), aws.ToString(in.PolicyName))
}

// DeleteRolePolicy deletes a role's inline policy.
func (s *Service) DeleteRolePolicy(ctx context.Context, r *api.Request, in *iamapi.DeleteRolePolicyRequest) (*awsquery.Empty, error) {
	return s.deleteInline(ctx, r, roleKind, aws.ToString(in.RoleName), aws.ToString(in.PolicyName))
}

// putInline validates the document and the aggregate size quota of the
// entity's inline policies, then stores the document as it was sent.
func (s *Service) putInline(ctx context.Context, r *api.Request, k holderKind, name, policyName, doc string) (*awsquery.Empty, error) {
	if err := validName(name, k.member, k.maxName); err != nil {
		return nil, err
	}
	if err := validName(policyName, "policyName", maxPolicyName); err != nil {
		return nil, err
	}
	if _, err := parseDocument(doc, "policyDocument", policy.Identity); err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, r, k.entity, name, nil); err != nil {
		return nil, err
	}
	return &awsquery.Empty{}, retry(func() error {
		h, rev, err := k.load(ctx, s, r.AccountID, name)
		if err != nil {
			return err
		}
		p := h.perms()
		if ip := p.inline(policyName); ip != nil {
			ip.Document = doc
		} else {
			p.Inline = append(p.Inline, InlinePolicy{Name: policyName, Document: doc})
			slices.SortFunc(p.Inline, func(a, b InlinePolicy) int { return strings.Compare(a.Name, b.Name) })
		}
		size := 0
		for _, ip := range p.Inline {
			size += policySize(ip.Document)
		}
		if size > k.maxInline {
			return limitExceeded("Maximum policy size of %d bytes exceeded for %s %s", k.maxInline, k.label, h.entityName())
		}
		return s.Store.Txn().Update(entityKey(r.AccountID, k.kind, h.entityName()), rev, h).Commit(ctx)
	})
}

func (s *Service) getInline(ctx context.Context, r *api.Request, k holderKind, name, policyName string) (entity, doc string, err error) {
	if err := validName(name, k.member, k.maxName); err != nil {
		return "", "", err
	}
	if err := validName(policyName, "policyName", maxPolicyName); err != nil {
		return "", "", err
	}
	if err := s.authorize(ctx, r, k.entity, name, nil); err != nil {
		return "", "", err
	}
	h, _, err := k.load(ctx, s, r.AccountID, name)
	if err != nil {
		return "", "", err
	}
	ip := h.perms().inline(policyName)
	if ip == nil {
		return "", "", noSuchEntity("The %s policy with name %s cannot be found.", k.label, policyName)
	}
	return h.entityName(), encodeDocument(ip.Document), nil
}

func (s *Service) listInline(ctx context.Context, r *api.Request, k holderKind, name string, marker *string, maxItems *int32) ([]string, *bool, *string, error) {
	if err := validName(name, k.member, k.maxName); err != nil {
		return nil, nil, nil, err
	}
	if _, err := pageSize(maxItems); err != nil {
		return nil, nil, nil, err
	}
	if err := s.authorize(ctx, r, k.entity, name, nil); err != nil {
		return nil, nil, nil, err
	}
	h, _, err := k.load(ctx, s, r.AccountID, name)
	if err != nil {
		return nil, nil, nil, err
	}
	names := []string{}
	for _, ip := range h.perms().Inline {
		names = append(names, ip.Name)
	}
	page, truncated, next, err := paginate(names, func(n string) string { return n }, marker, maxItems)
	if err != nil {
		return nil, nil, nil, err
	}
	return append([]string{}, page...), truncated, next, nil
}

func (s *Service) deleteInline(ctx context.Context, r *api.Request, k holderKind, name, policyName string) (*awsquery.Empty, error) {
	if err := validName(name, k.member, k.maxName); err != nil {
		return nil, err
	}
	if err := validName(policyName, "policyName", maxPolicyName); err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, r, k.entity, name, nil); err != nil {
		return nil, err
	}
	return &awsquery.Empty{}, retry(func() error {
		h, rev, err := k.load(ctx, s, r.AccountID, name)
		if err != nil {
			return err
		}
		p := h.perms()
		if p.inline(policyName) == nil {
			return noSuchEntity("The %s policy with name %s cannot be found.", k.label, policyName)
		}
		p.Inline = slices.DeleteFunc(p.Inline, func(ip InlinePolicy) bool { return ip.Name == policyName })
		return s.Store.Txn().Update(entityKey(r.AccountID, k.kind, h.entityName()), rev, h).Commit(ctx)
	})
}
