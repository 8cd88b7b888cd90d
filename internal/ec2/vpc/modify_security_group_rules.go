package vpc

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/awsquery/ec2api"
)

// ModifySecurityGroupRules replaces the definition of rules of a group by id;
// each rule keeps its id, direction and tags.
func (h *Handlers) ModifySecurityGroupRules(ctx context.Context, r *api.Request, in *ec2api.ModifySecurityGroupRulesRequest) (*ec2api.ModifySecurityGroupRulesResult, error) {
	groupID := aws.ToString(in.GroupId)
	if groupID == "" {
		return nil, awserr.MissingParameter("GroupId")
	}
	if !GroupKind.ValidID(groupID) {
		return nil, awserr.BadRequest(GroupKind.Malformed, "Invalid id: \"%s\"", groupID)
	}
	if len(in.SecurityGroupRules) == 0 {
		return nil, awserr.MissingParameter("SecurityGroupRule")
	}
	for _, u := range in.SecurityGroupRules {
		id := aws.ToString(u.SecurityGroupRuleId)
		if !RuleKind.ValidID(id) {
			return nil, awserr.BadRequest(RuleKind.Malformed, "Invalid id: \"%s\"", id)
		}
		if u.SecurityGroupRule == nil {
			return nil, awserr.MissingParameter("SecurityGroupRule.SecurityGroupRule")
		}
	}
	g, err := h.VPCs.GetGroup(ctx, r.Region, r.AccountID, groupID)
	if err != nil {
		return nil, err
	}
	repl := make([]Rule, len(in.SecurityGroupRules))
	for i, u := range in.SecurityGroupRules {
		if repl[i], err = h.VPCs.ruleFromRequest(ctx, g, u.SecurityGroupRule); err != nil {
			return nil, err
		}
		repl[i].ID = aws.ToString(u.SecurityGroupRuleId)
	}
	if err := r.AuthorizeOn(in.DryRun, g.Authz()); err != nil {
		return nil, err
	}
	_, err = h.VPCs.updateGroup(ctx, r.Region, r.AccountID, groupID, func(g *SecurityGroup) error {
		in, eg := append([]Rule(nil), g.Ingress...), append([]Rule(nil), g.Egress...)
		for _, n := range repl {
			rs := &in
			i := ruleIndex(in, n.ID)
			if i < 0 {
				rs, i = &eg, ruleIndex(eg, n.ID)
			}
			if i < 0 {
				return ruleNotFound(n.ID)
			}
			n.Tags = (*rs)[i].Tags
			(*rs)[i] = n
		}
		for _, rs := range [][]Rule{in, eg} {
			for i := range rs {
				if find(rs[:i], &rs[i]) >= 0 {
					return duplicate(&rs[i])
				}
			}
			if err := h.VPCs.checkLimit(rs); err != nil {
				return err
			}
		}
		g.Ingress, g.Egress = in, eg
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &ec2api.ModifySecurityGroupRulesResult{Return: aws.Bool(true)}, nil
}

// ruleFromRequest turns a SecurityGroupRuleRequest into a rule of g without an id.
func (s *Service) ruleFromRequest(ctx context.Context, g *SecurityGroup, q *ec2api.SecurityGroupRuleRequest) (Rule, error) {
	proto, err := normalizeProtocol(aws.ToString(q.IpProtocol))
	if err != nil {
		return Rule{}, err
	}
	from, to, err := ports(proto, q.FromPort, q.ToPort)
	if err != nil {
		return Rule{}, err
	}
	r := Rule{Protocol: proto, FromPort: from, ToPort: to}
	if r.Description, err = checkDescription(q.Description); err != nil {
		return Rule{}, err
	}
	peers := 0
	for _, p := range []*string{q.CidrIpv4, q.CidrIpv6, q.ReferencedGroupId, q.PrefixListId} {
		if aws.ToString(p) != "" {
			peers++
		}
	}
	if peers != 1 {
		return Rule{}, awserr.InvalidParameterCombination("Exactly one of CidrIpv4, CidrIpv6, PrefixListId and ReferencedGroupId must be specified.")
	}
	switch {
	case q.CidrIpv4 != nil && *q.CidrIpv4 != "":
		r.CIDRv4, err = parseCIDR(*q.CidrIpv4, false)
	case q.CidrIpv6 != nil && *q.CidrIpv6 != "":
		r.CIDRv6, err = parseCIDR(*q.CidrIpv6, true)
	case q.ReferencedGroupId != nil && *q.ReferencedGroupId != "":
		r.Group, err = s.peerGroup(ctx, g, *q.ReferencedGroupId, "", "")
	default:
		err = awserr.BadRequest("InvalidPrefixListId.NotFound", "The prefix list ID '%s' does not exist", aws.ToString(q.PrefixListId))
	}
	return r, err
}
