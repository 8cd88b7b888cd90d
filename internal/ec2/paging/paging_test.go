package paging

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kumo-cloud/kumo/internal/awserr"
)

func ptr[T any](v T) *T { return &v }

func TestPageWalksEverythingOnce(t *testing.T) {
	items := []string{"a", "b", "c", "d", "e"}
	var got []string
	r := Request{Op: "DescribeThings", MaxResults: ptr(int32(2))}
	for pages := 0; ; pages++ {
		page, next, err := Page(r, items, 2, func(s string) string { return s })
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, page...)
		if next == nil {
			break
		}
		if pages > 5 {
			t.Fatal("does not end")
		}
		r.NextToken = next
		// Items inserted before the cursor do not shift the pages.
		if pages == 0 {
			items = []string{"0", "a", "aa", "b", "c", "d", "e"}
		}
	}
	if diff := cmp.Diff([]string{"a", "b", "c", "d", "e"}, got); diff != "" {
		t.Errorf("pages (-want +got):\n%s", diff)
	}
}

func TestBadTokens(t *testing.T) {
	good := Request{Op: "DescribeA"}.Token("x")
	for _, tok := range []string{"garbage!", "e30", *good} {
		_, _, err := Page(Request{Op: "DescribeB", NextToken: ptr(tok)}, []string{"x"}, 1, func(s string) string { return s })
		if e, ok := awserr.As(err); !ok || e.Code != "InvalidPaginationToken" {
			t.Errorf("token %q: got %v, want InvalidPaginationToken", tok, err)
		}
	}
}

func TestBounds(t *testing.T) {
	r := Request{MaxResults: ptr(int32(4))}
	if _, err := r.Bounds(5, 1000, 0); err == nil {
		t.Error("4 accepted for range 5..1000")
	}
	if n, err := (Request{}).Bounds(5, 1000, 0); err != nil || n != 0 {
		t.Errorf("no MaxResults: %d %v", n, err)
	}
}
