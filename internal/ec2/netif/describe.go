package netif

import (
	"context"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/awsquery/ec2api"
	"github.com/kumo-cloud/kumo/internal/ec2/describe"
	"github.com/kumo-cloud/kumo/internal/ec2/filter"
	"github.com/kumo-cloud/kumo/internal/ec2/instances"
	"github.com/kumo-cloud/kumo/internal/ec2/paging"
	"github.com/kumo-cloud/kumo/internal/ec2/tags"
)

var describeFilters = []string{"addresses.private-ip-address", "addresses.primary", "addresses.association.public-ip",
	"association.public-ip", "association.allocation-id", "association.association-id", "association.ip-owner-id",
	"attachment.attachment-id", "attachment.instance-id", "attachment.instance-owner-id", "attachment.device-index",
	"attachment.status", "attachment.delete-on-termination", "availability-zone", "description", "group-id", "group-name",
	"interface-type", "mac-address", "network-interface-id", "owner-id", "private-ip-address", "private-dns-name",
	"requester-managed", "source-dest-check", "status", "subnet-id", "vpc-id"}

func status(v *View) string {
	if v.Attachment == nil {
		return "available"
	}
	switch v.Attachment.Status {
	case Attaching:
		return "attaching"
	case Detaching:
		return "detaching"
	}
	return "in-use"
}

func fields(v *View) filter.Fields {
	m := map[string][]string{
		"addresses.private-ip-address": v.Addresses(), "addresses.primary": {"true"},
		"availability-zone": {v.AvailabilityZone}, "description": {v.Description}, "interface-type": {"interface"},
		"mac-address": {v.MAC}, "network-interface-id": {v.ID}, "owner-id": {v.Account}, "private-ip-address": {v.PrivateIP},
		"private-dns-name": {instances.PrivateDNSName(v.PrivateIP, v.Region)}, "requester-managed": {"false"},
		"source-dest-check": {strconv.FormatBool(v.SourceDestCheck)}, "status": {status(v)}, "subnet-id": {v.SubnetID}, "vpc-id": {v.VPCID},
	}
	if len(v.SecondaryIPs) > 0 {
		m["addresses.primary"] = []string{"true", "false"}
	}
	for _, g := range v.Groups {
		m["group-id"] = append(m["group-id"], g.ID)
		m["group-name"] = append(m["group-name"], g.Name)
	}
	if v.PublicIP != "" {
		m["association.public-ip"], m["addresses.association.public-ip"] = []string{v.PublicIP}, []string{v.PublicIP}
		m["association.allocation-id"], m["association.association-id"] = []string{v.EIPAllocation}, []string{v.EIPAssociation}
		m["association.ip-owner-id"] = []string{ipOwnerOf(v)}
	}
	if a := v.Attachment; a != nil {
		m["attachment.attachment-id"], m["attachment.instance-id"] = []string{a.ID}, []string{a.InstanceID}
		m["attachment.instance-owner-id"], m["attachment.device-index"] = []string{v.Account}, []string{strconv.Itoa(int(a.DeviceIndex))}
		m["attachment.status"], m["attachment.delete-on-termination"] = []string{a.Status}, []string{strconv.FormatBool(a.DeleteOnTermination)}
	}
	return filter.Values(m)
}

func ipOwnerOf(v *View) string {
	if v.EIPAllocation != "" {
		return v.Account
	}
	return "amazon"
}

