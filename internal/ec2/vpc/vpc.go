// Package vpc owns VPCs, subnets, internet gateways, route tables and security
// groups: the records, each account's default VPC (172.31.0.0/16 with a /20
// default subnet per zone, a default security group, an attached internet
// gateway and a main route table sending 0.0.0.0/0 to it, as AWS makes for
// every account), private address allocation, the VPC, subnet, gateway and
// route table API, and the security group API:
// groups and their rules (CreateSecurityGroup, Authorize/Revoke, Modify,
// DescribeSecurityGroups, DescribeSecurityGroupRules …). The host agent
// enforces the rules; this package only keeps the records.
package vpc

import (
	"net/netip"

	"github.com/kumo-cloud/kumo/internal/ec2/resource"
)

// Kinds of the VPC family.
var (
	VPCKind = resource.Kind{Type: "vpc", Prefix: "vpc", Store: "vpc", Noun: "vpc",
		NotFound: "InvalidVpcID.NotFound", Malformed: "InvalidVpcID.Malformed"}
	SubnetKind = resource.Kind{Type: "subnet", Prefix: "subnet", Store: "subnet", Noun: "subnet",
		NotFound: "InvalidSubnetID.NotFound", Malformed: "InvalidSubnetID.Malformed"}
	GroupKind = resource.Kind{Type: "security-group", Prefix: "sg", Store: "securitygroup", Noun: "security group",
		NotFound: "InvalidGroup.NotFound", Malformed: "InvalidGroupId.Malformed"}
	// RuleKind names security group rules. Rules live inside their group's
	// record, so the kind is not registered for CreateTags.
	RuleKind = resource.Kind{Type: "security-group-rule", Prefix: "sgr", Store: "securitygroup", Noun: "security group rule",
		NotFound: "InvalidSecurityGroupRuleId.NotFound", Malformed: "InvalidSecurityGroupRuleId.Malformed"}
)

func init() {
	resource.Register(VPCKind)
	resource.Register(SubnetKind)
	resource.Register(GroupKind)
	resource.Register(GatewayKind)
	resource.Register(RouteTableKind)
}

// VPC is a virtual network.
type VPC struct {
	resource.Meta
	CIDR            netip.Prefix `json:"cidr"`
	IsDefault       bool         `json:"isDefault,omitempty"`
	InstanceTenancy string       `json:"instanceTenancy"`
	DNSSupport      bool         `json:"dnsSupport"`
	DNSHostnames    bool         `json:"dnsHostnames"`
	DHCPOptionsID   string       `json:"dhcpOptionsId"`
	CIDRAssociation string       `json:"cidrAssociationId"`
	// NAUMetrics is the enableNetworkAddressUsageMetrics attribute; Kumo
	// keeps it but publishes no metrics.
	NAUMetrics bool `json:"nauMetrics,omitempty"`
	// InternetGatewayID is the gateway attached to the VPC, if any. The
	// attachment is written to the gateway and the VPC in one transaction,
	// so a VPC has at most one gateway.
	InternetGatewayID string `json:"internetGatewayId,omitempty"`
	// Routing is set once the VPC has its main route table. Default VPCs
	// written before route tables existed lack it and get their gateway
	// and main table on first use.
	Routing bool `json:"routing,omitempty"`
}

// Subnet is a range of a VPC in one availability zone.
type Subnet struct {
	resource.Meta
	VPCID               string       `json:"vpcId"`
	CIDR                netip.Prefix `json:"cidr"`
	AvailabilityZone    string       `json:"availabilityZone"`
	AvailabilityZoneID  string       `json:"availabilityZoneId"`
	DefaultForAZ        bool         `json:"defaultForAz,omitempty"`
	MapPublicIPOnLaunch bool         `json:"mapPublicIpOnLaunch,omitempty"`
	// HostnameType is the private DNS name type of instances launched into
	// the subnet: "ip-name" (the default when empty) or "resource-name".
	HostnameType string `json:"hostnameType,omitempty"`
	// ResourceNameDNSA is enableResourceNameDnsARecordOnLaunch.
	ResourceNameDNSA bool `json:"resourceNameDnsA,omitempty"`
}

// HostnameTypeOrDefault is the subnet's hostname type, "ip-name" unless set.
func (s *Subnet) HostnameTypeOrDefault() string {
	if s.HostnameType == "" {
		return "ip-name"
	}
	return s.HostnameType
}

