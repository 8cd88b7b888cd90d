// Package vpc owns VPCs, subnets and security groups: the records, each
// account's default VPC (172.31.0.0/16 with a /20 default subnet per zone and a
// default security group, as AWS makes for every account), private address
// allocation, and DescribeVpcs / DescribeSubnets / DescribeSecurityGroups.
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
)

func init() {
	resource.Register(VPCKind)
	resource.Register(SubnetKind)
	resource.Register(GroupKind)
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
}

// Rule is one security group permission (the full model comes with the
// security group API).
type Rule struct {
	Protocol string   `json:"protocol"` // "-1", "tcp", "udp", "icmp", or a number
	FromPort int32    `json:"fromPort"`
	ToPort   int32    `json:"toPort"`
	CIDRs    []string `json:"cidrs,omitempty"`
	Groups   []string `json:"groups,omitempty"` // referenced group ids
}

// SecurityGroup is a stateful firewall attached to interfaces.
type SecurityGroup struct {
	resource.Meta
	VPCID       string `json:"vpcId"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Ingress     []Rule `json:"ingress,omitempty"`
	Egress      []Rule `json:"egress,omitempty"`
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
