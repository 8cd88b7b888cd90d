package iam

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awsquery"
	"github.com/kumo-cloud/kumo/internal/awsquery/iamapi"
)

// TagUser adds or replaces tags on a user.
func (s *Service) TagUser(ctx context.Context, r *api.Request, in *iamapi.TagUserRequest) (*awsquery.Empty, error) {
	name := aws.ToString(in.UserName)
	if err := validName(name, "userName", maxUserName); err != nil {
		return nil, err
	}
	add, aerr := tagsFromWire(in.Tags)
	if aerr != nil {
		return nil, aerr
	}
	if err := s.authorize(ctx, r, userEntity, name, requestTagKeys(add)); err != nil {
		return nil, err
	}
	return &awsquery.Empty{}, retry(func() error {
		u, rev, err := s.user(ctx, r.AccountID, name)
		if err != nil {
			return err
		}
		tags, aerr := mergeTags(u.Tags, add)
		if aerr != nil {
			return aerr
		}
		u.Tags = tags
		return s.Store.Txn().Update(entityKey(r.AccountID, kindUser, u.Name), rev, u).Commit(ctx)
	})
}

// UntagUser removes tags from a user; keys it does not have are ignored.
func (s *Service) UntagUser(ctx context.Context, r *api.Request, in *iamapi.UntagUserRequest) (*awsquery.Empty, error) {
	name := aws.ToString(in.UserName)
	if err := validName(name, "userName", maxUserName); err != nil {
		return nil, err
	}
	if _, aerr := untag(nil, in.TagKeys); aerr != nil {
		return nil, aerr
	}
	if err := s.authorize(ctx, r, userEntity, name, untagKeys(in.TagKeys)); err != nil {
		return nil, err
	}
	return &awsquery.Empty{}, retry(func() error {
		u, rev, err := s.user(ctx, r.AccountID, name)
		if err != nil {
			return err
		}
		u.Tags, _ = untag(u.Tags, in.TagKeys)
		return s.Store.Txn().Update(entityKey(r.AccountID, kindUser, u.Name), rev, u).Commit(ctx)
	})
}

// ListUserTags lists a user's tags.
func (s *Service) ListUserTags(ctx context.Context, r *api.Request, in *iamapi.ListUserTagsRequest) (*iamapi.ListUserTagsResponse, error) {
	name := aws.ToString(in.UserName)
	if err := validName(name, "userName", maxUserName); err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, r, userEntity, name, nil); err != nil {
		return nil, err
	}
	u, _, err := s.user(ctx, r.AccountID, name)
	if err != nil {
		return nil, err
	}
	page, truncated, next, err := paginateOrdered(u.Tags, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &iamapi.ListUserTagsResponse{Tags: append([]iamapi.Tag{}, tagsToWire(page)...), IsTruncated: truncated, Marker: next}, nil
}
