// Package store is Kumo's typed view of etcd: every durable record (accounts, keys,
// resources) lives here as JSON under /kumo/….
//
// A write returns only after etcd has committed it to its WAL (fsync), so an
// acknowledged API call survives a kill -9 of the daemon. Conditional writes use
// revisions for optimistic concurrency; callers retry on ErrConflict.
package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// Root is the prefix of every key Kumo writes, so an external etcd can be shared.
const Root = "/kumo/"

var (
	// ErrNotFound is returned when a key does not exist.
	ErrNotFound = errors.New("store: not found")
	// ErrConflict is returned when a conditional write loses a race or a
	// create finds the key already present.
	ErrConflict = errors.New("store: conflict")
)

// Store reads and writes Kumo's records in etcd.
type Store struct {
	cli   *clientv3.Client
	close func() error
	// read are the options of every read: serializable for the embedded
	// single-member etcd, whose local state is the truth (a write returns after
	// it is applied there), which spares each read a raft round.
	read []clientv3.OpOption
}

// New wraps an etcd client. close is called by Close (it may be nil).
func New(cli *clientv3.Client, close func() error) *Store {
	return &Store{cli: cli, close: close}
}

// Close releases the client and, for an embedded etcd, stops the server.
func (s *Store) Close() error {
	if s.close != nil {
		return s.close()
	}
	return nil
}

// Client exposes the raw etcd client for watches and benchmarks.
func (s *Store) Client() *clientv3.Client { return s.cli }

// Key joins parts under Root: Key("keypair", "us-east-1", id) = /kumo/keypair/us-east-1/id.
func Key(parts ...string) string { return Root + strings.Join(parts, "/") }

// Get decodes the record at key into v and returns its modification revision.
func (s *Store) Get(ctx context.Context, key string, v any) (int64, error) {
	resp, err := s.cli.Get(ctx, key, s.read...)
	if err != nil {
		return 0, fmt.Errorf("get %s: %w", key, err)
	}
	if len(resp.Kvs) == 0 {
		return 0, ErrNotFound
	}
	kv := resp.Kvs[0]
	if err := json.Unmarshal(kv.Value, v); err != nil {
		return 0, fmt.Errorf("decode %s: %w", key, err)
	}
	return kv.ModRevision, nil
}

// Item is one record met by List.
type Item struct {
	Key      string
	Value    []byte
	Revision int64
}

// listPage bounds the memory one etcd range answer takes.
const listPage = 1000

// List calls fn for every record under prefix, in key order, starting after the
// key `after` (exclusive; "" starts at the beginning). fn returns false to stop.
func (s *Store) List(ctx context.Context, prefix, after string, fn func(Item) (bool, error)) error {
	end := clientv3.GetPrefixRangeEnd(prefix)
	from := prefix
	if after != "" {
		from = after + "\x00"
	}
	for {
		opts := append([]clientv3.OpOption{clientv3.WithRange(end), clientv3.WithLimit(listPage),
			clientv3.WithSort(clientv3.SortByKey, clientv3.SortAscend)}, s.read...)
		resp, err := s.cli.Get(ctx, from, opts...)
		if err != nil {
			return fmt.Errorf("list %s: %w", prefix, err)
		}
		for _, kv := range resp.Kvs {
			more, err := fn(Item{Key: string(kv.Key), Value: kv.Value, Revision: kv.ModRevision})
			if err != nil || !more {
				return err
			}
		}
		if !resp.More || len(resp.Kvs) == 0 {
			return nil
		}
		from = string(resp.Kvs[len(resp.Kvs)-1].Key) + "\x00"
	}
}

// ListAll decodes every record under prefix with decode and returns them in key order.
func ListAll[T any](ctx context.Context, s *Store, prefix string) ([]T, error) {
	var out []T
	err := s.List(ctx, prefix, "", func(it Item) (bool, error) {
		var v T
		if err := json.Unmarshal(it.Value, &v); err != nil {
			return false, fmt.Errorf("decode %s: %w", it.Key, err)
		}
		out = append(out, v)
		return true, nil
	})
	return out, err
}
