package vpc

import (
	"context"
	"errors"
	"net/http"
	"net/netip"

	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/ec2/resource"
	"github.com/kumo-cloud/kumo/internal/store"
)

// Kinds of the routing records.
var (
	GatewayKind = resource.Kind{Type: "internet-gateway", Prefix: "igw", Store: "internetgateway", Noun: "internetGateway",
		NotFound: "InvalidInternetGatewayID.NotFound", Malformed: "InvalidInternetGatewayID.Malformed"}
	RouteTableKind = resource.Kind{Type: "route-table", Prefix: "rtb", Store: "routetable", Noun: "routeTable",
		NotFound: "InvalidRouteTableID.NotFound", Malformed: "InvalidRouteTableID.Malformed"}
	// AssociationKind names route table associations. They live inside their
	// table's record and cannot be tagged.
	AssociationKind = resource.Kind{Type: "route-table-association", Prefix: "rtbassoc", Store: "routetable", Noun: "association",
		NotFound: "InvalidAssociationID.NotFound", Malformed: "InvalidAssociationID.Malformed"}
)

// InternetGateway connects a VPC to the internet.
type InternetGateway struct {
	resource.Meta
	// VPCID is the VPC the gateway is attached to, if any.
	VPCID string `json:"vpcId,omitempty"`
}

// RouteTable decides where the traffic of its subnets goes.
type RouteTable struct {
	resource.Meta
	VPCID        string        `json:"vpcId"`
	Routes       []Route       `json:"routes"`
	Associations []Association `json:"associations,omitempty"`
}

// Route sends traffic for a destination to a target.
type Route struct {
	Destination netip.Prefix `json:"destination"`
	// GatewayID is "local" (the VPC itself) or an internet gateway id.
	GatewayID string `json:"gatewayId"`
	// Origin is CreateRouteTable for the local route, CreateRoute otherwise.
	Origin string `json:"origin"`
}

// Association ties a route table to a subnet, or makes it its VPC's main
// table: the table of every subnet without an explicit association.
type Association struct {
	ID       string `json:"id"`
	Main     bool   `json:"main,omitempty"`
	SubnetID string `json:"subnetId,omitempty"`
}

// LocalGateway is the target of the route every table has for its VPC's range.
const LocalGateway = "local"

// InternetCIDR is the default route's destination.
var InternetCIDR = netip.MustParsePrefix("0.0.0.0/0")

// IsMain reports whether the table is its VPC's main table.
func (t *RouteTable) IsMain() bool {
	for _, a := range t.Associations {
		if a.Main {
			return true
		}
	}
	return false
}

// route returns the index of the route for dst, or -1.
func (t *RouteTable) route(dst netip.Prefix) int {
	for i, r := range t.Routes {
		if r.Destination == dst {
			return i
		}
	}
	return -1
}

// RouteState is "active" for the local route and routes to a gateway attached
// to the table's VPC, "blackhole" otherwise, as AWS shows them.
func RouteState(r Route, vpcID string, gateways map[string]*InternetGateway) string {
	if r.GatewayID == LocalGateway {
		return "active"
	}
	if g := gateways[r.GatewayID]; g != nil && g.VPCID == vpcID {
		return "active"
	}
	return "blackhole"
}

// newRouteTable returns a table of the VPC with only the local route.
func newRouteTable(meta resource.Meta, v *VPC) *RouteTable {
	return &RouteTable{Meta: meta, VPCID: v.ID,
		Routes: []Route{{Destination: v.CIDR.Masked(), GatewayID: LocalGateway, Origin: "CreateRouteTable"}}}
}

// subnetAssociation is the index that makes a subnet's explicit association
// unique: it is created in the transaction that associates the subnet.
type subnetAssociation struct {
	RouteTableID  string `json:"routeTableId"`
	AssociationID string `json:"associationId"`
}

func subnetAssocKey(region, account, subnetID string) string {
	return store.Key("rtbassoc-subnet", region, account, subnetID)
}

// GetGateway returns an internet gateway of the account, or InvalidInternetGatewayID.NotFound.
func (s *Service) GetGateway(ctx context.Context, region, account, id string) (*InternetGateway, error) {
	return get[InternetGateway](ctx, s.Store, GatewayKind, region, account, id)
}

// GetRouteTable returns a route table of the account, or InvalidRouteTableID.NotFound.
func (s *Service) GetRouteTable(ctx context.Context, region, account, id string) (*RouteTable, error) {
	return get[RouteTable](ctx, s.Store, RouteTableKind, region, account, id)
}

// Gateways lists the account's internet gateways in the region.
func (s *Service) Gateways(ctx context.Context, region, account string) ([]InternetGateway, error) {
	return store.ListAll[InternetGateway](ctx, s.Store, GatewayKind.ListPrefix(region, account))
}

