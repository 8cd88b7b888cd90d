package iam

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/awsquery"
	"github.com/kumo-cloud/kumo/internal/awsquery/iamapi"
	"github.com/kumo-cloud/kumo/internal/iam/policy"
)

// wire returns the policy as IAM shows it. GetPolicy shows the description
// and tags; CreatePolicy the tags; ListPolicies neither.
func (p *Policy) wire(description, tags bool) iamapi.Policy {
	out := iamapi.Policy{
		PolicyName: aws.String(p.Name), PolicyId: aws.String(p.ID), Arn: aws.String(p.ARN()),
		Path: aws.String(p.Path), DefaultVersionId: aws.String(p.DefaultVersion),
		AttachmentCount:               aws.Int32(int32(p.Attachments)),
		PermissionsBoundaryUsageCount: aws.Int32(int32(p.BoundaryUses)),
		IsAttachable:                  aws.Bool(true),
		CreateDate:                    aws.Time(p.CreatedAt), UpdateDate: aws.Time(p.UpdatedAt),
	}
	if description && p.Description != "" {
		out.Description = aws.String(p.Description)
	}
	if tags {
		out.Tags = tagsToWire(p.Tags)
	}
	return out
}

// notOwned answers a change to an AWS managed policy, which only AWS makes.
func notOwned(r *api.Request, policyARN string) *awserr.Error {
	return awserr.New(http.StatusForbidden, "AccessDenied", "User: %s is not authorized to perform: iam:%s on resource: policy %s",
		r.PrincipalARN, r.Action, policyARN)
}

// managedDocument validates a managed policy document and its size.
func managedDocument(doc string) *awserr.Error {
	if _, err := parseDocument(doc, "policyDocument", policy.Managed); err != nil {
		return err
	}
	if policySize(doc) > maxManagedPolicySize {
		return limitExceeded("Cannot exceed quota for PolicySize: %d", maxManagedPolicySize)
	}
	return nil
}

// CreatePolicy makes a customer managed policy with version v1.
func (s *Service) CreatePolicy(ctx context.Context, r *api.Request, in *iamapi.CreatePolicyRequest) (*iamapi.CreatePolicyResponse, error) {
	name, doc := aws.ToString(in.PolicyName), aws.ToString(in.PolicyDocument)
	if err := validName(name, "policyName", maxPolicyName); err != nil {
		return nil, err
	}
	path, aerr := validPath(in.Path, "path")
	if aerr != nil {
		return nil, aerr
	}
	if err := validDescription(in.Description, "description"); err != nil {
		return nil, err
	}
	tags, aerr := tagsFromWire(in.Tags)
	if aerr != nil {
		return nil, aerr
	}
	if err := managedDocument(doc); err != nil {
		return nil, err
	}
	if err := r.AuthorizeOn(nil, policyEntity.created(r.AccountID, path, name, tags, nil)); err != nil {
		return nil, err
	}
	now := r.Now.UTC()
	p := &Policy{
		Account: r.AccountID, Name: name, ID: newUniqueID(policyIDPrefix), Path: path,
		Description: aws.ToString(in.Description), CreatedAt: now, UpdatedAt: now, Tags: tags,
		DefaultVersion: "v1", Versions: []PolicyVersion{{ID: "v1", Document: doc, CreatedAt: now}}, NextVersion: 2,
	}
	err := retry(func() error {
		key := entityKey(r.AccountID, kindPolicy, name)
		old, _, err := load[Policy](ctx, s.Store, key)
		if err != nil {
			return err
		}
		if old != nil {
			return alreadyExists("A policy called %s already exists. Duplicate names are not allowed.", name)
		}
		return s.Store.Txn().Create(key, p).Commit(ctx)
	})
	if err != nil {
		return nil, err
	}
	w := p.wire(false, true)
	return &iamapi.CreatePolicyResponse{Policy: &w}, nil
}

// GetPolicy returns a managed policy (without its document; see GetPolicyVersion).
func (s *Service) GetPolicy(ctx context.Context, r *api.Request, in *iamapi.GetPolicyRequest) (*iamapi.GetPolicyResponse, error) {
	if err := checkARN(aws.ToString(in.PolicyArn), "policyArn"); err != nil {
		return nil, err
	}
	if err := s.authorizePolicy(ctx, r, aws.ToString(in.PolicyArn)); err != nil {
		return nil, err
	}
	ref, err := s.mustFindPolicy(ctx, r.AccountID, aws.ToString(in.PolicyArn))
	if err != nil {
		return nil, err
	}
	w := ref.wire(true, true)
	return &iamapi.GetPolicyResponse{Policy: &w}, nil
}

