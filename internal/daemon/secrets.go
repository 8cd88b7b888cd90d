package daemon

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"

	"github.com/kumo-cloud/kumo/internal/store"
)

// authzMessageKey is where the key that seals authorization failure messages
// lives: one per deployment, so messages stay decodable across restarts.
const authzMessageKey = "/kumo/secrets/authz-message-key"

// deploymentKey returns the 32-byte secret stored at key, creating it on
// first use. Concurrent first starts agree: the create is conditional.
func deploymentKey(ctx context.Context, st *store.Store, key string) ([]byte, error) {
	for {
		var b []byte
		_, err := st.Get(ctx, key, &b)
		if err == nil {
			if len(b) != 32 {
				return nil, fmt.Errorf("secret %s is %d bytes, want 32 (delete the key to regenerate it)", key, len(b))
			}
			return b, nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return nil, fmt.Errorf("read secret %s: %w", key, err)
		}
		b = make([]byte, 32)
		_, _ = rand.Read(b)
		err = st.Txn().Create(key, b).Commit(ctx)
		if err == nil {
			return b, nil
		}
		if !errors.Is(err, store.ErrConflict) {
			return nil, fmt.Errorf("create secret %s: %w", key, err)
		}
	}
}