// Rule is one security group rule, as AWS stores them: one protocol and port
// range with exactly one peer (an IPv4 range, an IPv6 range or a group). An
// IpPermission with two ranges becomes two rules; DescribeSecurityGroups
// regroups them by (protocol, from, to).
type Rule struct {
	// ID is the rule id, "sgr-" and 17 hex digits.
	ID string `json:"id"`
	// Protocol is "-1" (all), "tcp", "udp", "icmp", "icmpv6" or another
	// protocol number in decimal.
	Protocol string `json:"protocol"`
	// FromPort and ToPort bound the ports for tcp and udp; for icmp and icmpv6
	// they are the type and code (-1: any). Both are -1 for other protocols.
	FromPort int32 `json:"fromPort"`
	ToPort   int32 `json:"toPort"`
	// Exactly one of CIDRv4, CIDRv6 and Group is set.
	CIDRv4      string            `json:"cidrIpv4,omitempty"`
	CIDRv6      string            `json:"cidrIpv6,omitempty"`
	Group       *GroupPeer        `json:"group,omitempty"`
	Description string            `json:"description,omitempty"`
	Tags        map[string]string `json:"tags,omitempty"`

	// LegacyCIDRs and LegacyGroups are the peers of records written before
	// rules had ids; reading a group splits them into rules.
	LegacyCIDRs  []string `json:"cidrs,omitempty"`
	LegacyGroups []string `json:"groups,omitempty"`
}

// GroupPeer is a security group a rule refers to: traffic from (ingress) or to
// (egress) interfaces in that group.
type GroupPeer struct {
	GroupID string `json:"groupId"`
	UserID  string `json:"userId"`
}

// AllPorts reports whether the rule matches every port (or ICMP type).
func (r *Rule) AllPorts() bool {
	return r.Protocol == "-1" || r.FromPort == -1 && r.ToPort == -1 ||
		(r.Protocol == "tcp" || r.Protocol == "udp") && r.FromPort == 0 && r.ToPort == 65535
}

// Peer returns the rule's source or destination as text: a CIDR or a group id.
func (r *Rule) Peer() string {
	switch {
	case r.CIDRv4 != "":
		return r.CIDRv4
	case r.CIDRv6 != "":
		return r.CIDRv6
	case r.Group != nil:
		return r.Group.GroupID
	}
	return ""
}

// SecurityGroup is a stateful firewall attached to interfaces.
type SecurityGroup struct {
	resource.Meta
	VPCID       string `json:"vpcId"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Ingress     []Rule `json:"ingress,omitempty"`
	Egress      []Rule `json:"egress,omitempty"`
	// Revision grows by one with every change of the rules, so an enforcer can
	// tell cheaply whether its rendering is current.
	Revision int64 `json:"revision,omitempty"`
}

// Rules returns the ingress or egress rules.
func (g *SecurityGroup) Rules(egress bool) []Rule {
	if egress {
		return g.Egress
	}
	return g.Ingress
}

func (g *SecurityGroup) setRules(egress bool, rs []Rule) {
	if egress {
		g.Egress = rs
	} else {
		g.Ingress = rs
	}
}

// upgrade splits rules written before rules had ids into one rule per peer.
func (g *SecurityGroup) upgrade() {
	split := func(rs []Rule) []Rule {
		var out []Rule
		for _, r := range rs {
			if r.ID != "" {
				out = append(out, r)
				continue
			}
			base := Rule{Protocol: r.Protocol, FromPort: r.FromPort, ToPort: r.ToPort, Description: r.Description}
			if base.Protocol == "-1" {
				base.FromPort, base.ToPort = -1, -1
			}
			for _, c := range r.LegacyCIDRs {
				n := base
				n.ID, n.CIDRv4 = RuleKind.NewID(), c
				out = append(out, n)
			}
			for _, id := range r.LegacyGroups {
				n := base
				n.ID, n.Group = RuleKind.NewID(), &GroupPeer{GroupID: id, UserID: g.Account}
				out = append(out, n)
			}
		}
		return out
	}
	g.Ingress, g.Egress = split(g.Ingress), split(g.Egress)
}

// DefaultCIDR is the default VPC's range, as on AWS.
var DefaultCIDR = netip.MustParsePrefix("172.31.0.0/16")

// Gateway returns the subnet's router address (the first usable: .1), which AWS
// reserves along with .0, .2 (DNS), .3 and the last address.
func Gateway(p netip.Prefix) netip.Addr { return p.Masked().Addr().Next() }

// DNSServer returns the VPC resolver address: the VPC range's base plus two.
func DNSServer(p netip.Prefix) netip.Addr { return p.Masked().Addr().Next().Next() }

// FirstHost and LastHost bound the addresses instances may get.
func FirstHost(p netip.Prefix) netip.Addr {
	a := p.Masked().Addr()
	for range 4 {
		a = a.Next()
	}
	return a
}

// LastHost is the last assignable address (the broadcast address is reserved).
func LastHost(p netip.Prefix) netip.Addr {
	a := p.Masked().Addr().As4()
	bits := 32 - p.Bits()
	n := uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3])
	n |= (1 << bits) - 1
	n-- // broadcast
	return netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)})
}

// Capacity is how many addresses the subnet offers instances.
func Capacity(p netip.Prefix) int { return (1 << (32 - p.Bits())) - 5 }
