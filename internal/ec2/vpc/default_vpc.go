package vpc

import (
	"context"
	"errors"
	"net/netip"

	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/ec2/resource"
	"github.com/kumo-cloud/kumo/internal/store"
)

// defaultMarker names the account's default VPC in a region. Deleted is set
// when the account deletes it: as on AWS, it then has no default VPC.
type defaultMarker struct {
	VPCID   string `json:"vpcId"`
	Deleted bool   `json:"deleted,omitempty"`
}

func defaultKey(region, account string) string { return store.Key("defaultvpc", region, account) }

func noDefaultVPC() error {
	return awserr.BadRequest("VPCIdNotSpecified", "No default VPC for this user.")
}

// EnsureDefault returns the account's default VPC in the region, creating it
// on first use with its default subnets, default security group, internet
// gateway and main route table. It fails with VPCIdNotSpecified once the
// account has deleted its default VPC.
func (s *Service) EnsureDefault(ctx context.Context, region, account string) (*VPC, error) {
	v, err := s.DefaultVPC(ctx, region, account)
	if err == nil && v == nil {
		return nil, noDefaultVPC()
	}
	return v, err
}

// DefaultVPC is EnsureDefault for callers that do without a default VPC: it
// returns nil, and no error, when the account has deleted it.
func (s *Service) DefaultVPC(ctx context.Context, region, account string) (*VPC, error) {
	for attempt := 0; ; attempt++ {
		var m defaultMarker
		_, err := s.Store.Get(ctx, defaultKey(region, account), &m)
		if errors.Is(err, store.ErrNotFound) {
			err = s.createDefault(ctx, region, account)
			if err != nil && !errors.Is(err, store.ErrConflict) {
				return nil, err
			}
			continue
		}
		if err != nil {
			return nil, err
		}
		if m.Deleted {
			return nil, nil
		}
		v, err := s.GetVPC(ctx, region, account, m.VPCID)
		if e, ok := awserr.As(err); ok && e.Code == VPCKind.NotFound && attempt < 3 {
			continue // deleted since the marker was read: read it again
		}
		if err != nil {
			return nil, err
		}
		if !v.Routing {
			return s.upgradeDefault(ctx, v)
		}
		return v, nil
	}
}

func (s *Service) createDefault(ctx context.Context, region, account string) error {
	meta := s.metaFunc(region, account)
	v := &VPC{Meta: meta(VPCKind), CIDR: DefaultCIDR, IsDefault: true, InstanceTenancy: "default",
		DNSSupport: true, DNSHostnames: true, DHCPOptionsID: "dopt-" + VPCKind.NewID()[4:],
		CIDRAssociation: "vpc-cidr-assoc-" + VPCKind.NewID()[4:]}
	txn := s.Store.Txn().Create(defaultKey(region, account), defaultMarker{VPCID: v.ID})
	for i, z := range s.Zones(region) {
		sn := &Subnet{Meta: meta(SubnetKind), VPCID: v.ID, AvailabilityZone: z.Name, AvailabilityZoneID: z.ID,
			DefaultForAZ: true, MapPublicIPOnLaunch: true,
			CIDR: netip.PrefixFrom(netip.AddrFrom4([4]byte{172, 31, byte(16 * i), 0}), 20)}
		txn.Create(SubnetKind.Key(region, account, sn.ID), sn)
	}
	addVPC(txn, v, meta, true)
	return s.commit(ctx, txn)
}

// upgradeDefault gives a default VPC written before gateways and route tables
// existed the internet gateway and main route table AWS gives every default
// VPC. Concurrent callers race on the VPC's revision; one wins, the others
// read its result.
func (s *Service) upgradeDefault(ctx context.Context, v *VPC) (*VPC, error) {
	key := VPCKind.Key(v.Region, v.Account, v.ID)
	var out *VPC
	err := retry(func() error {
		var cur VPC
		rev, err := s.Store.Get(ctx, key, &cur)
		if errors.Is(err, store.ErrNotFound) {
			return awserr.BadRequest(VPCKind.NotFound, "The vpc ID '%s' does not exist", v.ID)
		}
		if err != nil {
			return err
		}
		if cur.Routing {
			out = &cur
			return nil
		}
		txn := s.Store.Txn()
		addRouting(txn, &cur, s.metaFunc(v.Region, v.Account), true)
		txn.Update(key, rev, &cur)
		if err := s.commit(ctx, txn); err != nil {
			return err
		}
		out = &cur
		return nil
	})
	return out, err
}

func (s *Service) metaFunc(region, account string) func(resource.Kind) resource.Meta {
	now := s.Now().UTC()
	return func(k resource.Kind) resource.Meta {
		return resource.Meta{ID: k.NewID(), Account: account, Region: region, CreatedAt: now}
	}
}

// addVPC adds to txn the VPC and what every VPC comes with: its default
// security group and its main route table, and for a default VPC an
// attached internet gateway the main table routes 0.0.0.0/0 to.
func addVPC(txn *store.Txn, v *VPC, meta func(resource.Kind) resource.Meta, internet bool) {
	addRouting(txn, v, meta, internet)
	txn.Create(VPCKind.Key(v.Region, v.Account, v.ID), v)
	sg := &SecurityGroup{Meta: meta(GroupKind), VPCID: v.ID, Name: "default", Description: "default VPC security group"}
	sg.Ingress = []Rule{{ID: RuleKind.NewID(), Protocol: "-1", FromPort: -1, ToPort: -1, Group: &GroupPeer{GroupID: sg.ID, UserID: v.Account}}}
	sg.Egress = []Rule{allEgress()}
	txn.Create(GroupKind.Key(v.Region, v.Account, sg.ID), sg).
		Create(groupNameKey(v.Region, v.Account, v.ID, sg.Name), groupNameIndex{ID: sg.ID})
}

// addRouting adds to txn the VPC's main route table and, with internet, an
// internet gateway attached to it and the default route to that gateway. It
// sets the VPC's fields; the caller writes the VPC after.
func addRouting(txn *store.Txn, v *VPC, meta func(resource.Kind) resource.Meta, internet bool) {
	t := newRouteTable(meta(RouteTableKind), v)
	t.Associations = []Association{{ID: AssociationKind.NewID(), Main: true}}
	if internet {
		g := &InternetGateway{Meta: meta(GatewayKind), VPCID: v.ID}
		v.InternetGatewayID = g.ID
		t.Routes = append(t.Routes, Route{Destination: InternetCIDR, GatewayID: g.ID, Origin: "CreateRoute"})
		txn.Create(GatewayKind.Key(v.Region, v.Account, g.ID), g)
	}
	v.Routing = true
	txn.Create(RouteTableKind.Key(v.Region, v.Account, t.ID), t)
}
