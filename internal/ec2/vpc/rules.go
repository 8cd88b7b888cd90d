package vpc

import (
	"context"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/awsquery/ec2api"
	"github.com/kumo-cloud/kumo/internal/ec2/tags"
)

// normalizeProtocol returns the stored form of an IpProtocol: "-1" for all
// ("all" too), the names tcp, udp, icmp and icmpv6 for themselves or their
// numbers, and any other protocol number 0–255 in decimal.
func normalizeProtocol(p string) (string, error) {
	s := strings.ToLower(strings.TrimSpace(p))
	switch s {
	case "":
		return "", awserr.MissingParameter("ipProtocol")
	case "-1", "all":
		return "-1", nil
	case "tcp", "6":
		return "tcp", nil
	case "udp", "17":
		return "udp", nil
	case "icmp", "1":
		return "icmp", nil
	case "icmpv6", "58":
		return "icmpv6", nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > 255 {
		return "", awserr.InvalidParameterValue("Invalid value '%s' for IP protocol. Unknown protocol.", p)
	}
	return strconv.Itoa(n), nil
}

// ports validates the port range (or ICMP type and code) of a protocol and
// returns what is stored: -1/-1 for protocols without ports.
func ports(proto string, from, to *int32) (int32, int32, error) {
	switch proto {
	case "tcp", "udp":
		if from == nil || to == nil {
			return 0, 0, awserr.InvalidParameterValue("Invalid value 'null' for portRange. Must specify both from and to ports with TCP/UDP.")
		}
		f, t := *from, *to
		if f < 0 || f > 65535 {
			return 0, 0, awserr.InvalidParameterValue("Invalid value '%d' for fromPort. Must be between 0 and 65535.", f)
		}
		if t < 0 || t > 65535 {
			return 0, 0, awserr.InvalidParameterValue("Invalid value '%d' for toPort. Must be between 0 and 65535.", t)
		}
		if f > t {
			return 0, 0, awserr.InvalidParameterValue("Invalid TCP/UDP port range, fromPort (%d) is greater than toPort (%d).", f, t)
		}
		return f, t, nil
	case "icmp", "icmpv6":
		f, t := int32(-1), int32(-1)
		if from != nil {
			f = *from
		}
		if to != nil {
			t = *to
		}
		if f < -1 || f > 255 {
			return 0, 0, awserr.InvalidParameterValue("Invalid value '%d' for ICMP type. Must be between -1 and 255.", f)
		}
		if t < -1 || t > 255 {
			return 0, 0, awserr.InvalidParameterValue("Invalid value '%d' for ICMP code. Must be between -1 and 255.", t)
		}
		if f == -1 && t != -1 {
			return 0, 0, awserr.InvalidParameterValue("Invalid value '%d' for ICMP code. A code requires a specific ICMP type.", t)
		}
		return f, t, nil
	}
	return -1, -1, nil
}

// parseCIDR validates a rule's CIDR: the right family, and no host bits set.
func parseCIDR(s string, v6 bool) (string, error) {
	p, err := netip.ParsePrefix(strings.TrimSpace(s))
	if err != nil || p.Addr().Is6() != v6 || p.Addr().Is4In6() {
		if v6 {
			return "", awserr.InvalidParameterValue("Value (%s) for parameter cidrIpv6 is invalid. This is not a valid IPv6 CIDR block.", s)
		}
		return "", awserr.InvalidParameterValue("Value (%s) for parameter cidrIp is invalid. This is not a valid CIDR block.", s)
	}
	if p.Masked() != p {
		return "", awserr.InvalidParameterValue("CIDR block %s is malformed", s)
	}
	return p.String(), nil
}

func checkDescription(d *string) (string, error) {
	s := aws.ToString(d)
	if !validText(s) {
		return "", awserr.InvalidParameterValue("Invalid rule description. Valid descriptions are strings less than 256 characters from the following set:  a-zA-Z0-9. _-:/()#,@[]+=&;{}!$*")
	}
	return s, nil
}

// peerGroup resolves a group a rule of g refers to: it must be the caller's
// and in g's VPC.
func (s *Service) peerGroup(ctx context.Context, g *SecurityGroup, id, name, user string) (*GroupPeer, error) {
	if user != "" && user != g.Account {
		return nil, awserr.BadRequest("InvalidGroup.NotFound", "The security group '%s%s' does not exist for user '%s'", id, name, user)
	}
	var peer *SecurityGroup
	var err error
	switch {
	case id == g.ID:
		peer = g
	case id != "":
		peer, err = s.GetGroup(ctx, g.Region, g.Account, id)
	case name != "":
		peer, err = s.groupByName(ctx, g.Region, g.Account, g.VPCID, name)
	default:
		return nil, awserr.MissingParameter("groupId or groupName of UserIdGroupPair")
	}
	if err != nil {
		return nil, err
	}
	if peer.VPCID != g.VPCID {
		return nil, awserr.BadRequest("InvalidGroup.NotFound", "You have specified two resources that belong to different networks.")
	}
	return &GroupPeer{GroupID: peer.ID, UserID: peer.Account}, nil
}

// rulesFromPermissions turns request permissions into rules of g, one per
// peer, without ids.
func (s *Service) rulesFromPermissions(ctx context.Context, g *SecurityGroup, perms []ec2api.IpPermission) ([]Rule, error) {
	var out []Rule
	for _, p := range perms {
		proto, err := normalizeProtocol(aws.ToString(p.IpProtocol))
		if err != nil {
			return nil, err
		}
		from, to, err := ports(proto, p.FromPort, p.ToPort)
		if err != nil {
			return nil, err
		}
		base := Rule{Protocol: proto, FromPort: from, ToPort: to}
		if len(p.PrefixListIds) > 0 {
			return nil, awserr.BadRequest("InvalidPrefixListId.NotFound", "The prefix list ID '%s' does not exist", aws.ToString(p.PrefixListIds[0].PrefixListId))
		}
		if len(p.IpRanges)+len(p.Ipv6Ranges)+len(p.UserIdGroupPairs) == 0 {
			return nil, awserr.InvalidParameterValue("The request must contain at least one of IpRanges, Ipv6Ranges or UserIdGroupPairs for each IpPermission.")
		}
		for _, rg := range p.IpRanges {
			r := base
			if r.CIDRv4, err = parseCIDR(aws.ToString(rg.CidrIp), false); err != nil {
				return nil, err
			}
			if r.Description, err = checkDescription(rg.Description); err != nil {
				return nil, err
			}
			out = append(out, r)
		}
		for _, rg := range p.Ipv6Ranges {
			r := base
			if r.CIDRv6, err = parseCIDR(aws.ToString(rg.CidrIpv6), true); err != nil {
				return nil, err
			}
			if r.Description, err = checkDescription(rg.Description); err != nil {
				return nil, err
			}
			out = append(out, r)
		}
		for _, pair := range p.UserIdGroupPairs {
			r := base
			if r.Group, err = s.peerGroup(ctx, g, aws.ToString(pair.GroupId), aws.ToString(pair.GroupName), aws.ToString(pair.UserId)); err != nil {
				return nil, err
			}
			if r.Description, err = checkDescription(pair.Description); err != nil {
				return nil, err
			}
			out = append(out, r)
		}
	}
	return out, nil
}

// sameRule reports whether two rules allow the same traffic (descriptions and
// tags aside): AWS treats such rules as one.
func sameRule(a, b *Rule) bool {
	return a.Protocol == b.Protocol && a.FromPort == b.FromPort && a.ToPort == b.ToPort && a.Peer() == b.Peer()
}

// find returns the index of the rule in rs that allows what r does, or -1.
func find(rs []Rule, r *Rule) int {
	for i := range rs {
		if sameRule(&rs[i], r) {
			return i
		}
	}
	return -1
}

func describeRule(r *Rule) string {
	proto := strings.ToUpper(r.Protocol)
	if r.Protocol == "-1" {
		proto = "ALL"
	}
	return fmt.Sprintf("peer: %s, %s, from port: %d, to port: %d, ALLOW", r.Peer(), proto, r.FromPort, r.ToPort)
}

func duplicate(r *Rule) error {
	return awserr.BadRequest("InvalidPermission.Duplicate", "the specified rule \"%s\" already exists", describeRule(r))
}

// checkLimit enforces the per-direction quota, counted separately for IPv4
// and IPv6 peers as AWS does.
func (s *Service) checkLimit(rs []Rule) error {
	limit := s.RulesPerGroup
	if limit == 0 {
		limit = DefaultRulesPerGroup
	}
	v4, v6 := 0, 0
	for _, r := range rs {
		if r.CIDRv6 == "" {
			v4++
		}
		if r.CIDRv4 == "" {
			v6++
		}
	}
	if v4 > limit || v6 > limit {
		return awserr.BadRequest("RulesPerSecurityGroupLimitExceeded", "The maximum number of rules per security group has been reached.")
	}
	return nil
}

// permissionsToWire regroups rules into IpPermissions by (protocol, from, to),
// in the order the groups first appear.
func permissionsToWire(rules []Rule) []ec2api.IpPermission {
	out := []ec2api.IpPermission{}
	index := map[[3]string]int{}
	for _, r := range rules {
		k := [3]string{r.Protocol, strconv.Itoa(int(r.FromPort)), strconv.Itoa(int(r.ToPort))}
		i, ok := index[k]
		if !ok {
			p := ec2api.IpPermission{IpProtocol: aws.String(r.Protocol)}
			if hasPorts(r.Protocol) {
				p.FromPort, p.ToPort = aws.Int32(r.FromPort), aws.Int32(r.ToPort)
			}
			i = len(out)
			index[k] = i
			out = append(out, p)
		}
		p := &out[i]
		desc := optional(r.Description)
		switch {
		case r.CIDRv4 != "":
			p.IpRanges = append(p.IpRanges, ec2api.IpRange{CidrIp: aws.String(r.CIDRv4), Description: desc})
		case r.CIDRv6 != "":
			p.Ipv6Ranges = append(p.Ipv6Ranges, ec2api.Ipv6Range{CidrIpv6: aws.String(r.CIDRv6), Description: desc})
		case r.Group != nil:
			p.UserIdGroupPairs = append(p.UserIdGroupPairs, ec2api.UserIdGroupPair{
				GroupId: aws.String(r.Group.GroupID), UserId: aws.String(r.Group.UserID), Description: desc})
		}
	}
	return out
}

// hasPorts reports whether a protocol's rules carry ports (or ICMP type/code) on the wire.
func hasPorts(proto string) bool {
	switch proto {
	case "tcp", "udp", "icmp", "icmpv6":
		return true
	}
	return false
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return aws.String(s)
}

// ruleToWire is a rule as DescribeSecurityGroupRules and Authorize* return it.
func ruleToWire(g *SecurityGroup, r *Rule, egress bool) ec2api.SecurityGroupRule {
	out := ec2api.SecurityGroupRule{
		SecurityGroupRuleId: aws.String(r.ID), GroupId: aws.String(g.ID), GroupOwnerId: aws.String(g.Account),
		IsEgress: aws.Bool(egress), IpProtocol: aws.String(r.Protocol),
		FromPort: aws.Int32(r.FromPort), ToPort: aws.Int32(r.ToPort),
		CidrIpv4: optional(r.CIDRv4), CidrIpv6: optional(r.CIDRv6), Description: optional(r.Description),
		Tags: tags.ToWire(r.Tags),
	}
	if r.Group != nil {
		out.ReferencedGroupInfo = &ec2api.ReferencedSecurityGroup{GroupId: aws.String(r.Group.GroupID), UserId: aws.String(r.Group.UserID)}
	}
	return out
}
