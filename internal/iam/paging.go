package iam

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awserr"
)

// IAM pages with Marker and MaxItems: MaxItems is 1..1000 (100 when unset),
// IsTruncated says whether more remain, and Marker, opaque to the caller,
// continues after the last item returned.
const (
	defaultMaxItems = 100
	maxMaxItems     = 1000
	markerPrefix    = "kumo1:"
)

func pageSize(maxItems *int32) (int, *awserr.Error) {
	if maxItems == nil {
		return defaultMaxItems, nil
	}
	n := int(*maxItems)
	if n < 1 {
		return 0, constraint(n, "maxItems", "Member must have value greater than or equal to 1")
	}
	if n > maxMaxItems {
		return 0, constraint(n, "maxItems", "Member must have value less than or equal to 1000")
	}
	return n, nil
}

func markerAfter(marker *string) (string, *awserr.Error) {
	if marker == nil {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(*marker)
	if err != nil || !strings.HasPrefix(string(b), markerPrefix) || len(b) == len(markerPrefix) {
		return "", validationError("Invalid Marker.")
	}
	return string(b[len(markerPrefix):]), nil
}

func newMarker(key string) *string {
	return aws.String(base64.RawURLEncoding.EncodeToString([]byte(markerPrefix + key)))
}

// paginate cuts one page out of items, which key orders ascending, after
// the marker's key. It returns the page, IsTruncated and the next Marker.
func paginate[T any](items []T, key func(T) string, marker *string, maxItems *int32) ([]T, *bool, *string, error) {
	size, aerr := pageSize(maxItems)
	if aerr != nil {
		return nil, nil, nil, aerr
	}
	after, aerr := markerAfter(marker)
	if aerr != nil {
		return nil, nil, nil, aerr
	}
	start := 0
	if after != "" {
		for start < len(items) && key(items[start]) <= after {
			start++
		}
	}
	items = items[start:]
	if len(items) <= size {
		return items, aws.Bool(false), nil, nil
	}
	items = items[:size]
	return items, aws.Bool(true), newMarker(key(items[size-1])), nil
}

// paginateOrdered is paginate for items that keep their own order (attach
// order, versions): the marker names a position.
func paginateOrdered[T any](items []T, marker *string, maxItems *int32) ([]T, *bool, *string, error) {
	idx := make([]int, len(items))
	for i := range idx {
		idx[i] = i
	}
	page, truncated, next, err := paginate(idx, func(i int) string { return fmt.Sprintf("%08d", i) }, marker, maxItems)
	if err != nil {
		return nil, nil, nil, err
	}
	out := make([]T, len(page))
	for i, j := range page {
		out[i] = items[j]
	}
	return out, truncated, next, nil
}

// named is an entity listed by path prefix and ordered by name.
type named interface {
	entityPath() string
	entityName() string
}

// entityName of users, groups and roles is in principals.go.
func (u *User) entityPath() string            { return u.Path }
func (g *Group) entityPath() string           { return g.Path }
func (ro *Role) entityPath() string           { return ro.Path }
func (p *InstanceProfile) entityPath() string { return p.Path }
func (p *InstanceProfile) entityName() string { return p.Name }

// listByPath is the shape every List* of IAM entities shares: validate the
// path prefix and page size, authorize, then one page of the account's
// entities of the kind whose path starts with the prefix, in name order.
func listByPath[T any, P interface {
	*T
	named
}](ctx context.Context, s *Service, r *api.Request, kind string, pathPrefix *string, marker *string, maxItems *int32) ([]P, *bool, *string, error) {
	prefix, aerr := validPathPrefix(pathPrefix)
	if aerr != nil {
		return nil, nil, nil, aerr
	}
	if _, err := pageSize(maxItems); err != nil {
		return nil, nil, nil, err
	}
	// The List actions have no resource type: they are evaluated on "*".
	if err := r.Authorize(nil); err != nil {
		return nil, nil, nil, err
	}
	all, err := listAll[T](ctx, s.Store, r.AccountID, kind)
	if err != nil {
		return nil, nil, nil, err
	}
	items := make([]P, 0, len(all))
	for _, e := range all {
		if p := P(e); strings.HasPrefix(p.entityPath(), prefix) {
			items = append(items, p)
		}
	}
	return paginate(items, func(p P) string { return nameKey(p.entityName()) }, marker, maxItems)
}
