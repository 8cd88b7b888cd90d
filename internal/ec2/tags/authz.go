package tags

import (
	"context"
	"errors"
	"fmt"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/ec2/resource"
	"github.com/kumo-cloud/kumo/internal/store"
)

// authzOf returns what resource-level permissions evaluate for each
// resource a tagging call names (with the kind's not-found error for an id
// the account does not have), plus keys, the request's own condition keys.
func authzOf(ctx context.Context, s *store.Store, region, account string, ids []string, keys map[string][]string) ([]api.Resource, error) {
	out := make([]api.Resource, 0, len(ids))
	for _, id := range unique(ids) {
		k, err := ResourceError(id)
		if err != nil {
			return nil, err
		}
		var rec struct {
			resource.Meta
			Name string `json:"name"` // key pairs' ARNs name the key, not its id
		}
		_, err = s.Get(ctx, k.Key(region, account, id), &rec)
		if errors.Is(err, store.ErrNotFound) {
			return nil, NotFound(k, id)
		}
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", id, err)
		}
		name := id
		if k.Type == "key-pair" {
			name = rec.Name
		}
		res := k.Authz(region, account, name, rec.Tags)
		for key, v := range keys {
			res.Keys[key] = v
		}
		out = append(out, res)
	}
	return out, nil
}

// keysOf returns the request-tag keys for a list of tags.
func keysOf(list []Tag) map[string][]string {
	m := make(map[string]string, len(list))
	for _, t := range list {
		m[t.Key] = t.Value
	}
	return resource.RequestTagKeys(m)
}
