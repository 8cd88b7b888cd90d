// Package paging implements MaxResults/NextToken pagination with opaque tokens.
//
// A token names the sort key of the last item returned, so the next page starts
// right after it: pages stay stable while other items come and go, and nothing is
// skipped or repeated. Tokens also carry the operation, so a token from one
// operation is rejected by another.
package paging

import (
	"encoding/base64"
	"encoding/json"

	"github.com/kumo-cloud/kumo/internal/awserr"
)

// Request is the pagination part of a Describe call.
type Request struct {
	Op         string
	MaxResults *int32
	NextToken  *string
}

type token struct {
	Op    string `json:"o"`
	After string `json:"a"`
}

// Bounds validates MaxResults against the operation's range [lo, hi] and returns
// the page size: MaxResults when given, else def (0 = unbounded).
func (r Request) Bounds(lo, hi, def int) (int, error) {
	if r.MaxResults == nil {
		return def, nil
	}
	n := int(*r.MaxResults)
	if n < lo || n > hi {
		return 0, awserr.InvalidParameterValue("Value ( %d ) for parameter maxResults is invalid. Expecting a value between %d and %d.", n, lo, hi)
	}
	return n, nil
}

// After returns the sort key to start after ("" for the first page).
func (r Request) After() (string, error) {
	if r.NextToken == nil || *r.NextToken == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(*r.NextToken)
	var t token
	if err == nil {
		err = json.Unmarshal(b, &t)
	}
	if err != nil || t.Op != r.Op || t.After == "" {
		return "", awserr.BadRequest("InvalidPaginationToken", "Invalid pagination token")
	}
	return t.After, nil
}

// Token returns the NextToken for a page that ended at sort key last.
func (r Request) Token(last string) *string {
	b, _ := json.Marshal(token{Op: r.Op, After: last})
	s := base64.RawURLEncoding.EncodeToString(b)
	return &s
}

// Page cuts a sorted list: it returns the items after the token's key, at most
// size of them (0: all), and the NextToken when more remain. key gives an item's
// sort key; items must be sorted by it.
func Page[T any](r Request, items []T, size int, key func(T) string) ([]T, *string, error) {
	after, err := r.After()
	if err != nil {
		return nil, nil, err
	}
	start := 0
	if after != "" {
		for start < len(items) && key(items[start]) <= after {
			start++
		}
	}
	items = items[start:]
	if size <= 0 || len(items) <= size {
		return items, nil, nil
	}
	page := items[:size]
	return page, r.Token(key(page[len(page)-1])), nil
}
