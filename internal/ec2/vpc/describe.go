package vpc

import (
	"context"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awsquery/ec2api"
	"github.com/kumo-cloud/kumo/internal/ec2/describe"
	"github.com/kumo-cloud/kumo/internal/ec2/filter"
	"github.com/kumo-cloud/kumo/internal/ec2/paging"
	"github.com/kumo-cloud/kumo/internal/ec2/tags"
)

// Handlers serves the VPC family's actions.
type Handlers struct {
	VPCs *Service
}

// DescribeVpcs lists the account's VPCs (its default VPC exists from the first call).
func (h *Handlers) DescribeVpcs(ctx context.Context, r *api.Request, in *ec2api.DescribeVpcsRequest) (*ec2api.DescribeVpcsResult, error) {
	fs, err := filter.FromWire(in.Filters, []string{"cidr", "cidr-block-association.cidr-block", "cidr-block-association.association-id",
		"cidr-block-association.state", "dhcp-options-id", "is-default", "owner-id", "state", "vpc-id"}, true)
	if err != nil {
		return nil, err
	}
	q := describe.Query[VPC]{Kind: VPCKind, IDs: in.VpcIds, Filters: fs, MinPage: 5, MaxPage: 1000,
		Page: paging.Request{Op: "DescribeVpcs", MaxResults: in.MaxResults, NextToken: in.NextToken},
		Fields: func(v *VPC) filter.Fields {
			return filter.Values(map[string][]string{
				"cidr": {v.CIDR.String()}, "cidr-block-association.cidr-block": {v.CIDR.String()},
				"cidr-block-association.association-id": {v.CIDRAssociation}, "cidr-block-association.state": {"associated"},
				"dhcp-options-id": {v.DHCPOptionsID}, "is-default": {strconv.FormatBool(v.IsDefault)},
				"owner-id": {v.Account}, "state": {"available"}, "vpc-id": {v.ID},
			})
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
	all, err := h.VPCs.VPCs(ctx, r.Region, r.AccountID)
	if err != nil {
		return nil, err
	}
	page, next, err := q.Run(all)
	if err != nil {
		return nil, err
	}
	out := &ec2api.DescribeVpcsResult{Vpcs: []ec2api.Vpc{}, NextToken: next}
	for i := range page {
		out.Vpcs = append(out.Vpcs, vpcToWire(&page[i], "available"))
	}
	return out, nil
}

// DescribeSubnets lists the account's subnets.
func (h *Handlers) DescribeSubnets(ctx context.Context, r *api.Request, in *ec2api.DescribeSubnetsRequest) (*ec2api.DescribeSubnetsResult, error) {
	fs, err := filter.FromWire(in.Filters, []string{"availability-zone", "availability-zone-id", "available-ip-address-count",
		"cidr", "cidr-block", "cidrBlock", "default-for-az", "map-public-ip-on-launch", "owner-id", "state", "subnet-id", "vpc-id", "subnet-arn"}, true)
	if err != nil {
		return nil, err
	}
	q := describe.Query[Subnet]{Kind: SubnetKind, IDs: in.SubnetIds, Filters: fs, MinPage: 5, MaxPage: 1000,
		Page: paging.Request{Op: "DescribeSubnets", MaxResults: in.MaxResults, NextToken: in.NextToken},
		Fields: func(s *Subnet) filter.Fields {
			c := s.CIDR.String()
			return filter.Values(map[string][]string{
				"availability-zone": {s.AvailabilityZone}, "availability-zone-id": {s.AvailabilityZoneID},
				"cidr": {c}, "cidr-block": {c}, "cidrBlock": {c}, "default-for-az": {strconv.FormatBool(s.DefaultForAZ)},
				"map-public-ip-on-launch": {strconv.FormatBool(s.MapPublicIPOnLaunch)}, "owner-id": {s.Account},
				"state": {"available"}, "subnet-id": {s.ID}, "vpc-id": {s.VPCID}, "subnet-arn": {subnetARN(s)},
			})
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
	all, err := h.VPCs.Subnets(ctx, r.Region, r.AccountID)
	if err != nil {
		return nil, err
	}
	page, next, err := q.Run(all)
	if err != nil {
		return nil, err
	}
	out := &ec2api.DescribeSubnetsResult{Subnets: []ec2api.Subnet{}, NextToken: next}
	for _, s := range page {
		free, err := h.VPCs.FreeCount(ctx, r.Region, &s)
		if err != nil {
			return nil, err
		}
		out.Subnets = append(out.Subnets, subnetToWire(&s, free))
	}
	return out, nil
}

func subnetARN(s *Subnet) string {
	return "arn:aws:ec2:" + s.Region + ":" + s.Account + ":subnet/" + s.ID
}

func vpcToWire(v *VPC, state string) ec2api.Vpc {
	return ec2api.Vpc{
		CidrBlock: aws.String(v.CIDR.String()), DhcpOptionsId: aws.String(v.DHCPOptionsID), State: aws.String(state),
		VpcId: aws.String(v.ID), OwnerId: aws.String(v.Account), InstanceTenancy: aws.String(v.InstanceTenancy),
		IsDefault: aws.Bool(v.IsDefault), Tags: tags.ToWire(v.Tags),
		CidrBlockAssociationSet: []ec2api.VpcCidrBlockAssociation{{
			AssociationId: aws.String(v.CIDRAssociation), CidrBlock: aws.String(v.CIDR.String()),
			CidrBlockState: &ec2api.VpcCidrBlockState{State: aws.String("associated")},
		}},
	}
}

func subnetToWire(s *Subnet, free int) ec2api.Subnet {
	return ec2api.Subnet{
		AvailabilityZone: aws.String(s.AvailabilityZone), AvailabilityZoneId: aws.String(s.AvailabilityZoneID),
		AvailableIpAddressCount: aws.Int32(int32(free)), CidrBlock: aws.String(s.CIDR.String()),
		DefaultForAz: aws.Bool(s.DefaultForAZ), MapPublicIpOnLaunch: aws.Bool(s.MapPublicIPOnLaunch),
		MapCustomerOwnedIpOnLaunch: aws.Bool(false), State: aws.String("available"), SubnetId: aws.String(s.ID),
		VpcId: aws.String(s.VPCID), OwnerId: aws.String(s.Account), AssignIpv6AddressOnCreation: aws.Bool(false),
		Tags: tags.ToWire(s.Tags), SubnetArn: aws.String(subnetARN(s)), EnableDns64: aws.Bool(false), Ipv6Native: aws.Bool(false),
		PrivateDnsNameOptionsOnLaunch: &ec2api.PrivateDnsNameOptionsOnLaunch{HostnameType: aws.String(s.HostnameTypeOrDefault()),
			EnableResourceNameDnsARecord: aws.Bool(s.ResourceNameDNSA), EnableResourceNameDnsAAAARecord: aws.Bool(false)},
	}
}
