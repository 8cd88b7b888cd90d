package vpc

import (
	"context"
	"sort"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awsquery/ec2api"
	"github.com/kumo-cloud/kumo/internal/ec2/describe"
	"github.com/kumo-cloud/kumo/internal/ec2/filter"
	"github.com/kumo-cloud/kumo/internal/ec2/paging"
)

// ruleRow is one rule with the group and direction it belongs to.
type ruleRow struct {
	Rule
	group  *SecurityGroup
	egress bool
}

// DescribeSecurityGroupRules lists rules one by one, with their ids.
func (h *Handlers) DescribeSecurityGroupRules(ctx context.Context, r *api.Request, in *ec2api.DescribeSecurityGroupRulesRequest) (*ec2api.DescribeSecurityGroupRulesResult, error) {
	fs, err := filter.FromWire(in.Filters, []string{"group-id", "security-group-rule-id"}, true)
	if err != nil {
		return nil, err
	}
	q := describe.Query[ruleRow]{Kind: RuleKind, IDs: in.SecurityGroupRuleIds, Filters: fs, MinPage: 5, MaxPage: 1000,
		Page: paging.Request{Op: "DescribeSecurityGroupRules", MaxResults: in.MaxResults, NextToken: in.NextToken},
		ID:   func(x *ruleRow) string { return x.ID }, Tags: func(x *ruleRow) map[string]string { return x.Tags },
		Fields: func(x *ruleRow) filter.Fields {
			return filter.Values(map[string][]string{"group-id": {x.group.ID}, "security-group-rule-id": {x.ID}})
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
	groups, err := h.VPCs.Groups(ctx, r.Region, r.AccountID)
	if err != nil {
		return nil, err
	}
	var rows []ruleRow
	for i := range groups {
		g := &groups[i]
		for _, egress := range []bool{false, true} {
			for _, rule := range g.Rules(egress) {
				rows = append(rows, ruleRow{Rule: rule, group: g, egress: egress})
			}
		}
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].ID < rows[j].ID })
	page, next, err := q.Run(rows)
	if err != nil {
		return nil, err
	}
	out := &ec2api.DescribeSecurityGroupRulesResult{SecurityGroupRules: []ec2api.SecurityGroupRule{}, NextToken: next}
	for i := range page {
		out.SecurityGroupRules = append(out.SecurityGroupRules, ruleToWire(page[i].group, &page[i].Rule, page[i].egress))
	}
	return out, nil
}
