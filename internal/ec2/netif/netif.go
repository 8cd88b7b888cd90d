// Package netif serves elastic network interfaces: CreateNetworkInterface,
// Attach/Detach (hot-plugged into the running VM by the host agent), Delete,
// Describe, Modify/DescribeNetworkInterfaceAttribute and Assign/Unassign of
// secondary private addresses.
//
// An instance's primary interface (device index 0) lives inside the instance
// record, where the launch path and the agent have always found it; the
// interfaces made by CreateNetworkInterface are records of their own. Both
// appear here as one View, so every action treats them alike and only the
// write goes to the record that owns the interface.
package netif

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"time"

	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/ec2/instances"
	"github.com/kumo-cloud/kumo/internal/ec2/resource"
	"github.com/kumo-cloud/kumo/internal/store"
)

// Kind is the network interface kind.
var Kind = resource.Kind{Type: "network-interface", Prefix: "eni", Store: "eni", Noun: "networkInterface",
	NotFound: "InvalidNetworkInterfaceID.NotFound", Malformed: "InvalidNetworkInterfaceID.Malformed"}

var attachmentKind = resource.Kind{Prefix: "eni-attach", NotFound: "InvalidAttachmentID.NotFound", Malformed: "InvalidAttachmentID.Malformed"}

func init() { resource.Register(Kind) }

// Limits as AWS's defaults for small instance types.
const (
	// MaxSecondaryIPs is how many secondary private addresses an interface holds.
	MaxSecondaryIPs = 9
	// MaxInterfaces is how many interfaces (primary included) an instance takes.
	MaxInterfaces = 4
)

// Attachment states, as AWS reports them.
const (
	Attaching = "attaching"
	Attached  = "attached"
	Detaching = "detaching"
)

// Attachment ties an interface to an instance.
type Attachment struct {
	ID                  string    `json:"id"`
	InstanceID          string    `json:"instanceId"`
	DeviceIndex         int32     `json:"deviceIndex"`
	Status              string    `json:"status"`
	AttachTime          time.Time `json:"attachTime"`
	DeleteOnTermination bool      `json:"deleteOnTermination,omitempty"`
}

// Interface is a network interface made by CreateNetworkInterface.
type Interface struct {
	resource.Meta
	VPCID            string               `json:"vpcId"`
	SubnetID         string               `json:"subnetId"`
	AvailabilityZone string               `json:"availabilityZone"`
	Description      string               `json:"description,omitempty"`
	MAC              string               `json:"mac"`
	PrivateIP        string               `json:"privateIp"`
	SecondaryIPs     []string             `json:"secondaryIps,omitempty"`
	Groups           []instances.GroupRef `json:"groups"`
	SourceDestCheck  bool                 `json:"sourceDestCheck"`
	Attachment       *Attachment          `json:"attachment,omitempty"`
}

// List returns the account's interface records in the region.
func List(ctx context.Context, s *store.Store, region, account string) ([]Interface, error) {
	return store.ListAll[Interface](ctx, s, Kind.ListPrefix(region, account))
}

// All returns every interface record (the host agent's view).
func All(ctx context.Context, s *store.Store) ([]Interface, error) {
	return store.ListAll[Interface](ctx, s, store.Key(Kind.Store)+"/")
}

// update changes a stored interface with optimistic concurrency.
func update(ctx context.Context, s *store.Store, region, account, id string, change func(*Interface) error) (*Interface, error) {
	for range 20 {
		var ifc Interface
		rev, err := s.Get(ctx, Kind.Key(region, account, id), &ifc)
		if errors.Is(err, store.ErrNotFound) {
			return nil, notFound(id)
		}
		if err != nil {
			return nil, err
		}
		if err := change(&ifc); err != nil {
			return nil, err
		}
		err = s.Txn().Update(Kind.Key(region, account, id), rev, &ifc).Commit(ctx)
		if errors.Is(err, store.ErrConflict) {
			continue
		}
		return &ifc, err
	}
	return nil, awserr.New(http.StatusServiceUnavailable, "RequestLimitExceeded", "The network interface %s is being modified concurrently; retry.", id)
}

// Update is update for the host agent, which moves attachments along.
func Update(ctx context.Context, s *store.Store, region, account, id string, change func(*Interface) error) (*Interface, error) {
	return update(ctx, s, region, account, id, change)
}

// Delete removes a stored interface and gives back its addresses.
func Delete(ctx context.Context, s *store.Store, ifc *Interface) error {
	txn := s.Txn().Delete(Kind.Key(ifc.Region, ifc.Account, ifc.ID), 0)
	for _, ip := range ifc.Addresses() {
		txn.Delete(ipKey(ifc.Region, ifc.VPCID, ip), 0)
	}
	return txn.Commit(ctx)
}

// Addresses returns the primary and secondary private addresses.
func (i *Interface) Addresses() []string { return append([]string{i.PrivateIP}, i.SecondaryIPs...) }

func notFound(id string) error {
	return awserr.BadRequest(Kind.NotFound, "The networkInterface ID '%s' does not exist", id)
}

// AttachedTo returns the interfaces attached (or attaching or detaching) to
// the instance, by device index.
func AttachedTo(all []Interface, instanceID string) []Interface {
	var out []Interface
	for _, ifc := range all {
		if ifc.Attachment != nil && ifc.Attachment.InstanceID == instanceID {
			out = append(out, ifc)
		}
	}
	slices.SortFunc(out, func(a, b Interface) int { return int(a.Attachment.DeviceIndex - b.Attachment.DeviceIndex) })
	return out
}
