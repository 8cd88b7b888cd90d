// Package addresses serves Elastic IPs: AllocateAddress, AssociateAddress,
// DisassociateAddress, ReleaseAddress and DescribeAddresses. An Elastic IP is
// a public address of the pool that belongs to the account until released;
// associated with an instance it replaces the auto-assigned public address and,
// unlike that one, stays across stop and start. The association is written to
// the address record and the instance record in one transaction; the host
// agent installs the NAT from the instance record.
package addresses

import (
	"context"
	"errors"
	"net/netip"
	"time"

	"github.com/kumo-cloud/kumo/internal/billing/usage"
	"github.com/kumo-cloud/kumo/internal/ec2/instances"
	"github.com/kumo-cloud/kumo/internal/ec2/resource"
	"github.com/kumo-cloud/kumo/internal/store"
)

// Kind is the Elastic IP kind; its ids are allocation ids.
var Kind = resource.Kind{Type: "elastic-ip", Prefix: "eipalloc", Store: "address", Noun: "allocation",
	NotFound: "InvalidAllocationID.NotFound", Malformed: "InvalidAllocationID.Malformed"}

// associationKind makes association ids (eipassoc-…); they are not tagged.
var associationKind = resource.Kind{Prefix: "eipassoc", NotFound: "InvalidAssociationID.NotFound", Malformed: "InvalidAssociationID.Malformed"}

func init() { resource.Register(Kind) }

// MaxPerRegion is AWS's default Elastic IP quota per account and region.
const MaxPerRegion = 5

// Address is an Elastic IP.
type Address struct {
	resource.Meta
	PublicIP string `json:"publicIp"`
	// The association, all empty while the address is not associated.
	AssociationID string    `json:"associationId,omitempty"`
	InstanceID    string    `json:"instanceId,omitempty"`
	ENIID         string    `json:"eniId,omitempty"`
	PrivateIP     string    `json:"privateIp,omitempty"`
	AssociatedAt  time.Time `json:"associatedAt,omitzero"`
}

func (a *Address) disassociate() {
	a.AssociationID, a.InstanceID, a.ENIID, a.PrivateIP, a.AssociatedAt = "", "", "", "", time.Time{}
}

// poolOwner is the value of the public address key of an Elastic IP.
type poolOwner struct {
	Allocation string `json:"allocation"`
}

func list(ctx context.Context, s *store.Store, region, account string) ([]Address, error) {
	return store.ListAll[Address](ctx, s, Kind.ListPrefix(region, account))
}

func get(ctx context.Context, s *store.Store, region, account, id string) (*Address, int64, error) {
	var a Address
	rev, err := s.Get(ctx, Kind.Key(region, account, id), &a)
	if errors.Is(err, store.ErrNotFound) {
		return nil, 0, notFound(id)
	}
	return &a, rev, err
}

// ReleaseFromInstance ends the association of the instance's Elastic IP, if
// it has one; the host agent calls it when the instance terminates. The
// address stays allocated to the account, as on AWS.
func ReleaseFromInstance(ctx context.Context, s *store.Store, in *instances.Instance) error {
	if in.EIPAllocation == "" {
		return nil
	}
	for range 20 {
		a, rev, err := get(ctx, s, in.Region, in.Account, in.EIPAllocation)
		if err != nil {
			return nil // released meanwhile
		}
		if a.InstanceID != in.ID {
			return nil
		}
		a.disassociate()
		err = s.Txn().Update(Kind.Key(in.Region, in.Account, a.ID), rev, a).Commit(ctx)
		if !errors.Is(err, store.ErrConflict) {
			return err
		}
	}
	return errors.New("release elastic ip: too many concurrent changes")
}

// PublicIPKey is the pool key of an address (shared with auto-assigned ones).
func PublicIPKey(ip string) string { return instances.PublicIPKey(netip.MustParseAddr(ip)) }

// usageEvent is the meter's record of the address being allocated or
// released: AWS bills an Elastic IP by the hour whether it is in use or not.
func (a *Address) usageEvent(state string, at time.Time) usage.Event {
	return usage.Event{Time: at, Kind: usage.PublicIPv4, Account: a.Account, Region: a.Region, ID: a.ID, State: state, Tags: a.Tags}
}
