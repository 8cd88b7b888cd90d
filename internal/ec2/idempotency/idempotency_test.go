package idempotency

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/store"
)

type answer struct{ ID string }

func TestDo(t *testing.T) {
	ctx := context.Background()
	s, err := store.OpenEmbedded(ctx, t.TempDir(), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	k := &Keeper{Store: s}
	var runs atomic.Int32
	run := func() (*answer, error) { return &answer{ID: "r-" + string(rune('0'+runs.Add(1)))}, nil }
	call := Call{Region: "us-east-1", Account: "111122223333", Action: "RunInstances", Token: "tok", Params: map[string]int{"n": 1}}

	// Concurrent retries of one call all get the first answer; fn runs once.
	var wg sync.WaitGroup
	got := make([]string, 8)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a, err := Do(ctx, k, call, run)
			if err != nil {
				t.Error(err)
				return
			}
			got[i] = a.ID
		}()
	}
	wg.Wait()
	for _, g := range got {
		if g != "r-1" {
			t.Fatalf("answers %v, want all r-1", got)
		}
	}
	if runs.Load() != 1 {
		t.Fatalf("fn ran %d times", runs.Load())
	}

	other := call
	other.Params = map[string]int{"n": 2}
	if _, err := Do(ctx, k, other, run); !isCode(err, "IdempotentParameterMismatch") {
		t.Fatalf("other params: %v", err)
	}

	// A failed first call frees the token.
	failing := call
	failing.Token = "tok2"
	if _, err := Do(ctx, k, failing, func() (*answer, error) { return nil, errors.New("boom") }); err == nil {
		t.Fatal("want error")
	}
	if a, err := Do(ctx, k, failing, run); err != nil || a.ID != "r-2" {
		t.Fatalf("retry after failure: %v %v", a, err)
	}

	long := call
	long.Token = string(make([]byte, 65))
	if _, err := Do(ctx, k, long, run); !isCode(err, "InvalidParameterValue") {
		t.Fatalf("long token: %v", err)
	}
}

func isCode(err error, code string) bool {
	e, ok := awserr.As(err)
	return ok && e.Code == code
}
