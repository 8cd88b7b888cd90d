package vpc

import (
	"context"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awsquery/ec2api"
	"github.com/kumo-cloud/kumo/internal/ec2/describe"
	"github.com/kumo-cloud/kumo/internal/ec2/filter"
	"github.com/kumo-cloud/kumo/internal/ec2/paging"
)

// DescribeInternetGateways lists the account's internet gateways.
func (h *Handlers) DescribeInternetGateways(ctx context.Context, r *api.Request, in *ec2api.DescribeInternetGatewaysRequest) (*ec2api.DescribeInternetGatewaysResult, error) {
	fs, err := filter.FromWire(in.Filters, []string{"attachment.state", "attachment.vpc-id", "internet-gateway-id", "owner-id"}, true)
	if err != nil {
		return nil, err
	}
	q := describe.Query[InternetGateway]{Kind: GatewayKind, IDs: in.InternetGatewayIds, Filters: fs, MinPage: 5, MaxPage: 1000,
		Page: paging.Request{Op: "DescribeInternetGateways", MaxResults: in.MaxResults, NextToken: in.NextToken},
		Fields: func(g *InternetGateway) filter.Fields {
			m := map[string][]string{"internet-gateway-id": {g.ID}, "owner-id": {g.Account}}
			if g.VPCID != "" {
				m["attachment.state"], m["attachment.vpc-id"] = []string{"available"}, []string{g.VPCID}
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
	all, err := h.VPCs.Gateways(ctx, r.Region, r.AccountID)
	if err != nil {
		return nil, err
	}
	page, next, err := q.Run(all)
	if err != nil {
		return nil, err
	}
	out := &ec2api.DescribeInternetGatewaysResult{InternetGateways: []ec2api.InternetGateway{}, NextToken: next}
	for i := range page {
		out.InternetGateways = append(out.InternetGateways, gatewayToWire(&page[i]))
	}
	return out, nil
}
