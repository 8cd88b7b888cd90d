package store

import (
	"context"
	"encoding/json"
	"fmt"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// Txn collects writes that commit atomically, each guarded by a condition: a
// create requires the key to be absent, an update or delete requires the key's
// revision to be unchanged since it was read.
type Txn struct {
	s     *Store
	conds []clientv3.Cmp
	ops   []clientv3.Op
	err   error
}

// Txn starts an empty transaction.
func (s *Store) Txn() *Txn { return &Txn{s: s} }

func (t *Txn) put(key string, v any) {
	if t.err != nil {
		return
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.err = fmt.Errorf("encode %s: %w", key, err)
		return
	}
	t.ops = append(t.ops, clientv3.OpPut(key, string(b)))
}

// Create writes v at key, which must not exist yet.
func (t *Txn) Create(key string, v any) *Txn {
	t.conds = append(t.conds, clientv3.Compare(clientv3.CreateRevision(key), "=", 0))
	t.put(key, v)
	return t
}

// Update writes v at key, which must still be at revision rev.
func (t *Txn) Update(key string, rev int64, v any) *Txn {
	t.conds = append(t.conds, clientv3.Compare(clientv3.ModRevision(key), "=", rev))
	t.put(key, v)
	return t
}

// Put writes v at key unconditionally.
func (t *Txn) Put(key string, v any) *Txn {
	t.put(key, v)
	return t
}

// Delete removes key, which must still be at revision rev (0: unconditionally).
func (t *Txn) Delete(key string, rev int64) *Txn {
	if rev != 0 {
		t.conds = append(t.conds, clientv3.Compare(clientv3.ModRevision(key), "=", rev))
	}
	t.ops = append(t.ops, clientv3.OpDelete(key))
	return t
}

// Commit applies every write or none. It returns ErrConflict when a condition failed.
func (t *Txn) Commit(ctx context.Context) error {
	if t.err != nil {
		return t.err
	}
	resp, err := t.s.cli.Txn(ctx).If(t.conds...).Then(t.ops...).Commit()
	if err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	if !resp.Succeeded {
		return ErrConflict
	}
	return nil
}
