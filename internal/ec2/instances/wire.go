package instances

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/awsquery/ec2api"
	"github.com/kumo-cloud/kumo/internal/ec2/tags"
)

func wireState(s State) *ec2api.InstanceState {
	return &ec2api.InstanceState{Code: aws.Int32(s.Code()), Name: aws.String(string(s))}
}

func wireGroups(gs []GroupRef) []ec2api.GroupIdentifier {
	out := make([]ec2api.GroupIdentifier, 0, len(gs))
	for _, g := range gs {
		out = append(out, ec2api.GroupIdentifier{GroupId: aws.String(g.ID), GroupName: aws.String(g.Name)})
	}
	return out
}

// wire renders an instance as DescribeInstances shows it.
func (h *Handlers) wire(in *Instance, now time.Time) ec2api.Instance {
	privDNS := PrivateDNSName(in.PrivateIP, in.Region)
	pubDNS := PublicDNSName(in.PublicIP, in.Region)
	w := ec2api.Instance{
		AmiLaunchIndex: aws.Int32(in.LaunchIndex), ImageId: aws.String(in.ImageID), InstanceId: aws.String(in.ID),
		InstanceType: aws.String(in.InstanceType), LaunchTime: aws.Time(in.LaunchTime),
		Monitoring:     &ec2api.Monitoring{State: aws.String("disabled")},
		Placement:      &ec2api.Placement{AvailabilityZone: aws.String(in.AvailabilityZone), GroupName: aws.String(""), Tenancy: aws.String("default")},
		PrivateDnsName: aws.String(privDNS), PublicDnsName: aws.String(pubDNS), ProductCodes: []ec2api.ProductCode{},
		State: wireState(in.State), StateTransitionReason: aws.String(in.TransitionReason),
		Architecture: aws.String("x86_64"), EbsOptimized: aws.Bool(false), EnaSupport: aws.Bool(true),
		Hypervisor: aws.String("xen"), RootDeviceName: aws.String(in.Root.DeviceName), RootDeviceType: aws.String("ebs"),
		SecurityGroups: wireGroups(in.Groups), SourceDestCheck: aws.Bool(!in.NoSourceDestCheck), VirtualizationType: aws.String("hvm"),
		Tags: tags.ToWire(in.Tags), ClientToken: aws.String(in.ClientToken),
		CpuOptions:      &ec2api.CpuOptions{CoreCount: aws.Int32(in.VCPUs), ThreadsPerCore: aws.Int32(1)},
		PlatformDetails: aws.String("Linux/UNIX"), UsageOperation: aws.String("RunInstances"),
		UsageOperationUpdateTime: aws.Time(in.LaunchTime), BootMode: aws.String("uefi"), CurrentInstanceBootMode: aws.String("uefi"),
		MetadataOptions: &ec2api.InstanceMetadataOptionsResponse{
			State: aws.String("applied"), HttpTokens: aws.String(in.Metadata.HTTPTokens),
			HttpPutResponseHopLimit: aws.Int32(in.Metadata.HopLimit), HttpEndpoint: aws.String(in.Metadata.HTTPEndpoint),
			HttpProtocolIpv6: aws.String("disabled"), InstanceMetadataTags: aws.String(in.Metadata.Tags),
		},
	}
	if in.KeyName != "" {
		w.KeyName = aws.String(in.KeyName)
	}
	if a := in.IAMProfile; a != nil {
		w.IamInstanceProfile = &ec2api.IamInstanceProfile{Arn: aws.String(a.ProfileARN), Id: aws.String(a.ProfileID)}
	}
	if in.StateReason != nil {
		w.StateReason = &ec2api.StateReason{Code: aws.String(in.StateReason.Code), Message: aws.String(in.StateReason.Message)}
	}
	if in.State == Terminated {
		// A terminated instance has given back its network and volumes.
		return w
	}
	w.SubnetId, w.VpcId = aws.String(in.SubnetID), aws.String(in.VPCID)
	w.PrivateIpAddress = aws.String(in.PrivateIP)
	if in.PublicIP != "" {
		w.PublicIpAddress = aws.String(in.PublicIP)
	}
	if in.State != Pending || in.Root.AttachTime.Before(now) {
		w.BlockDeviceMappings = []ec2api.InstanceBlockDeviceMapping{{
			DeviceName: aws.String(in.Root.DeviceName),
			Ebs: &ec2api.EbsInstanceBlockDevice{AttachTime: aws.Time(in.Root.AttachTime), DeleteOnTermination: aws.Bool(in.Root.DeleteOnTermination),
				Status: aws.String("attached"), VolumeId: aws.String(in.Root.VolumeID)},
		}}
	}
	ni := ec2api.InstanceNetworkInterface{
		Attachment: &ec2api.InstanceNetworkInterfaceAttachment{AttachTime: aws.Time(in.LaunchTime), AttachmentId: aws.String("eni-attach-" + in.ENIID[4:]),
			DeleteOnTermination: aws.Bool(true), DeviceIndex: aws.Int32(0), Status: aws.String("attached"), NetworkCardIndex: aws.Int32(0)},
		Description: aws.String(in.ENIDescription), Groups: wireGroups(in.Groups), Ipv6Addresses: []ec2api.InstanceIpv6Address{},
		MacAddress: aws.String(in.MAC), NetworkInterfaceId: aws.String(in.ENIID), OwnerId: aws.String(in.Account),
		PrivateDnsName: aws.String(privDNS), PrivateIpAddress: aws.String(in.PrivateIP), SourceDestCheck: aws.Bool(!in.NoSourceDestCheck),
		Status: aws.String("in-use"), SubnetId: aws.String(in.SubnetID), VpcId: aws.String(in.VPCID), InterfaceType: aws.String("interface"),
		PrivateIpAddresses: []ec2api.InstancePrivateIpAddress{{Primary: aws.Bool(true), PrivateDnsName: aws.String(privDNS), PrivateIpAddress: aws.String(in.PrivateIP)}},
	}
	for _, ip := range in.SecondaryIPs {
		ni.PrivateIpAddresses = append(ni.PrivateIpAddresses, ec2api.InstancePrivateIpAddress{Primary: aws.Bool(false),
			PrivateDnsName: aws.String(PrivateDNSName(ip, in.Region)), PrivateIpAddress: aws.String(ip)})
	}
	if in.PublicIP != "" {
		owner := "amazon" // an auto-assigned address; an Elastic IP is the account's
		if in.EIPAllocation != "" {
			owner = in.Account
		}
		assoc := &ec2api.InstanceNetworkInterfaceAssociation{IpOwnerId: aws.String(owner), PublicDnsName: aws.String(pubDNS), PublicIp: aws.String(in.PublicIP)}
		ni.Association = assoc
		ni.PrivateIpAddresses[0].Association = assoc
	}
	w.NetworkInterfaces = []ec2api.InstanceNetworkInterface{ni}
	return w
}
