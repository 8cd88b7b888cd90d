package instances

import (
	"context"
	"net/netip"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/awsquery/ec2api"
	"github.com/kumo-cloud/kumo/internal/ec2/platform"
	"github.com/kumo-cloud/kumo/internal/ec2/vpc"
)

// MaxGroupsPerInterface is AWS's default limit of security groups on an interface.
const MaxGroupsPerInterface = 5

// validateNetwork resolves the subnet, zone, groups and addresses of a launch.
func (h *Handlers) validateNetwork(ctx context.Context, r *api.Request, in *ec2api.RunInstancesRequest, l *launch) error {
	subnetID := aws.ToString(in.SubnetId)
	groupIDs, groupNames := in.SecurityGroupIds, in.SecurityGroups
	privateIP := aws.ToString(in.PrivateIpAddress)
	var assocPublic *bool
	if len(in.NetworkInterfaces) > 0 {
		if len(in.NetworkInterfaces) > 1 {
			return unsupported("NetworkInterfaces (more than one)")
		}
		ni := in.NetworkInterfaces[0]
		if aws.ToInt32(ni.DeviceIndex) != 0 || ni.NetworkInterfaceId != nil {
			return unsupported("NetworkInterfaces (existing interfaces or device index > 0)")
		}
		if subnetID != "" && ni.SubnetId != nil || len(groupIDs) > 0 && len(ni.Groups) > 0 {
			return awserr.InvalidParameterCombination("Network interfaces and an instance-level subnet ID or security groups may not be specified on the same request")
		}
		if ni.SubnetId != nil {
			subnetID = *ni.SubnetId
		}
		if len(ni.Groups) > 0 {
			groupIDs = ni.Groups
		}
		if ni.PrivateIpAddress != nil {
			privateIP = *ni.PrivateIpAddress
		}
		assocPublic = ni.AssociatePublicIpAddress
	}

	zone := ""
	if in.Placement != nil {
		zone = aws.ToString(in.Placement.AvailabilityZone)
		if t := aws.ToString(in.Placement.Tenancy); t != "" && t != "default" {
			return unsupported("Placement.Tenancy " + t)
		}
	}
	if zone != "" && !servedZone(r.Region, zone) {
		return awserr.InvalidParameterValue("Invalid availability zone: [%s]", zone)
	}
	var sn *vpc.Subnet
	var err error
	if subnetID != "" {
		if sn, err = h.VPCs.GetSubnet(ctx, r.Region, r.AccountID, subnetID); err != nil {
			return err
		}
		if zone != "" && zone != sn.AvailabilityZone {
			return awserr.InvalidParameterValue("The subnet %s is in availability zone %s, not %s.", sn.ID, sn.AvailabilityZone, zone)
		}
	} else {
		if zone == "" {
			zone = platform.ServedZones(r.Region)[0].Name
		}
		if sn, err = h.VPCs.DefaultSubnet(ctx, r.Region, r.AccountID, zone); err != nil {
			return err
		}
	}
	l.subnet = sn

	if len(groupIDs) > 0 && len(groupNames) > 0 {
		return awserr.InvalidParameterCombination("The parameter groupName cannot be used with the parameter groupId")
	}
	if len(groupIDs)+len(groupNames) > MaxGroupsPerInterface {
		return awserr.BadRequest("SecurityGroupsPerInterfaceLimitExceeded", "The maximum number of security groups per interface has been reached.")
	}
	for _, id := range groupIDs {
		g, err := h.VPCs.GetGroup(ctx, r.Region, r.AccountID, id)
		if err != nil {
			return err
		}
		if g.VPCID != sn.VPCID {
			return awserr.BadRequest("InvalidParameter", "Security group %s and subnet %s belong to different networks.", g.ID, sn.ID)
		}
		l.groups = append(l.groups, GroupRef{g.ID, g.Name})
	}
	if len(groupNames) > 0 {
		all, err := h.VPCs.Groups(ctx, r.Region, r.AccountID)
		if err != nil {
			return err
		}
		for _, name := range groupNames {
			found := GroupRef{}
			for _, g := range all {
				if g.VPCID == sn.VPCID && g.Name == name {
					found = GroupRef{g.ID, g.Name}
				}
			}
			if found.ID == "" {
				return awserr.BadRequest("InvalidGroup.NotFound", "The security group '%s' does not exist in VPC '%s'", name, sn.VPCID)
			}
			l.groups = append(l.groups, found)
		}
	}
	if len(l.groups) == 0 {
		g, err := h.VPCs.DefaultGroup(ctx, r.Region, r.AccountID, sn.VPCID)
		if err != nil {
			return err
		}
		l.groups = []GroupRef{{g.ID, g.Name}}
	}

	if privateIP != "" {
		a, err := netip.ParseAddr(privateIP)
		if err != nil || !a.Is4() {
			return awserr.InvalidParameterValue("Invalid IPv4 address: %s", privateIP)
		}
		if !sn.CIDR.Contains(a) || a.Less(vpc.FirstHost(sn.CIDR)) || vpc.LastHost(sn.CIDR).Less(a) {
			return awserr.BadRequest("InvalidParameterValue", "Address %s does not fall within the subnet's address range", a)
		}
		if l.max > 1 {
			return awserr.InvalidParameterCombination("Cannot specify a private IP address when launching more than one instance")
		}
		l.privateIP = a
	}
	l.publicIP = sn.MapPublicIPOnLaunch
	if assocPublic != nil {
		l.publicIP = *assocPublic
	}
	return nil
}

func servedZone(region, zone string) bool {
	for _, z := range platform.ServedZones(region) {
		if z.Name == zone {
			return true
		}
	}
	return false
}
