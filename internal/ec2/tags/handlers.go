package tags

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/awsquery"
	"github.com/kumo-cloud/kumo/internal/awsquery/ec2api"
	"github.com/kumo-cloud/kumo/internal/ec2/filter"
	"github.com/kumo-cloud/kumo/internal/ec2/paging"
	"github.com/kumo-cloud/kumo/internal/store"
)

// Handlers serves CreateTags, DeleteTags and DescribeTags.
type Handlers struct {
	Store *store.Store
}

// CreateTags adds or overwrites tags on resources of any kind.
func (h *Handlers) CreateTags(ctx context.Context, r *api.Request, in *ec2api.CreateTagsRequest) (*awsquery.Empty, error) {
	add := FromWire(in.Tags)
	if err := Validate(add); err != nil {
		return nil, err
	}
	if err := checkIDs(in.Resources); err != nil {
		return nil, err
	}
	resources, err := authzOf(ctx, h.Store, r.Region, r.AccountID, in.Resources, keysOf(add))
	if err != nil {
		return nil, err
	}
	if err := r.AuthorizeOn(in.DryRun, resources...); err != nil {
		return nil, err
	}
	err = UpdateAll(ctx, h.Store, r.Region, r.AccountID, in.Resources, func(have map[string]string) (map[string]string, error) {
		return Apply(have, add)
	})
	if err != nil {
		return nil, err
	}
	return &awsquery.Empty{}, nil
}

// DeleteTags removes tags: by key, or by key and value when a value is given;
// without tags it removes every tag (except aws: ones, which users cannot touch).
func (h *Handlers) DeleteTags(ctx context.Context, r *api.Request, in *ec2api.DeleteTagsRequest) (*awsquery.Empty, error) {
	for _, t := range in.Tags {
		if err := ValidateKey(aws.ToString(t.Key)); err != nil {
			return nil, err
		}
	}
	if err := checkIDs(in.Resources); err != nil {
		return nil, err
	}
	resources, err := authzOf(ctx, h.Store, r.Region, r.AccountID, in.Resources, keysOf(FromWire(in.Tags)))
	if err != nil {
		return nil, err
	}
	if err := r.AuthorizeOn(in.DryRun, resources...); err != nil {
		return nil, err
	}
	err = UpdateAll(ctx, h.Store, r.Region, r.AccountID, in.Resources, func(have map[string]string) (map[string]string, error) {
		out := map[string]string{}
		if len(in.Tags) == 0 {
			return out, nil
		}
		for k, v := range have {
			out[k] = v
		}
		for _, t := range in.Tags {
			k := aws.ToString(t.Key)
			if t.Value == nil || *t.Value == out[k] {
				delete(out, k)
			}
		}
		return out, nil
	})
	if err != nil {
		return nil, err
	}
	return &awsquery.Empty{}, nil
}

func checkIDs(ids []string) error {
	if len(ids) == 0 {
		return awserr.MissingParameter("ResourceId")
	}
	for _, id := range ids {
		if _, err := ResourceError(id); err != nil {
			return err
		}
	}
	return nil
}

var describeFilters = []string{"key", "resource-id", "resource-type", "value"}

// DescribeTags lists the tags of the caller's resources.
func (h *Handlers) DescribeTags(ctx context.Context, r *api.Request, in *ec2api.DescribeTagsRequest) (*ec2api.DescribeTagsResult, error) {
	fs, err := filter.FromWire(in.Filters, describeFilters, true)
	if err != nil {
		return nil, err
	}
	pg := paging.Request{Op: "DescribeTags", MaxResults: in.MaxResults, NextToken: in.NextToken}
	size, err := pg.Bounds(5, 1000, 0)
	if err != nil {
		return nil, err
	}
	if _, err := pg.After(); err != nil {
		return nil, err
	}
	if err := r.Authorize(in.DryRun); err != nil {
		return nil, err
	}
	all, err := ListAll(ctx, h.Store, r.Region, r.AccountID)
	if err != nil {
		return nil, err
	}
	var hits []Tagged
	for _, t := range all {
		fields := filter.Values(map[string][]string{
			"key": {t.Key}, "value": {t.Value}, "resource-id": {t.ResourceID}, "resource-type": {t.ResourceType},
		})
		// tag:<key> on DescribeTags matches the tag itself.
		if fs.Match(fields, map[string]string{t.Key: t.Value}) {
			hits = append(hits, t)
		}
	}
	page, next, err := paging.Page(pg, hits, size, func(t Tagged) string { return t.ResourceID + "\x00" + t.Key })
	if err != nil {
		return nil, err
	}
	out := &ec2api.DescribeTagsResult{Tags: []ec2api.TagDescription{}, NextToken: next}
	for _, t := range page {
		out.Tags = append(out.Tags, ec2api.TagDescription{
			Key: aws.String(t.Key), Value: aws.String(t.Value),
			ResourceId: aws.String(t.ResourceID), ResourceType: aws.String(t.ResourceType),
		})
	}
	return out, nil
}
