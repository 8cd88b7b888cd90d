package iam

import (
	"context"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/awsquery"
	"github.com/kumo-cloud/kumo/internal/awsquery/iamapi"
)

// maxPolicyVersions is IAM's VersionsPerPolicy quota.
const maxPolicyVersions = 5

// validVersionID checks a version id: v1, v2, ….
func validVersionID(id string) *awserr.Error {
	ok := len(id) >= 2 && id[0] == 'v' && id[1] >= '1' && id[1] <= '9'
	for i := 2; ok && i < len(id); i++ {
		if id[i] == '.' { // the model allows a suffix after a dot
			break
		}
		ok = id[i] >= '0' && id[i] <= '9'
	}
	if !ok {
		return constraint(id, "versionId", `Member must satisfy regular expression pattern: v[1-9][0-9]*(\.[A-Za-z0-9-]*)?`)
	}
	return nil
}

func (p *Policy) versionWire(v *PolicyVersion, document bool) iamapi.PolicyVersion {
	out := iamapi.PolicyVersion{
		VersionId: aws.String(v.ID), IsDefaultVersion: aws.Bool(v.ID == p.DefaultVersion), CreateDate: aws.Time(v.CreatedAt),
	}
	if document {
		out.Document = aws.String(encodeDocument(v.Document))
	}
	return out
}

func noSuchVersion(policyARN, id string) *awserr.Error {
	return noSuchEntity("Policy %s version %s does not exist or is not attachable.", policyARN, id)
}

// CreatePolicyVersion adds a version to a customer managed policy (at most
// five), optionally making it the default.
func (s *Service) CreatePolicyVersion(ctx context.Context, r *api.Request, in *iamapi.CreatePolicyVersionRequest) (*iamapi.CreatePolicyVersionResponse, error) {
	policyARN, doc := aws.ToString(in.PolicyArn), aws.ToString(in.PolicyDocument)
	if err := checkARN(policyARN, "policyArn"); err != nil {
		return nil, err
	}
	if err := managedDocument(doc); err != nil {
		return nil, err
	}
	if err := s.authorizePolicy(ctx, r, policyARN); err != nil {
		return nil, err
	}
	var out iamapi.PolicyVersion
	err := retry(func() error {
		ref, err := s.mustFindPolicy(ctx, r.AccountID, policyARN)
		if err != nil {
			return err
		}
		if ref.aws {
			return notOwned(r, policyARN)
		}
		p := ref.Policy
		if len(p.Versions) >= maxPolicyVersions {
			return limitExceeded("A managed policy can have up to %d versions. Before you create a new version, you must delete an existing version.", maxPolicyVersions)
		}
		v := PolicyVersion{ID: fmt.Sprintf("v%d", p.NextVersion), Document: doc, CreatedAt: r.Now.UTC()}
		p.NextVersion++
		p.Versions = append(p.Versions, v)
		if aws.ToBool(in.SetAsDefault) {
			p.DefaultVersion = v.ID
			p.UpdatedAt = v.CreatedAt
		}
		out = p.versionWire(&v, false)
		return s.Store.Txn().Update(ref.key, ref.rev, p).Commit(ctx)
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.CreatePolicyVersionResponse{PolicyVersion: &out}, nil
}

// GetPolicyVersion returns one version with its (URL-encoded) document.
func (s *Service) GetPolicyVersion(ctx context.Context, r *api.Request, in *iamapi.GetPolicyVersionRequest) (*iamapi.GetPolicyVersionResponse, error) {
	policyARN, id := aws.ToString(in.PolicyArn), aws.ToString(in.VersionId)
	if err := checkARN(policyARN, "policyArn"); err != nil {
		return nil, err
	}
	if err := validVersionID(id); err != nil {
		return nil, err
	}
	if err := s.authorizePolicy(ctx, r, policyARN); err != nil {
		return nil, err
	}
	ref, err := s.mustFindPolicy(ctx, r.AccountID, policyARN)
	if err != nil {
		return nil, err
	}
	v := ref.version(id)
	if v == nil {
		return nil, noSuchVersion(policyARN, id)
	}
	w := ref.versionWire(v, true)
	return &iamapi.GetPolicyVersionResponse{PolicyVersion: &w}, nil
}

// ListPolicyVersions lists the versions of a policy, newest first, without
// their documents.
func (s *Service) ListPolicyVersions(ctx context.Context, r *api.Request, in *iamapi.ListPolicyVersionsRequest) (*iamapi.ListPolicyVersionsResponse, error) {
	policyARN := aws.ToString(in.PolicyArn)
	if err := checkARN(policyARN, "policyArn"); err != nil {
		return nil, err
	}
	if _, err := pageSize(in.MaxItems); err != nil {
		return nil, err
	}
	if err := s.authorizePolicy(ctx, r, policyARN); err != nil {
		return nil, err
	}
	ref, err := s.mustFindPolicy(ctx, r.AccountID, policyARN)
	if err != nil {
		return nil, err
	}
	versions := slices.Clone(ref.Versions)
	slices.Reverse(versions)
	page, truncated, next, err := paginateOrdered(versions, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &iamapi.ListPolicyVersionsResponse{Versions: make([]iamapi.PolicyVersion, len(page)), IsTruncated: truncated, Marker: next}
	for i := range page {
		out.Versions[i] = ref.versionWire(&page[i], false)
	}
	return out, nil
}

// DeletePolicyVersion deletes a version that is not the default.
func (s *Service) DeletePolicyVersion(ctx context.Context, r *api.Request, in *iamapi.DeletePolicyVersionRequest) (*awsquery.Empty, error) {
	policyARN, id := aws.ToString(in.PolicyArn), aws.ToString(in.VersionId)
	if err := checkARN(policyARN, "policyArn"); err != nil {
		return nil, err
	}
	if err := validVersionID(id); err != nil {
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
		if ref.aws {
			return notOwned(r, policyARN)
		}
		p := ref.Policy
		if p.version(id) == nil {
			return noSuchVersion(policyARN, id)
		}
		if id == p.DefaultVersion {
			return deleteConflict("Cannot delete the default version of a policy.")
		}
		p.Versions = slices.DeleteFunc(p.Versions, func(v PolicyVersion) bool { return v.ID == id })
		return s.Store.Txn().Update(ref.key, ref.rev, p).Commit(ctx)
	})
}

// SetDefaultPolicyVersion makes a version the one in force.
func (s *Service) SetDefaultPolicyVersion(ctx context.Context, r *api.Request, in *iamapi.SetDefaultPolicyVersionRequest) (*awsquery.Empty, error) {
	policyARN, id := aws.ToString(in.PolicyArn), aws.ToString(in.VersionId)
	if err := checkARN(policyARN, "policyArn"); err != nil {
		return nil, err
	}
	if err := validVersionID(id); err != nil {
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
		if ref.aws {
			return notOwned(r, policyARN)
		}
		p := ref.Policy
		if p.version(id) == nil {
			return noSuchVersion(policyARN, id)
		}
		if p.DefaultVersion == id {
			return nil
		}
		p.DefaultVersion = id
		p.UpdatedAt = r.Now.UTC()
		return s.Store.Txn().Update(ref.key, ref.rev, p).Commit(ctx)
	})
}
