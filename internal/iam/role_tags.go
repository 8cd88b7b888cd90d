package iam

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awsquery"
	"github.com/kumo-cloud/kumo/internal/awsquery/iamapi"
)

// TagRole adds or replaces tags on a role.
func (s *Service) TagRole(ctx context.Context, r *api.Request, in *iamapi.TagRoleRequest) (*awsquery.Empty, error) {
	name := aws.ToString(in.RoleName)
	if err := validName(name, "roleName", maxRoleName); err != nil {
		return nil, err
	}
	add, aerr := tagsFromWire(in.Tags)
	if aerr != nil {
		return nil, aerr
	}
	if err := s.authorize(ctx, r, roleEntity, name, requestTagKeys(add)); err != nil {
		return nil, err
	}
	return &awsquery.Empty{}, retry(func() error {
		ro, rev, err := s.role(ctx, r.AccountID, name)
		if err != nil {
			return err
		}
		tags, aerr := mergeTags(ro.Tags, add)
		if aerr != nil {
			return aerr
		}
		ro.Tags = tags
		return s.Store.Txn().Update(entityKey(r.AccountID, kindRole, ro.Name), rev, ro).Commit(ctx)
	})
}

// UntagRole removes tags from a role.
func (s *Service) UntagRole(ctx context.Context, r *api.Request, in *iamapi.UntagRoleRequest) (*awsquery.Empty, error) {
	name := aws.ToString(in.RoleName)
	if err := validName(name, "roleName", maxRoleName); err != nil {
		return nil, err
	}
	if _, aerr := untag(nil, in.TagKeys); aerr != nil {
		return nil, aerr
	}
	if err := s.authorize(ctx, r, roleEntity, name, untagKeys(in.TagKeys)); err != nil {
		return nil, err
	}
	return &awsquery.Empty{}, retry(func() error {
		ro, rev, err := s.role(ctx, r.AccountID, name)
		if err != nil {
			return err
		}
		ro.Tags, _ = untag(ro.Tags, in.TagKeys)
		return s.Store.Txn().Update(entityKey(r.AccountID, kindRole, ro.Name), rev, ro).Commit(ctx)
	})
}
