package vpc

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/awsquery/ec2api"
	"github.com/kumo-cloud/kumo/internal/ec2/tags"
)

// legacyPermission is the old single-rule form of Authorize/Revoke
// (CidrIp, IpProtocol, FromPort, ToPort, SourceSecurityGroupName) as an
// IpPermission; nil when the request does not use it.
type legacyPermission struct {
	CidrIp, IpProtocol, SourceName, SourceOwner *string
	FromPort, ToPort                            *int32
}

func (l legacyPermission) permissions(perms []ec2api.IpPermission) ([]ec2api.IpPermission, error) {
	used := l.CidrIp != nil || l.IpProtocol != nil || l.SourceName != nil || l.FromPort != nil || l.ToPort != nil
	if !used {
		return perms, nil
	}
	if len(perms) > 0 {
		return nil, awserr.InvalidParameterCombination("The parameter 'ipPermissions' may not be used in combination with 'cidrIp', 'ipProtocol', 'fromPort', 'toPort' or 'sourceSecurityGroupName'")
	}
	p := ec2api.IpPermission{IpProtocol: l.IpProtocol, FromPort: l.FromPort, ToPort: l.ToPort}
	if l.SourceName != nil {
		if l.CidrIp != nil {
			return nil, awserr.InvalidParameterCombination("The parameter 'cidrIp' may not be used in combination with 'sourceSecurityGroupName'")
		}
		if p.IpProtocol == nil {
			// The classic group-to-group grant: every protocol and port.
			p.IpProtocol = aws.String("-1")
		}
		p.UserIdGroupPairs = []ec2api.UserIdGroupPair{{GroupName: l.SourceName, UserId: l.SourceOwner}}
	} else {
		if l.CidrIp == nil {
			return nil, awserr.MissingParameter("cidrIp")
		}
		p.IpRanges = []ec2api.IpRange{{CidrIp: l.CidrIp}}
	}
	return []ec2api.IpPermission{p}, nil
}

// authorize adds rules to one direction of a group.
func (h *Handlers) authorize(ctx context.Context, r *api.Request, egress bool, groupID, groupName string,
	perms []ec2api.IpPermission, specs []ec2api.TagSpecification, dryRun *bool) ([]ec2api.SecurityGroupRule, error) {
	if len(perms) == 0 {
		return nil, awserr.MissingParameter("ipPermissions")
	}
	ruleTags, err := tags.ForType(tags.SpecsFromWire(specs), RuleKind.Type, RuleKind.Type)
	if err != nil {
		return nil, err
	}
	g, err := h.VPCs.resolveGroup(ctx, r.Region, r.AccountID, groupID, groupName)
	if err != nil {
		return nil, err
	}
	add, err := h.VPCs.rulesFromPermissions(ctx, g, perms)
	if err != nil {
		return nil, err
	}
	for i := range add {
		if find(add[:i], &add[i]) >= 0 {
			return nil, duplicate(&add[i])
		}
	}
	// The new rules are resources of their own only for tagging them.
	var created []api.Resource
	if len(ruleTags) > 0 {
		created = append(created, RuleKind.New(r.Region, r.AccountID, ruleTags))
	}
	if err := authorizeNew(r, dryRun, created, g.Authz()); err != nil {
		return nil, err
	}
	g, err = h.VPCs.updateGroup(ctx, r.Region, r.AccountID, g.ID, func(g *SecurityGroup) error {
		rs := g.Rules(egress)
		for i := range add {
			if find(rs, &add[i]) >= 0 {
				return duplicate(&add[i])
			}
		}
		rs = append([]Rule(nil), rs...)
		for i := range add {
			add[i].ID = RuleKind.NewID()
			if len(ruleTags) > 0 {
				add[i].Tags = ruleTags
			}
			rs = append(rs, add[i])
		}
		if err := h.VPCs.checkLimit(rs); err != nil {
			return err
		}
		g.setRules(egress, rs)
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]ec2api.SecurityGroupRule, len(add))
	for i := range add {
		out[i] = ruleToWire(g, &add[i], egress)
	}
	return out, nil
}