// wire renders an interface as DescribeNetworkInterfaces shows it.
func wire(v *View, region string) ec2api.NetworkInterface {
	privDNS := instances.PrivateDNSName(v.PrivateIP, region)
	w := ec2api.NetworkInterface{
		AvailabilityZone: aws.String(v.AvailabilityZone), Description: aws.String(v.Description), InterfaceType: aws.String("interface"),
		Ipv6Addresses: []ec2api.NetworkInterfaceIpv6Address{}, MacAddress: aws.String(v.MAC), NetworkInterfaceId: aws.String(v.ID),
		OwnerId: aws.String(v.Account), PrivateDnsName: aws.String(privDNS), PrivateIpAddress: aws.String(v.PrivateIP),
		RequesterManaged: aws.Bool(false), SourceDestCheck: aws.Bool(v.SourceDestCheck), Status: aws.String(status(v)),
		SubnetId: aws.String(v.SubnetID), VpcId: aws.String(v.VPCID), TagSet: tags.ToWire(v.Tags), Groups: []ec2api.GroupIdentifier{},
	}
	for _, g := range v.Groups {
		w.Groups = append(w.Groups, ec2api.GroupIdentifier{GroupId: aws.String(g.ID), GroupName: aws.String(g.Name)})
	}
	var assoc *ec2api.NetworkInterfaceAssociation
	if v.PublicIP != "" {
		assoc = &ec2api.NetworkInterfaceAssociation{IpOwnerId: aws.String(ipOwnerOf(v)), PublicIp: aws.String(v.PublicIP),
			PublicDnsName: aws.String(instances.PublicDNSName(v.PublicIP, region))}
		if v.EIPAllocation != "" {
			assoc.AllocationId, assoc.AssociationId = aws.String(v.EIPAllocation), aws.String(v.EIPAssociation)
		}
		w.Association = assoc
	}
	for i, ip := range v.Addresses() {
		p := ec2api.NetworkInterfacePrivateIpAddress{Primary: aws.Bool(i == 0), PrivateIpAddress: aws.String(ip),
			PrivateDnsName: aws.String(instances.PrivateDNSName(ip, region))}
		if i == 0 {
			p.Association = assoc
		}
		w.PrivateIpAddresses = append(w.PrivateIpAddresses, p)
	}
	if a := v.Attachment; a != nil {
		w.Attachment = wireAttachment(v)
	}
	return w
}

func wireAttachment(v *View) *ec2api.NetworkInterfaceAttachment {
	a := v.Attachment
	if a == nil {
		return nil
	}
	return &ec2api.NetworkInterfaceAttachment{AttachTime: aws.Time(a.AttachTime), AttachmentId: aws.String(a.ID),
		DeleteOnTermination: aws.Bool(a.DeleteOnTermination), DeviceIndex: aws.Int32(a.DeviceIndex), NetworkCardIndex: aws.Int32(0),
		InstanceId: aws.String(a.InstanceID), InstanceOwnerId: aws.String(v.Account), Status: aws.String(a.Status)}
}

// DescribeNetworkInterfaces lists the account's interfaces, primary ones included.
func (h *Handlers) DescribeNetworkInterfaces(ctx context.Context, r *api.Request, in *ec2api.DescribeNetworkInterfacesRequest) (*ec2api.DescribeNetworkInterfacesResult, error) {
	fs, err := filter.FromWire(in.Filters, describeFilters, true)
	if err != nil {
		return nil, err
	}
	q := describe.Query[View]{Kind: Kind, IDs: in.NetworkInterfaceIds, Filters: fs, MinPage: 5, MaxPage: 1000,
		Page:   paging.Request{Op: "DescribeNetworkInterfaces", MaxResults: in.MaxResults, NextToken: in.NextToken},
		Fields: fields}
	if err := q.CheckIDs(); err != nil {
		return nil, err
	}
	if err := r.Authorize(in.DryRun); err != nil {
		return nil, err
	}
	all, err := h.views(ctx, r.Region, r.AccountID)
	if err != nil {
		return nil, err
	}
	page, next, err := q.Run(all)
	if err != nil {
		return nil, err
	}
	out := &ec2api.DescribeNetworkInterfacesResult{NetworkInterfaces: []ec2api.NetworkInterface{}, NextToken: next}
	for i := range page {
		out.NetworkInterfaces = append(out.NetworkInterfaces, wire(&page[i], r.Region))
	}
	return out, nil
}

