// Package idempotency makes create calls that carry a ClientToken safe to retry:
// the first call with a token runs and its answer is kept; a retry with the same
// token and the same parameters gets that answer again without running; the same
// token with other parameters is IdempotentParameterMismatch, as on AWS.
package idempotency

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/store"
)

// MaxTokenLength is AWS's limit on a client token.
const MaxTokenLength = 64

type record struct {
	Hash      string          `json:"hash"`
	Done      bool            `json:"done"`
	Answer    json.RawMessage `json:"answer,omitempty"`
	CreatedAt time.Time       `json:"createdAt"`
}

// Keeper stores the answers of calls made with client tokens.
type Keeper struct {
	Store *store.Store
	// Poll is how often a retry waits for a first call still running.
	Poll time.Duration
}

// Call identifies one tokened call.
type Call struct {
	Region, Account, Action, Token string
	// Params is the decoded input; its JSON form decides "same parameters".
	Params any
}

// Do runs fn once per token and stores its answer in out's type. On a retry it
// decodes the stored answer into out instead of running fn. With an empty token
// it just runs fn.
func Do[T any](ctx context.Context, k *Keeper, c Call, fn func() (*T, error)) (*T, error) {
	if c.Token == "" {
		return fn()
	}
	if len(c.Token) > MaxTokenLength {
		return nil, awserr.InvalidParameterValue("Value (%s) for parameter clientToken is invalid. Length exceeds maximum of %d characters.", c.Token, MaxTokenLength)
	}
	b, err := json.Marshal(c.Params)
	if err != nil {
		return nil, fmt.Errorf("idempotency: encode params: %w", err)
	}
	sum := sha256.Sum256(b)
	hash := hex.EncodeToString(sum[:])
	key := store.Key("clienttoken", c.Region, c.Account, c.Action, hex.EncodeToString([]byte(c.Token)))

	err = k.Store.Txn().Create(key, record{Hash: hash, CreatedAt: time.Now().UTC()}).Commit(ctx)
	if errors.Is(err, store.ErrConflict) {
		return wait[T](ctx, k, key, hash)
	}
	if err != nil {
		return nil, err
	}
	out, err := fn()
	if err != nil {
		// The call did nothing: free the token for a corrected retry.
		_ = k.Store.Txn().Delete(key, 0).Commit(context.WithoutCancel(ctx))
		return nil, err
	}
	answer, err := json.Marshal(out)
	if err == nil {
		err = k.Store.Txn().Put(key, record{Hash: hash, Done: true, Answer: answer, CreatedAt: time.Now().UTC()}).Commit(ctx)
	}
	if err != nil {
		return nil, fmt.Errorf("idempotency: keep answer: %w", err)
	}
	return out, nil
}

// wait returns the answer of the first call with the token once it is known.
func wait[T any](ctx context.Context, k *Keeper, key, hash string) (*T, error) {
	poll := k.Poll
	if poll == 0 {
		poll = 50 * time.Millisecond
	}
	for {
		var rec record
		_, err := k.Store.Get(ctx, key, &rec)
		if errors.Is(err, store.ErrNotFound) {
			return nil, awserr.New(http.StatusServiceUnavailable, "RequestLimitExceeded", "A request with this client token failed meanwhile; retry.")
		}
		if err != nil {
			return nil, err
		}
		if rec.Hash != hash {
			return nil, awserr.BadRequest("IdempotentParameterMismatch", "The client token you have provided is associated with a resource that is already deleted or with a request that had different parameters.")
		}
		if rec.Done {
			var out T
			if err := json.Unmarshal(rec.Answer, &out); err != nil {
				return nil, fmt.Errorf("idempotency: decode answer: %w", err)
			}
			return &out, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(poll):
		}
	}
}
