package vpc

import (
	"context"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awsquery/ec2api"
	"github.com/kumo-cloud/kumo/internal/ec2/describe"
	"github.com/kumo-cloud/kumo/internal/ec2/filter"
	"github.com/kumo-cloud/kumo/internal/ec2/paging"
	"github.com/kumo-cloud/kumo/internal/ec2/tags"
)

// ruleFilters are the per-rule filter suffixes of DescribeSecurityGroups; each
// comes as ip-permission.<x> (ingress) and egress.ip-permission.<x>.
var ruleFilters = []string{"cidr", "from-port", "group-id", "ipv6-cidr", "protocol", "to-port", "user-id"}

var groupFilters = func() []string {
	out := []string{"description", "group-id", "group-name", "owner-id", "vpc-id"}
	for _, f := range ruleFilters {
		out = append(out, "ip-permission."+f, "egress.ip-permission."+f)
	}
	return out
}()

// groupFields gives a group's filter values; a rule filter matches when any
// rule of that direction has the value.
func groupFields(g *SecurityGroup) filter.Fields {
	return func(name string) []string {
		switch name {
		case "description":
			return []string{g.Description}
		case "group-id":
			return []string{g.ID}
		case "group-name":
			return []string{g.Name}
		case "owner-id":
			return []string{g.Account}
		case "vpc-id":
			return []string{g.VPCID}
		}
		rs := g.Ingress
		field, ok := strings.CutPrefix(name, "ip-permission.")
		if !ok {
			field, _ = strings.CutPrefix(name, "egress.ip-permission.")
			rs = g.Egress
		}
		var out []string
		for _, r := range rs {
			switch field {
			case "cidr":
				out = append(out, r.CIDRv4)
			case "ipv6-cidr":
				out = append(out, r.CIDRv6)
			case "from-port":
				out = append(out, strconv.Itoa(int(r.FromPort)))
			case "to-port":
				out = append(out, strconv.Itoa(int(r.ToPort)))
			case "protocol":
				out = append(out, r.Protocol)
			case "group-id":
				if r.Group != nil {
					out = append(out, r.Group.GroupID)
				}
			case "user-id":
				if r.Group != nil {
					out = append(out, r.Group.UserID)
				}
			}
		}
		return out
	}
}

// DescribeSecurityGroups lists the account's security groups.
func (h *Handlers) DescribeSecurityGroups(ctx context.Context, r *api.Request, in *ec2api.DescribeSecurityGroupsRequest) (*ec2api.DescribeSecurityGroupsResult, error) {
	fs, err := filter.FromWire(in.Filters, groupFilters, true)
	if err != nil {
		return nil, err
	}
	q := describe.Query[SecurityGroup]{Kind: GroupKind, IDs: in.GroupIds, Filters: fs, MinPage: 5, MaxPage: 1000,
		Page:   paging.Request{Op: "DescribeSecurityGroups", MaxResults: in.MaxResults, NextToken: in.NextToken},
		Fields: groupFields}
	if err := q.CheckIDs(); err != nil {
		return nil, err
	}
	if err := r.Authorize(in.DryRun); err != nil {
		return nil, err
	}
	def, err := h.VPCs.DefaultVPC(ctx, r.Region, r.AccountID)
	if err != nil {
		return nil, err
	}
	if def == nil {
		def = &VPC{} // deleted: no group has a name in it
	}
	all, err := h.VPCs.Groups(ctx, r.Region, r.AccountID)
	if err != nil {
		return nil, err
	}
	if len(in.GroupNames) > 0 {
		// Names are looked up in the default VPC, as on AWS.
		names := map[string]bool{}
		for _, g := range all {
			if g.VPCID == def.ID {
				names[g.Name] = true
			}
		}
		for _, n := range in.GroupNames {
			if !names[n] {
				return nil, awserrGroupName(n)
			}
		}
		want := map[string]bool{}
		for _, n := range in.GroupNames {
			want[n] = true
		}
		var sel []SecurityGroup
		for _, g := range all {
			if g.VPCID == def.ID && want[g.Name] {
				sel = append(sel, g)
			}
		}
		all = sel
	}
	page, next, err := q.Run(all)
	if err != nil {
		return nil, err
	}
	out := &ec2api.DescribeSecurityGroupsResult{SecurityGroups: []ec2api.SecurityGroup{}, NextToken: next}
	for _, g := range page {
		out.SecurityGroups = append(out.SecurityGroups, ec2api.SecurityGroup{
			Description: aws.String(g.Description), GroupName: aws.String(g.Name), OwnerId: aws.String(g.Account),
			GroupId: aws.String(g.ID), VpcId: aws.String(g.VPCID), Tags: tags.ToWire(g.Tags),
			IpPermissions: permissionsToWire(g.Ingress), IpPermissionsEgress: permissionsToWire(g.Egress),
		})
	}
	return out, nil
}
