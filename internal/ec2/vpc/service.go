package vpc

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"time"

	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/catalog"
	"github.com/kumo-cloud/kumo/internal/ec2/resource"
	"github.com/kumo-cloud/kumo/internal/store"
)

// Service reads and writes the VPC family's records.
type Service struct {
	Store *store.Store
	// Zones returns the availability zones served in a region.
	Zones func(region string) []catalog.Zone
	Now   func() time.Time
	// RulesPerGroup is the quota of inbound (and of outbound) rules per
	// security group; 0 means DefaultRulesPerGroup.
	RulesPerGroup int
	// Changed, if set, is called after every successful change of subnets,
	// gateways, route tables, VPC attributes and security groups, so the host
	// agent brings the data plane up to date at once.
	Changed func()
}

func get[T any](ctx context.Context, s *store.Store, k resource.Kind, region, account, id string) (*T, error) {
	if !k.ValidID(id) {
		return nil, awserr.BadRequest(k.Malformed, "Invalid id: \"%s\"", id)
	}
	var v T
	if _, err := s.Get(ctx, k.Key(region, account, id), &v); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, awserr.BadRequest(k.NotFound, "The %s ID '%s' does not exist", k.Noun, id)
		}
		return nil, err
	}
	return &v, nil
}

// GetVPC returns a VPC of the account, or InvalidVpcID.NotFound.
func (s *Service) GetVPC(ctx context.Context, region, account, id string) (*VPC, error) {
	return get[VPC](ctx, s.Store, VPCKind, region, account, id)
}

// GetSubnet returns a subnet of the account, or InvalidSubnetID.NotFound.
func (s *Service) GetSubnet(ctx context.Context, region, account, id string) (*Subnet, error) {
	return get[Subnet](ctx, s.Store, SubnetKind, region, account, id)
}

// GetGroup returns a security group of the account, or InvalidGroup.NotFound.
func (s *Service) GetGroup(ctx context.Context, region, account, id string) (*SecurityGroup, error) {
	g, err := get[SecurityGroup](ctx, s.Store, GroupKind, region, account, id)
	if err == nil {
		g.upgrade()
	}
	return g, err
}

// Subnets lists the account's subnets in the region.
func (s *Service) Subnets(ctx context.Context, region, account string) ([]Subnet, error) {
	return store.ListAll[Subnet](ctx, s.Store, SubnetKind.ListPrefix(region, account))
}

// VPCs lists the account's VPCs in the region.
func (s *Service) VPCs(ctx context.Context, region, account string) ([]VPC, error) {
	return store.ListAll[VPC](ctx, s.Store, VPCKind.ListPrefix(region, account))
}

// Groups lists the account's security groups in the region, ordered by id.
func (s *Service) Groups(ctx context.Context, region, account string) ([]SecurityGroup, error) {
	gs, err := store.ListAll[SecurityGroup](ctx, s.Store, GroupKind.ListPrefix(region, account))
	for i := range gs {
		gs[i].upgrade()
	}
	return gs, err
}

// DefaultSubnet returns the default subnet of the zone in the account's default VPC.
func (s *Service) DefaultSubnet(ctx context.Context, region, account, zone string) (*Subnet, error) {
	v, err := s.EnsureDefault(ctx, region, account)
	if err != nil {
		return nil, err
	}
	subnets, err := s.Subnets(ctx, region, account)
	if err != nil {
		return nil, err
	}
	for _, sn := range subnets {
		if sn.VPCID == v.ID && sn.DefaultForAZ && sn.AvailabilityZone == zone {
			return &sn, nil
		}
	}
	return nil, awserr.BadRequest("MissingInput", "No default subnet for availability zone: '%s'.", zone)
}

// DefaultGroup returns the VPC's group named "default".
func (s *Service) DefaultGroup(ctx context.Context, region, account, vpcID string) (*SecurityGroup, error) {
	groups, err := s.Groups(ctx, region, account)
	if err != nil {
		return nil, err
	}
	for _, g := range groups {
		if g.VPCID == vpcID && g.Name == "default" {
			return &g, nil
		}
	}
	return nil, fmt.Errorf("vpc %s has no default security group", vpcID)
}

// IPKey is the store key that holds a private address of a VPC; creating it in
// the transaction that creates an interface makes addresses unique.
func IPKey(region, vpcID string, ip netip.Addr) string {
	return store.Key("ip", region, vpcID, ip.String())
}

// FreeIPs picks n unused addresses of the subnet, starting at a random place so
// concurrent launches rarely collide (a collision fails the create, and the
// caller retries).
func (s *Service) FreeIPs(ctx context.Context, region string, sn *Subnet, n int) ([]netip.Addr, error) {
	used := map[netip.Addr]bool{}
	err := s.Store.List(ctx, store.Key("ip", region, sn.VPCID)+"/", "", func(it store.Item) (bool, error) {
		if a, err := netip.ParseAddr(it.Key[len(store.Key("ip", region, sn.VPCID))+1:]); err == nil {
			used[a] = true
		}
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	first, last := FirstHost(sn.CIDR), LastHost(sn.CIDR)
	size := Capacity(sn.CIDR)
	start := rand.IntN(max(size, 1))
	var out []netip.Addr
	a := first
	for range start {
		a = a.Next()
	}
	for i := 0; i < size && len(out) < n; i++ {
		if !used[a] {
			out = append(out, a)
		}
		if a == last {
			a = first
		} else {
			a = a.Next()
		}
	}
	if len(out) < n {
		return nil, awserr.BadRequest("InsufficientFreeAddressesInSubnet", "There are not enough free addresses in subnet '%s' to satisfy the requested number of instances.", sn.ID)
	}
	return out, nil
}

// FreeCount is the number of addresses of the subnet not yet given out.
func (s *Service) FreeCount(ctx context.Context, region string, sn *Subnet) (int, error) {
	used := 0
	err := s.Store.List(ctx, store.Key("ip", region, sn.VPCID)+"/", "", func(it store.Item) (bool, error) {
		if a, err := netip.ParseAddr(it.Key[len(store.Key("ip", region, sn.VPCID))+1:]); err == nil && sn.CIDR.Contains(a) {
			used++
		}
		return true, nil
	})
	return Capacity(sn.CIDR) - used, err
}

func awserrGroupName(name string) error {
	return awserr.BadRequest("InvalidGroup.NotFound", "The security group '%s' does not exist in default VPC", name)
}
