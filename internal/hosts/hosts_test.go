package hosts_test

import (
	"context"
	"testing"

	"github.com/kumo-cloud/kumo/internal/hosts"
	"github.com/kumo-cloud/kumo/internal/testenv"
)

// TestRegistry: kumo serve registers its machine; registering again updates
// the capacity and keeps what the control plane decided (Dedicated).
func TestRegistry(t *testing.T) {
	env := testenv.Start(t)
	ctx := context.Background()
	g := &hosts.Registry{S: env.Daemon.Store}
	list, err := g.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].Name == "" || list[0].VCPUs <= 0 || list[0].MemoryMiB <= 0 {
		t.Fatalf("registered hosts %+v, want this machine", list)
	}
	h := hosts.Host{Name: "other", Zone: "us-east-1b", VCPUs: 8, MemoryMiB: 8192, Dedicated: "111122223333"}
	if err := g.Register(ctx, h); err != nil {
		t.Fatal(err)
	}
	h.VCPUs, h.Dedicated = 16, ""
	if err := g.Register(ctx, h); err != nil {
		t.Fatal(err)
	}
	list, err = g.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got *hosts.Host
	for i := range list {
		if list[i].Name == "other" {
			got = &list[i]
		}
	}
	if got == nil || got.VCPUs != 16 || got.Dedicated != "111122223333" || got.Zone != "us-east-1b" {
		t.Errorf("re-registered host %+v, want 16 vCPUs and the dedication kept", got)
	}
}
