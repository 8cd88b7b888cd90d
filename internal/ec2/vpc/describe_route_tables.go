package vpc

import (
	"context"
	"strconv"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awsquery/ec2api"
	"github.com/kumo-cloud/kumo/internal/ec2/describe"
	"github.com/kumo-cloud/kumo/internal/ec2/filter"
	"github.com/kumo-cloud/kumo/internal/ec2/paging"
)

var routeTableFilters = []string{"route-table-id", "vpc-id", "owner-id",
	"association.main", "association.subnet-id", "association.route-table-association-id", "association.route-table-id",
	"route.gateway-id", "route.destination-cidr-block", "route.state", "route.origin"}

// DescribeRouteTables lists the account's route tables.
func (h *Handlers) DescribeRouteTables(ctx context.Context, r *api.Request, in *ec2api.DescribeRouteTablesRequest) (*ec2api.DescribeRouteTablesResult, error) {
	fs, err := filter.FromWire(in.Filters, routeTableFilters, true)
	if err != nil {
		return nil, err
	}
	var gateways map[string]*InternetGateway
	q := describe.Query[RouteTable]{Kind: RouteTableKind, IDs: in.RouteTableIds, Filters: fs, MinPage: 5, MaxPage: 100,
		Page: paging.Request{Op: "DescribeRouteTables", MaxResults: in.MaxResults, NextToken: in.NextToken},
		Fields: func(t *RouteTable) filter.Fields {
			m := map[string][]string{"route-table-id": {t.ID}, "vpc-id": {t.VPCID}, "owner-id": {t.Account}}
			for _, a := range t.Associations {
				m["association.main"] = append(m["association.main"], strconv.FormatBool(a.Main))
				m["association.route-table-association-id"] = append(m["association.route-table-association-id"], a.ID)
				m["association.route-table-id"] = append(m["association.route-table-id"], t.ID)
				if a.SubnetID != "" {
					m["association.subnet-id"] = append(m["association.subnet-id"], a.SubnetID)
				}
			}
			for _, rt := range t.Routes {
				m["route.gateway-id"] = append(m["route.gateway-id"], rt.GatewayID)
				m["route.destination-cidr-block"] = append(m["route.destination-cidr-block"], rt.Destination.String())
				m["route.state"] = append(m["route.state"], RouteState(rt, t.VPCID, gateways))
				m["route.origin"] = append(m["route.origin"], rt.Origin)
			}
			return filter.Values(m)
		}}
	if err := q.CheckIDs(); err != nil {
		return nil, err
	}
	if err := r.Authorize(in.DryRun); err != nil {
		return nil, err
	}
	if _, err := h.VPCs.DefaultVPC(ctx, r.Region, r.AccountID); err != nil {
		return nil, err
	}
	if gateways, err = h.VPCs.gatewaysByID(ctx, r.Region, r.AccountID); err != nil {
		return nil, err
	}
	all, err := h.VPCs.RouteTables(ctx, r.Region, r.AccountID)
	if err != nil {
		return nil, err
	}
	page, next, err := q.Run(all)
	if err != nil {
		return nil, err
	}
	out := &ec2api.DescribeRouteTablesResult{RouteTables: []ec2api.RouteTable{}, NextToken: next}
	for i := range page {
		out.RouteTables = append(out.RouteTables, routeTableToWire(&page[i], gateways))
	}
	return out, nil
}
