package api

import (
	"sync"
	"time"
)

// Bucket is a token bucket's shape: Burst tokens at most, refilled at Rate per second.
type Bucket struct {
	Burst float64
	Rate  float64
}

// Throttle buckets, named after AWS's API request-rate categories.
const (
	ThrottleNonMutating       = "non-mutating"
	ThrottleMutating          = "mutating"
	ThrottleRunInstances      = "run-instances"
	ThrottleResourceIntensive = "resource-intensive"
)

// DefaultBuckets are AWS's default per-account EC2 request-rate limits.
func DefaultBuckets() map[string]Bucket {
	return map[string]Bucket{
		ThrottleNonMutating:       {Burst: 100, Rate: 20},
		ThrottleMutating:          {Burst: 50, Rate: 5},
		ThrottleRunInstances:      {Burst: 5, Rate: 2},
		ThrottleResourceIntensive: {Burst: 50, Rate: 5},
	}
}

// Throttle holds one token bucket per account and bucket name.
type Throttle struct {
	mu      sync.Mutex
	shapes  map[string]Bucket
	buckets map[throttleKey]*tokens
}

type throttleKey struct{ account, bucket string }

type tokens struct {
	n    float64
	last time.Time
}

// NewThrottle returns a throttle with the given bucket shapes; nil disables throttling.
func NewThrottle(shapes map[string]Bucket) *Throttle {
	if shapes == nil {
		return nil
	}
	return &Throttle{shapes: shapes, buckets: map[throttleKey]*tokens{}}
}

// Allow takes one token from the account's bucket and reports whether there was one.
func (t *Throttle) Allow(account, bucket string, now time.Time) bool {
	if t == nil {
		return true
	}
	shape, ok := t.shapes[bucket]
	if !ok {
		return true
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	k := throttleKey{account, bucket}
	b := t.buckets[k]
	if b == nil {
		b = &tokens{n: shape.Burst, last: now}
		t.buckets[k] = b
	}
	if dt := now.Sub(b.last).Seconds(); dt > 0 {
		b.n = min(shape.Burst, b.n+dt*shape.Rate)
		b.last = now
	}
	if b.n < 1 {
		return false
	}
	b.n--
	return true
}
