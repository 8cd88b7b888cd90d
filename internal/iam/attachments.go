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

// AttachUserPolicy attaches a managed policy to a user.
func (s *Service) AttachUserPolicy(ctx context.Context, r *api.Request, in *iamapi.AttachUserPolicyRequest) (*awsquery.Empty, error) {
	return s.attach(ctx, r, userKind, aws.ToString(in.UserName), aws.ToString(in.PolicyArn))
}

// AttachGroupPolicy attaches a managed policy to a group.
func (s *Service) AttachGroupPolicy(ctx context.Context, r *api.Request, in *iamapi.AttachGroupPolicyRequest) (*awsquery.Empty, error) {
	return s.attach(ctx, r, groupKind, aws.ToString(in.GroupName), aws.ToString(in.PolicyArn))
}

// AttachRolePolicy attaches a managed policy to a role.
func (s *Service) AttachRolePolicy(ctx context.Context, r *api.Request, in *iamapi.AttachRolePolicyRequest) (*awsquery.Empty, error) {
	return s.attach(ctx, r, roleKind, aws.ToString(in.RoleName), aws.ToString(in.PolicyArn))
}

// DetachUserPolicy detaches a managed policy from a user.
func (s *Service) DetachUserPolicy(ctx context.Context, r *api.Request, in *iamapi.DetachUserPolicyRequest) (*awsquery.Empty, error) {
	return s.detach(ctx, r, userKind, aws.ToString(in.UserName), aws.ToString(in.PolicyArn))
}

// DetachGroupPolicy detaches a managed policy from a group.
func (s *Service) DetachGroupPolicy(ctx context.Context, r *api.Request, in *iamapi.DetachGroupPolicyRequest) (*awsquery.Empty, error) {
	return s.detach(ctx, r, groupKind, aws.ToString(in.GroupName), aws.ToString(in.PolicyArn))
}

// DetachRolePolicy detaches a managed policy from a role.
func (s *Service) DetachRolePolicy(ctx context.Context, r *api.Request, in *iamapi.DetachRolePolicyRequest) (*awsquery.Empty, error) {
	return s.detach(ctx, r, roleKind, aws.ToString(in.RoleName), aws.ToString(in.PolicyArn))
}

// attach adds policyARN to the entity's attached policies (at most ten) and
// counts the attachment on the policy, in one transaction. Attaching a policy
// that is already attached changes nothing.
func (s *Service) attach(ctx context.Context, r *api.Request, k holderKind, name, policyARN string) (*awsquery.Empty, error) {
	if err := validName(name, k.member, k.maxName); err != nil {
		return nil, err
	}
	if err := checkARN(policyARN, "policyArn"); err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, r, k.entity, name, policyARNKey(policyARN)); err != nil {
		return nil, err
	}
	return &awsquery.Empty{}, retry(func() error {
		h, rev, err := k.load(ctx, s, r.AccountID, name)
		if err != nil {
			return err
		}
		ref, err := s.attachable(ctx, r.AccountID, policyARN, "policyArn")
		if err != nil {
			return err
		}
		p := h.perms()
		if slices.Contains(p.Attached, policyARN) {
			return nil
		}
		if len(p.Attached) >= maxAttached {
			return limitExceeded("Cannot exceed quota for %s: %d", k.quota, maxAttached)
		}
		p.Attached = append(p.Attached, policyARN)
		t := s.Store.Txn().Update(entityKey(r.AccountID, k.kind, h.entityName()), rev, h)
		ref.adjust(t, 1, 0)
		return t.Commit(ctx)
	})
}