// revoke removes rules from one direction of a group, by definition or by id.
// It returns the permissions that matched no rule.
func (h *Handlers) revoke(ctx context.Context, r *api.Request, egress bool, groupID, groupName string,
	perms []ec2api.IpPermission, ids []string, dryRun *bool) ([]ec2api.IpPermission, error) {
	if len(perms) > 0 && len(ids) > 0 {
		return nil, awserr.InvalidParameterCombination("The parameter 'ipPermissions' may not be used in combination with 'securityGroupRuleIds'")
	}
	if len(perms) == 0 && len(ids) == 0 {
		return nil, awserr.MissingParameter("ipPermissions or securityGroupRuleIds")
	}
	for _, id := range ids {
		if !RuleKind.ValidID(id) {
			return nil, awserr.BadRequest(RuleKind.Malformed, "Invalid id: \"%s\"", id)
		}
	}
	g, err := h.VPCs.resolveGroup(ctx, r.Region, r.AccountID, groupID, groupName)
	if err != nil {
		return nil, err
	}
	var del []Rule
	if len(perms) > 0 {
		if del, err = h.VPCs.rulesFromPermissions(ctx, g, perms); err != nil {
			return nil, err
		}
	}
	if err := r.AuthorizeOn(dryRun, g.Authz()); err != nil {
		return nil, err
	}
	var unknown []Rule
	_, err = h.VPCs.updateGroup(ctx, r.Region, r.AccountID, g.ID, func(g *SecurityGroup) error {
		rs := append([]Rule(nil), g.Rules(egress)...)
		unknown = nil
		for _, id := range ids {
			i := ruleIndex(rs, id)
			if i < 0 {
				return ruleNotFound(id)
			}
			rs = append(rs[:i], rs[i+1:]...)
		}
		for k := range del {
			i := find(rs, &del[k])
			if i < 0 {
				unknown = append(unknown, del[k])
				continue
			}
			rs = append(rs[:i], rs[i+1:]...)
		}
		if len(del) > 0 && len(unknown) == len(del) {
			return awserr.BadRequest("InvalidPermission.NotFound", "The specified rule does not exist in this security group.")
		}
		g.setRules(egress, rs)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(unknown) == 0 {
		return nil, nil
	}
	return permissionsToWire(unknown), nil
}

func ruleIndex(rs []Rule, id string) int {
	for i := range rs {
		if rs[i].ID == id {
			return i
		}
	}
	return -1
}

func ruleNotFound(id string) error {
	return awserr.BadRequest(RuleKind.NotFound, "The security group rule ID '%s' does not exist", id)
}

// describe sets the descriptions of existing rules of one direction, named by
// definition (the description of each range) or by id.
func (h *Handlers) describe(ctx context.Context, r *api.Request, egress bool, groupID, groupName string,
	perms []ec2api.IpPermission, descs []ec2api.SecurityGroupRuleDescription, dryRun *bool) error {
	if len(perms) > 0 && len(descs) > 0 {
		return awserr.InvalidParameterCombination("The parameter 'ipPermissions' may not be used in combination with 'securityGroupRuleDescriptions'")
	}
	if len(perms) == 0 && len(descs) == 0 {
		return awserr.MissingParameter("ipPermissions or securityGroupRuleDescriptions")
	}
	byID := map[string]string{}
	for _, d := range descs {
		id := aws.ToString(d.SecurityGroupRuleId)
		if !RuleKind.ValidID(id) {
			return awserr.BadRequest(RuleKind.Malformed, "Invalid id: \"%s\"", id)
		}
		text, err := checkDescription(d.Description)
		if err != nil {
			return err
		}
		byID[id] = text
	}
	g, err := h.VPCs.resolveGroup(ctx, r.Region, r.AccountID, groupID, groupName)
	if err != nil {
		return err
	}
	want, err := h.VPCs.rulesFromPermissions(ctx, g, perms)
	if err != nil {
		return err
	}
	if err := r.AuthorizeOn(dryRun, g.Authz()); err != nil {
		return err
	}
	_, err = h.VPCs.updateGroup(ctx, r.Region, r.AccountID, g.ID, func(g *SecurityGroup) error {
		rs := append([]Rule(nil), g.Rules(egress)...)
		for _, d := range descs {
			i := ruleIndex(rs, aws.ToString(d.SecurityGroupRuleId))
			if i < 0 {
				return ruleNotFound(aws.ToString(d.SecurityGroupRuleId))
			}
			rs[i].Description = byID[rs[i].ID]
		}
		for k := range want {
			i := find(rs, &want[k])
			if i < 0 {
				return awserr.BadRequest("InvalidPermission.NotFound", "The specified rule does not exist in this security group.")
			}
			rs[i].Description = want[k].Description
		}
		g.setRules(egress, rs)
		return nil
	})
	return err
}
