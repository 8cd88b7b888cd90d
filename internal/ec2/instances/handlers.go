package instances

import (
	"context"
	"net/netip"
	"time"

	"github.com/kumo-cloud/kumo/internal/awsquery/ec2api"
	"github.com/kumo-cloud/kumo/internal/ec2/idempotency"
	"github.com/kumo-cloud/kumo/internal/ec2/images"
	"github.com/kumo-cloud/kumo/internal/ec2/vpc"
	"github.com/kumo-cloud/kumo/internal/hosts"
	"github.com/kumo-cloud/kumo/internal/iam"
	"github.com/kumo-cloud/kumo/internal/store"
)

// Handlers serves the instance actions.
type Handlers struct {
	Instances *Store
	Raw       *store.Store
	VPCs      *vpc.Service
	Images    *images.Service
	Idem      *idempotency.Keeper
	// Hosts are the registered hypervisor hosts the scheduler places
	// instances on; Capacity is the local host's. Quotas are the
	// per-account vCPU limits by group.
	Hosts    *hosts.Registry
	Capacity Capacity
	Quotas   map[string]int64
	// PublicPool is where public IPv4 addresses come from.
	PublicPool netip.Prefix
	// Console returns what an instance's serial console printed.
	Console func(ctx context.Context, id string) ([]byte, error)
	// AttachedInterfaces returns the network interfaces attached to the
	// account's instances besides their primary ones, by instance id.
	AttachedInterfaces func(ctx context.Context, region, account string) (map[string][]ec2api.InstanceNetworkInterface, error)
	// IAM resolves the instance profiles of RunInstances and the
	// association actions; RevokeRole ends the role credentials handed out
	// for an association once it is replaced or removed.
	IAM        *iam.Service
	RevokeRole func(ctx context.Context, associationID string) error
	// Kick wakes the host agent after a change (it also polls).
	Kick func()
	Now  func() time.Time
}

func (h *Handlers) kick() {
	if h.Kick != nil {
		h.Kick()
	}
}