// detach removes policyARN from the entity's attached policies.
func (s *Service) detach(ctx context.Context, r *api.Request, k holderKind, name, policyARN string) (*awsquery.Empty, error) {
	if err := validName(name, k.member, k.maxName); err != nil {
		return nil, err
	}
	if err := checkARN(policyARN, "policyArn"); err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, r, k.entity, name, policyARNKey(policyARN)); err != nil {
		return nil, err
	}
	return &awsquery.Empty{}, retry(func() error {
		h, rev, err := k.load(ctx, s, r.AccountID, name)
		if err != nil {
			return err
		}
		p := h.perms()
		ref, err := s.findPolicy(ctx, r.AccountID, policyARN)
		if err != nil {
			return err
		}
		if ref == nil || !slices.Contains(p.Attached, policyARN) {
			return noSuchEntity("Policy %s was not found.", policyARN)
		}
		p.Attached = remove(p.Attached, policyARN)
		t := s.Store.Txn().Update(entityKey(r.AccountID, k.kind, h.entityName()), rev, h)
		ref.adjust(t, -1, 0)
		return t.Commit(ctx)
	})
}

// ListAttachedUserPolicies lists the managed policies attached to a user.
func (s *Service) ListAttachedUserPolicies(ctx context.Context, r *api.Request, in *iamapi.ListAttachedUserPoliciesRequest) (*iamapi.ListAttachedUserPoliciesResponse, error) {
	page, truncated, next, err := s.listAttached(ctx, r, userKind, aws.ToString(in.UserName), in.PathPrefix, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &iamapi.ListAttachedUserPoliciesResponse{AttachedPolicies: page, IsTruncated: truncated, Marker: next}, nil
}

// ListAttachedGroupPolicies lists the managed policies attached to a group.
func (s *Service) ListAttachedGroupPolicies(ctx context.Context, r *api.Request, in *iamapi.ListAttachedGroupPoliciesRequest) (*iamapi.ListAttachedGroupPoliciesResponse, error) {
	page, truncated, next, err := s.listAttached(ctx, r, groupKind, aws.ToString(in.GroupName), in.PathPrefix, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &iamapi.ListAttachedGroupPoliciesResponse{AttachedPolicies: page, IsTruncated: truncated, Marker: next}, nil
}

// ListAttachedRolePolicies lists the managed policies attached to a role.
func (s *Service) ListAttachedRolePolicies(ctx context.Context, r *api.Request, in *iamapi.ListAttachedRolePoliciesRequest) (*iamapi.ListAttachedRolePoliciesResponse, error) {
	page, truncated, next, err := s.listAttached(ctx, r, roleKind, aws.ToString(in.RoleName), in.PathPrefix, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &iamapi.ListAttachedRolePoliciesResponse{AttachedPolicies: page, IsTruncated: truncated, Marker: next}, nil
}

func (s *Service) listAttached(ctx context.Context, r *api.Request, k holderKind, name string, pathPrefix, marker *string, maxItems *int32) ([]iamapi.AttachedPolicy, *bool, *string, error) {
	if err := validName(name, k.member, k.maxName); err != nil {
		return nil, nil, nil, err
	}
	prefix, aerr := validPathPrefix(pathPrefix)
	if aerr != nil {
		return nil, nil, nil, aerr
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
	attached := attachedWire(h.perms().Attached)
	attached = slices.DeleteFunc(attached, func(a iamapi.AttachedPolicy) bool {
		_, path, _, _ := splitPolicyARN(aws.ToString(a.PolicyArn))
		return !strings.HasPrefix(path, prefix)
	})
	page, truncated, next, err := paginateOrdered(attached, marker, maxItems)
	if err != nil {
		return nil, nil, nil, err
	}
	return append([]iamapi.AttachedPolicy{}, page...), truncated, next, nil
}

// attachedWire names attached policies by ARN and name.
func attachedWire(arns []string) []iamapi.AttachedPolicy {
	out := make([]iamapi.AttachedPolicy, len(arns))
	for i, a := range arns {
		_, _, name, _ := splitPolicyARN(a)
		out[i] = iamapi.AttachedPolicy{PolicyName: aws.String(name), PolicyArn: aws.String(a)}
	}
	return out
}
