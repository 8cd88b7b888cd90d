package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"testing"

	"github.com/google/go-cmp/cmp"
)

type rec struct {
	Name string `json:"name"`
}

func open(t *testing.T, dir string) *Store {
	t.Helper()
	s, err := OpenEmbedded(context.Background(), dir, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestCreateUpdateDeleteList(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := open(t, dir)
	k := Key("thing", "r1", "a")
	if err := s.Txn().Create(k, rec{"a"}).Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Txn().Create(k, rec{"again"}).Commit(ctx); !errors.Is(err, ErrConflict) {
		t.Fatalf("second create: got %v, want ErrConflict", err)
	}
	var got rec
	rev, err := s.Get(ctx, k, &got)
	if err != nil || got.Name != "a" {
		t.Fatalf("get: %v %v", got, err)
	}
	if err := s.Txn().Update(k, rev, rec{"b"}).Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Txn().Update(k, rev, rec{"stale"}).Commit(ctx); !errors.Is(err, ErrConflict) {
		t.Fatalf("stale update: got %v, want ErrConflict", err)
	}
	for i := range 2500 {
		if err := s.Txn().Put(Key("thing", "r1", fmt.Sprintf("z%05d", i)), rec{"z"}).Commit(ctx); err != nil {
			t.Fatal(err)
		}
	}
	all, err := ListAll[rec](ctx, s, Key("thing", "r1")+"/")
	if err != nil || len(all) != 2501 || all[0].Name != "b" {
		t.Fatalf("list: %d records, first %v, err %v", len(all), all[0], err)
	}
	var after []string
	err = s.List(ctx, Key("thing", "r1")+"/", Key("thing", "r1", "z02497"), func(it Item) (bool, error) {
		after = append(after, it.Key)
		return true, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{Key("thing", "r1", "z02498"), Key("thing", "r1", "z02499")}, after); diff != "" {
		t.Errorf("list after (-want +got):\n%s", diff)
	}
	if err := s.Txn().Delete(k, 0).Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, k, &got); !errors.Is(err, ErrNotFound) {
		t.Fatalf("get after delete: %v", err)
	}
	// Reopening the same directory keeps what was written.
	s.Close()
	s = open(t, dir)
	defer s.Close()
	all, err = ListAll[rec](ctx, s, Key("thing", "r1")+"/")
	if err != nil || len(all) != 2500 {
		t.Fatalf("after reopen: %d records, err %v", len(all), err)
	}
}
