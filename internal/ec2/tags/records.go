package tags

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/ec2/resource"
	"github.com/kumo-cloud/kumo/internal/store"
)

// Change computes a resource's new tags from its current ones.
type Change func(have map[string]string) (map[string]string, error)

// ResourceError returns the AWS error for an id that is not a known, existing
// resource of the caller: InvalidID for an unknown prefix, the kind's Malformed
// code for a bad shape, nil when the id is well formed.
func ResourceError(id string) (resource.Kind, error) {
	k, ok := resource.KindOfID(id)
	if !ok {
		return k, awserr.BadRequest("InvalidID", "The ID '%s' is not valid", id)
	}
	if !k.ValidID(id) {
		return k, awserr.BadRequest(k.Malformed, "Invalid id: \"%s\"", id)
	}
	return k, nil
}

// NotFound returns the kind's not-found error for id.
func NotFound(k resource.Kind, id string) error {
	return awserr.BadRequest(k.NotFound, "The %s ID '%s' does not exist", k.Noun, id)
}

// UpdateAll applies change to the tags of every resource in ids, atomically:
// if any id is invalid or unknown, or any change fails, nothing is written.
func UpdateAll(ctx context.Context, s *store.Store, region, account string, ids []string, change Change) error {
	ids = unique(ids) // AWS takes the ids as a set; a transaction may name a key once
	for attempt := 0; ; attempt++ {
		txn := s.Txn()
		for _, id := range ids {
			k, err := ResourceError(id)
			if err != nil {
				return err
			}
			key := k.Key(region, account, id)
			var rec map[string]json.RawMessage
			rev, err := s.Get(ctx, key, &rec)
			if errors.Is(err, store.ErrNotFound) {
				return NotFound(k, id)
			}
			if err != nil {
				return err
			}
			var have map[string]string
			if raw, ok := rec["tags"]; ok {
				if err := json.Unmarshal(raw, &have); err != nil {
					return fmt.Errorf("decode tags of %s: %w", id, err)
				}
			}
			next, err := change(have)
			if err != nil {
				return err
			}
			if len(next) == 0 {
				delete(rec, "tags")
			} else {
				b, _ := json.Marshal(next)
				rec["tags"] = b
			}
			txn.Update(key, rev, rec)
		}
		err := txn.Commit(ctx)
		if !errors.Is(err, store.ErrConflict) {
			return err
		}
		if attempt == 10 {
			return awserr.New(http.StatusServiceUnavailable, "RequestLimitExceeded", "The resources are being modified concurrently; retry.")
		}
	}
}

// Tagged is one tag of one resource, as DescribeTags lists it.
type Tagged struct {
	ResourceID, ResourceType, Key, Value string
}

// ListAll returns every tag of every resource of the account in the region,
// ordered by resource id, then key.
func ListAll(ctx context.Context, s *store.Store, region, account string) ([]Tagged, error) {
	var out []Tagged
	for _, k := range resource.Kinds() {
		err := s.List(ctx, k.ListPrefix(region, account), "", func(it store.Item) (bool, error) {
			var m resource.Meta
			if err := json.Unmarshal(it.Value, &m); err != nil {
				return false, fmt.Errorf("decode %s: %w", it.Key, err)
			}
			for _, t := range Sorted(m.Tags) {
				out = append(out, Tagged{m.ID, k.Type, t.Key, t.Value})
			}
			return true, nil
		})
		if err != nil {
			return nil, err
		}
	}
	sortTagged(out)
	return out, nil
}

func unique(ids []string) []string {
	seen := make(map[string]bool, len(ids))
	out := ids[:0:0]
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