// RouteTables lists the account's route tables in the region.
func (s *Service) RouteTables(ctx context.Context, region, account string) ([]RouteTable, error) {
	return store.ListAll[RouteTable](ctx, s.Store, RouteTableKind.ListPrefix(region, account))
}

func (s *Service) gatewaysByID(ctx context.Context, region, account string) (map[string]*InternetGateway, error) {
	gs, err := s.Gateways(ctx, region, account)
	if err != nil {
		return nil, err
	}
	out := make(map[string]*InternetGateway, len(gs))
	for i := range gs {
		out[gs[i].ID] = &gs[i]
	}
	return out, nil
}

// InternetRouted reports whether the subnet's route table (its explicit
// association, else its VPC's main table) sends 0.0.0.0/0 to an internet
// gateway attached to the subnet's VPC: only then are the subnet's instances
// reachable at their public addresses.
func (s *Service) InternetRouted(ctx context.Context, region, account, subnetID string) (bool, error) {
	sn, err := s.GetSubnet(ctx, region, account, subnetID)
	if err != nil {
		return false, err
	}
	v, err := s.GetVPC(ctx, region, account, sn.VPCID)
	if err != nil {
		return false, err
	}
	if v.IsDefault && !v.Routing {
		if v, err = s.upgradeDefault(ctx, v); err != nil {
			return false, err
		}
	}
	t, err := s.subnetTable(ctx, sn)
	if err != nil || t == nil {
		return false, err
	}
	i := t.route(InternetCIDR)
	if i < 0 || t.Routes[i].GatewayID == LocalGateway {
		return false, nil
	}
	g, err := s.GetGateway(ctx, region, account, t.Routes[i].GatewayID)
	if awsErr, ok := awserr.As(err); ok && awsErr.Code == GatewayKind.NotFound {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return g.VPCID == sn.VPCID, nil
}

// HasInternetGateway reports whether an internet gateway is attached to the
// VPC, as AssociateAddress requires.
func (s *Service) HasInternetGateway(ctx context.Context, region, account, vpcID string) (bool, error) {
	v, err := s.GetVPC(ctx, region, account, vpcID)
	if err != nil {
		return false, err
	}
	if v.IsDefault && !v.Routing {
		if v, err = s.upgradeDefault(ctx, v); err != nil {
			return false, err
		}
	}
	return v.InternetGatewayID != "", nil
}

// subnetTable returns the subnet's route table: its explicit association,
// else its VPC's main table (nil if the VPC has none).
func (s *Service) subnetTable(ctx context.Context, sn *Subnet) (*RouteTable, error) {
	var a subnetAssociation
	_, err := s.Store.Get(ctx, subnetAssocKey(sn.Region, sn.Account, sn.ID), &a)
	if err == nil {
		return s.GetRouteTable(ctx, sn.Region, sn.Account, a.RouteTableID)
	}
	if !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	return s.mainTable(ctx, sn.Region, sn.Account, sn.VPCID)
}

// mainTable returns the VPC's main route table, or nil.
func (s *Service) mainTable(ctx context.Context, region, account, vpcID string) (*RouteTable, error) {
	ts, err := s.RouteTables(ctx, region, account)
	if err != nil {
		return nil, err
	}
	for i := range ts {
		if ts[i].VPCID == vpcID && ts[i].IsMain() {
			return &ts[i], nil
		}
	}
	return nil, nil
}

// changed tells the host agent that the network's records changed.
func (s *Service) changed() {
	if s.Changed != nil {
		s.Changed()
	}
}

// commit commits txn and, when it succeeds, wakes the host agent.
func (s *Service) commit(ctx context.Context, txn *store.Txn) error {
	err := txn.Commit(ctx)
	if err == nil {
		s.changed()
	}
	return err
}

// retry runs an optimistic read-check-commit step until it does not lose a
// race (store.ErrConflict) with a concurrent writer.
func retry(step func() error) error {
	for attempt := 0; ; attempt++ {
		err := step()
		if !errors.Is(err, store.ErrConflict) {
			return err
		}
		if attempt == 10 {
			return awserr.New(http.StatusServiceUnavailable, "RequestLimitExceeded", "The resources are being modified concurrently; retry.")
		}
	}
}

// getRev reads a record of a kind with its revision, for a conditional write.
func getRev[T any](ctx context.Context, s *store.Store, k resource.Kind, region, account, id string) (*T, int64, error) {
	if !k.ValidID(id) {
		return nil, 0, awserr.BadRequest(k.Malformed, "Invalid id: \"%s\"", id)
	}
	var v T
	rev, err := s.Get(ctx, k.Key(region, account, id), &v)
	if errors.Is(err, store.ErrNotFound) {
		return nil, 0, awserr.BadRequest(k.NotFound, "The %s ID '%s' does not exist", k.Noun, id)
	}
	if err != nil {
		return nil, 0, err
	}
	return &v, rev, nil
}
