// Package hosts is the registry of hypervisor hosts. Each kumo serve
// registers the machine it runs on (its name, the zones it serves and the
// capacity it offers instances) when it starts; RunInstances asks the
// scheduler to place instances among the registered hosts, and each host's
// agent runs the instances placed on it.
package hosts

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kumo-cloud/kumo/internal/store"
)

// Host is one registered hypervisor host.
type Host struct {
	Name string `json:"name"`
	// Zone is the Availability Zone the host is in; "" serves every zone,
	// as a single-machine Kumo does.
	Zone string `json:"zone,omitempty"`
	// VCPUs and MemoryMiB are what instances may use in all: the machine's
	// figures times the operator's allocation ratios.
	VCPUs     int64 `json:"vcpus"`
	MemoryMiB int64 `json:"memoryMiB"`
	// Dedicated is the account whose Dedicated Instances claimed the host;
	// nobody else's instances run on it while it is set.
	Dedicated    string    `json:"dedicated,omitempty"`
	RegisteredAt time.Time `json:"registeredAt"`
}

var prefix = store.Key("host") + "/"

func key(name string) string { return prefix + name }

// Registry reads and writes host records.
type Registry struct {
	S *store.Store
}

// Register records h, or updates the capacity of a host registered before
// (a restart with other allocation ratios), keeping what the control plane
// decided about it (Dedicated).
func (g *Registry) Register(ctx context.Context, h Host) error {
	for range 10 {
		var have Host
		rev, err := g.S.Get(ctx, key(h.Name), &have)
		switch {
		case errors.Is(err, store.ErrNotFound):
			err = g.S.Txn().Create(key(h.Name), &h).Commit(ctx)
		case err == nil:
			h.Dedicated = have.Dedicated
			err = g.S.Txn().Update(key(h.Name), rev, &h).Commit(ctx)
		}
		if !errors.Is(err, store.ErrConflict) {
			if err != nil {
				return fmt.Errorf("register host %s: %w", h.Name, err)
			}
			return nil
		}
	}
	return fmt.Errorf("register host %s: %w", h.Name, store.ErrConflict)
}

// List returns every registered host, ordered by name.
func (g *Registry) List(ctx context.Context) ([]Host, error) {
	return store.ListAll[Host](ctx, g.S, prefix)
}