// visiblePolicies returns the policies of scope (All, AWS, Local) with this
// account's counts, ordered by name.
func (s *Service) visiblePolicies(ctx context.Context, account, scope string) ([]*Policy, error) {
	var out []*Policy
	if scope != iamapi.PolicyScopeTypeLocal {
		for _, p := range awsManagedSorted() {
			ref, err := s.findPolicy(ctx, account, p.ARN())
			if err != nil {
				return nil, err
			}
			out = append(out, ref.Policy)
		}
	}
	if scope != iamapi.PolicyScopeTypeAWS {
		local, err := listAll[Policy](ctx, s.Store, account, kindPolicy)
		if err != nil {
			return nil, err
		}
		out = append(out, local...)
	}
	slices.SortStableFunc(out, func(a, b *Policy) int { return strings.Compare(policyOrder(a), policyOrder(b)) })
	return out, nil
}

// policyOrder is the listing and paging key of a policy.
func policyOrder(p *Policy) string { return nameKey(p.Name) + "\x00" + p.Account }

// ListPolicies lists managed policies by scope, path and use.
func (s *Service) ListPolicies(ctx context.Context, r *api.Request, in *iamapi.ListPoliciesRequest) (*iamapi.ListPoliciesResponse, error) {
	scope := aws.ToString(in.Scope)
	switch scope {
	case "":
		scope = iamapi.PolicyScopeTypeAll
	case iamapi.PolicyScopeTypeAll, iamapi.PolicyScopeTypeAWS, iamapi.PolicyScopeTypeLocal:
	default:
		return nil, constraint(scope, "scope", "Member must satisfy enum value set: [All, AWS, Local]")
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
	// ListPolicies has no resource type: it is evaluated on "*".
	if err := r.Authorize(nil); err != nil {
		return nil, err
	}
	all, err := s.visiblePolicies(ctx, r.AccountID, scope)
	if err != nil {
		return nil, err
	}
	onlyAttached := aws.ToBool(in.OnlyAttached)
	all = slices.DeleteFunc(all, func(p *Policy) bool {
		if !strings.HasPrefix(p.Path, prefix) {
			return true
		}
		if !onlyAttached {
			return false
		}
		switch usage {
		case iamapi.PolicyUsageTypePermissionsPolicy:
			return p.Attachments == 0
		case iamapi.PolicyUsageTypePermissionsBoundary:
			return p.BoundaryUses == 0
		}
		return p.Attachments == 0 && p.BoundaryUses == 0
	})
	page, truncated, next, err := paginate(all, policyOrder, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &iamapi.ListPoliciesResponse{Policies: make([]iamapi.Policy, len(page)), IsTruncated: truncated, Marker: next}
	for i, p := range page {
		out.Policies[i] = p.wire(false, false)
	}
	return out, nil
}

// DeletePolicy deletes a customer managed policy that is attached nowhere
// and has only its default version left.
func (s *Service) DeletePolicy(ctx context.Context, r *api.Request, in *iamapi.DeletePolicyRequest) (*awsquery.Empty, error) {
	policyARN := aws.ToString(in.PolicyArn)
	if err := checkARN(policyARN, "policyArn"); err != nil {
		return nil, err
	}
	if err := s.authorizePolicy(ctx, r, policyARN); err != nil {
		return nil, err
	}
	return &awsquery.Empty{}, retry(func() error {
		ref, err := s.mustFindPolicy(ctx, r.AccountID, policyARN)
		if err != nil {
			return err
		}
		switch {
		case ref.aws:
			return notOwned(r, policyARN)
		case ref.Attachments > 0 || ref.BoundaryUses > 0:
			return deleteConflict("Cannot delete a policy attached to entities.")
		case len(ref.Versions) > 1:
			return deleteConflict("This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.")
		}
		return s.Store.Txn().Delete(ref.key, ref.rev).Commit(ctx)
	})
}