// DescribeNetworkInterfaceAttribute returns one attribute of an interface.
func (h *Handlers) DescribeNetworkInterfaceAttribute(ctx context.Context, r *api.Request, in *ec2api.DescribeNetworkInterfaceAttributeRequest) (*ec2api.DescribeNetworkInterfaceAttributeResult, error) {
	if in.NetworkInterfaceId == nil {
		return nil, awserr.MissingParameter("NetworkInterfaceId")
	}
	attr := aws.ToString(in.Attribute)
	switch attr {
	case "description", "groupSet", "sourceDestCheck", "attachment", "associatePublicIpAddress":
	case "":
		return nil, awserr.MissingParameter("Attribute")
	default:
		return nil, awserr.InvalidParameterValue("Value (%s) for parameter attribute is invalid. Unknown attribute.", attr)
	}
	v, err := h.view(ctx, r.Region, r.AccountID, *in.NetworkInterfaceId)
	if err != nil {
		return nil, err
	}
	if err := r.AuthorizeOn(in.DryRun, v.authz()); err != nil {
		return nil, err
	}
	out := &ec2api.DescribeNetworkInterfaceAttributeResult{NetworkInterfaceId: aws.String(v.ID)}
	switch attr {
	case "description":
		out.Description = &ec2api.AttributeValue{Value: aws.String(v.Description)}
	case "groupSet":
		for _, g := range v.Groups {
			out.Groups = append(out.Groups, ec2api.GroupIdentifier{GroupId: aws.String(g.ID), GroupName: aws.String(g.Name)})
		}
	case "sourceDestCheck":
		out.SourceDestCheck = &ec2api.AttributeBooleanValue{Value: aws.Bool(v.SourceDestCheck)}
	case "attachment":
		out.Attachment = wireAttachment(v)
	case "associatePublicIpAddress":
		out.AssociatePublicIpAddress = aws.Bool(v.PublicIP != "" && v.EIPAllocation == "")
	}
	return out, nil
}

// AttachedInterfaces renders the interfaces attached to the account's
// instances, other than their primary ones, as DescribeInstances shows them.
func (h *Handlers) AttachedInterfaces(ctx context.Context, region, account string) (map[string][]ec2api.InstanceNetworkInterface, error) {
	recs, err := List(ctx, h.Store, region, account)
	if err != nil {
		return nil, err
	}
	out := map[string][]ec2api.InstanceNetworkInterface{}
	for i := range recs {
		r := &recs[i]
		if r.Attachment == nil {
			continue
		}
		v := View{Interface: *r}
		w := wire(&v, region)
		ni := ec2api.InstanceNetworkInterface{
			Attachment: &ec2api.InstanceNetworkInterfaceAttachment{AttachTime: aws.Time(r.Attachment.AttachTime), AttachmentId: aws.String(r.Attachment.ID),
				DeleteOnTermination: aws.Bool(r.Attachment.DeleteOnTermination), DeviceIndex: aws.Int32(r.Attachment.DeviceIndex),
				Status: aws.String(r.Attachment.Status), NetworkCardIndex: aws.Int32(0)},
			Description: w.Description, Groups: w.Groups, Ipv6Addresses: []ec2api.InstanceIpv6Address{}, MacAddress: w.MacAddress,
			NetworkInterfaceId: w.NetworkInterfaceId, OwnerId: w.OwnerId, PrivateDnsName: w.PrivateDnsName, PrivateIpAddress: w.PrivateIpAddress,
			SourceDestCheck: w.SourceDestCheck, Status: w.Status, SubnetId: w.SubnetId, VpcId: w.VpcId, InterfaceType: w.InterfaceType,
		}
		for _, p := range w.PrivateIpAddresses {
			ni.PrivateIpAddresses = append(ni.PrivateIpAddresses, ec2api.InstancePrivateIpAddress{Primary: p.Primary,
				PrivateDnsName: p.PrivateDnsName, PrivateIpAddress: p.PrivateIpAddress})
		}
		out[r.Attachment.InstanceID] = append(out[r.Attachment.InstanceID], ni)
	}
	return out, nil
}
