// Package describe is the common shape of EC2 Describe* calls over stored
// resources: requested ids must exist (else the kind's NotFound error naming
// them), filters narrow, and MaxResults/NextToken page the result in id order.
package describe

import (
	"strings"

	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/ec2/filter"
	"github.com/kumo-cloud/kumo/internal/ec2/paging"
	"github.com/kumo-cloud/kumo/internal/ec2/resource"
)

// Query describes one Describe call over items of type T.
type Query[T any] struct {
	Kind    resource.Kind
	IDs     []string
	Filters filter.Set
	Page    paging.Request
	// MinPage and MaxPage bound MaxResults; DefaultPage applies without it (0: all).
	MinPage, MaxPage, DefaultPage int
	// ID and Tags read an item; when nil they come from the item's embedded
	// resource.Meta. Fields gives its filter values.
	ID     func(*T) string
	Tags   func(*T) map[string]string
	Fields func(*T) filter.Fields
}

func (q *Query[T]) id(it *T) string {
	if q.ID != nil {
		return q.ID(it)
	}
	return any(it).(resource.Resource).ResourceMeta().ID
}

func (q *Query[T]) tags(it *T) map[string]string {
	if q.Tags != nil {
		return q.Tags(it)
	}
	return any(it).(resource.Resource).ResourceMeta().Tags
}

// CheckIDs validates the shape of the requested ids.
func (q *Query[T]) CheckIDs() error {
	for _, id := range q.IDs {
		if !q.Kind.ValidID(id) {
			return awserr.BadRequest(q.Kind.Malformed, "Invalid id: \"%s\"", id)
		}
	}
	if len(q.IDs) > 0 && q.Page.MaxResults != nil {
		return awserr.InvalidParameterCombination("The parameter %ss cannot be used with the parameter maxResults", strings.ToUpper(q.Kind.Prefix[:1])+q.Kind.Prefix[1:]+"Id")
	}
	return nil
}

// Run selects and pages items, which must be sorted by id.
func (q *Query[T]) Run(items []T) ([]T, *string, error) {
	size, err := q.Page.Bounds(q.MinPage, q.MaxPage, q.DefaultPage)
	if err != nil {
		return nil, nil, err
	}
	if len(q.IDs) > 0 {
		size = 0
		have := make(map[string]bool, len(items))
		for i := range items {
			have[q.id(&items[i])] = true
		}
		var missing []string
		for _, id := range q.IDs {
			if !have[id] {
				missing = append(missing, id)
			}
		}
		if len(missing) > 0 {
			return nil, nil, awserr.BadRequest(q.Kind.NotFound, "The %s ID '%s' does not exist", q.Kind.Noun, strings.Join(missing, "', '"))
		}
	}
	want := map[string]bool{}
	for _, id := range q.IDs {
		want[id] = true
	}
	var hits []T
	for i := range items {
		it := &items[i]
		if len(want) > 0 && !want[q.id(it)] {
			continue
		}
		if q.Filters.Match(q.Fields(it), q.tags(it)) {
			hits = append(hits, *it)
		}
	}
	return paging.Page(q.Page, hits, size, func(t T) string { return q.id(&t) })
}
