// Package usage is the meter's record: every billable change of a resource
// (an instance entering or leaving running, a volume created, resized or
// deleted, a snapshot completed, an address allocated) is written as an
// Event in the same etcd transaction as the change itself, so a change that
// was acknowledged is never missing from the bill, even after a kill -9.
// The billing engine turns the events into line items.
package usage

import (
	"context"
	"fmt"
	"time"

	"github.com/kumo-cloud/kumo/internal/store"
)

// Kind is the kind of metered resource.
type Kind string

// The metered kinds.
const (
	Instance Kind = "instance"
	Volume   Kind = "volume"
	Snapshot Kind = "snapshot"
	// PublicIPv4 is a public address: an auto-assigned one while its
	// instance holds it, an Elastic IP from allocation to release.
	PublicIPv4 Kind = "public-ipv4"
)

// The lifecycle states of the non-instance kinds; instances record their
// EC2 state names (pending, running, stopping, stopped, shutting-down,
// terminated).
const (
	Created  = "created"
	Modified = "modified"
	Deleted  = "deleted"
)

// Event is one billable change. Fields not relevant to its kind are empty.
type Event struct {
	Time    time.Time `json:"time"`
	Kind    Kind      `json:"kind"`
	Account string    `json:"account"`
	Region  string    `json:"region"`
	ID      string    `json:"id"`
	State   string    `json:"state"`

	// Instances.
	Zone         string `json:"zone,omitempty"`
	InstanceType string `json:"instanceType,omitempty"`
	Platform     string `json:"platform,omitempty"` // "Linux/UNIX" …
	Tenancy      string `json:"tenancy,omitempty"`  // default | dedicated | host
	Market       string `json:"market,omitempty"`   // on-demand | spot
	// Interrupted marks a stop or termination Kumo caused (a spot
	// interruption), which AWS does not bill in the first hour.
	Interrupted bool `json:"interrupted,omitempty"`

	// Volumes.
	VolumeType string `json:"volumeType,omitempty"`
	SizeGiB    int32  `json:"sizeGiB,omitempty"`
	IOPS       int32  `json:"iops,omitempty"`
	Throughput int32  `json:"throughput,omitempty"`

	// Snapshots: the bytes the snapshot stores (its own blocks).
	StoredBytes int64 `json:"storedBytes,omitempty"`

	// Tags are the resource's tags at the time, for cost allocation.
	Tags map[string]string `json:"tags,omitempty"`
}

// prefix holds every event, by account, then resource, then time.
var prefix = store.Key("usage") + "/"

// key orders a resource's events by time; the state keeps two changes in
// the same nanosecond apart.
func key(e *Event) string {
	return fmt.Sprintf("%s%s/%s/%020d-%s", prefix, e.Account, e.ID, e.Time.UnixNano(), e.State)
}

// Record adds e to txn: it commits with the change it describes, or not at all.
func Record(txn *store.Txn, e Event) {
	e.Time = e.Time.UTC()
	txn.Put(key(&e), &e)
}

// All returns every recorded event, ordered by account, resource and time.
func All(ctx context.Context, s *store.Store) ([]Event, error) {
	return store.ListAll[Event](ctx, s, prefix)
}

// OfAccount returns one account's events, ordered by resource and time.
func OfAccount(ctx context.Context, s *store.Store, account string) ([]Event, error) {
	return store.ListAll[Event](ctx, s, prefix+account+"/")
}
