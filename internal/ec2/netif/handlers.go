package netif

import (
	"context"
	"crypto/rand"
	"errors"
	"net"
	"net/netip"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/awsquery"
	"github.com/kumo-cloud/kumo/internal/awsquery/ec2api"
	"github.com/kumo-cloud/kumo/internal/ec2/ebs"
	"github.com/kumo-cloud/kumo/internal/ec2/instances"
	"github.com/kumo-cloud/kumo/internal/ec2/resource"
	"github.com/kumo-cloud/kumo/internal/ec2/tags"
	"github.com/kumo-cloud/kumo/internal/ec2/vpc"
	"github.com/kumo-cloud/kumo/internal/store"
)

// Handlers serves the network interface actions.
type Handlers struct {
	Store     *store.Store
	Instances *instances.Store
	VPCs      *vpc.Service
	// Kick wakes the host agent (hot-plug, firewall and address changes).
	Kick func()
}

func (h *Handlers) kick() {
	if h.Kick != nil {
		h.Kick()
	}
}

func malformed(id string) error {
	return awserr.BadRequest(Kind.Malformed, "Invalid id: \"%s\"", id)
}

func newMAC() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	b[0] = 0x0e // locally administered unicast, as EC2's
	return net.HardwareAddr(b).String()
}

// groupRefs resolves security group ids of one VPC (the VPC's default group
// when none is given), and returns them as resource-level permissions see
// them too.
func (h *Handlers) groupRefs(ctx context.Context, r *api.Request, vpcID string, ids []string) ([]instances.GroupRef, []api.Resource, error) {
	if len(ids) > instances.MaxGroupsPerInterface {
		return nil, nil, awserr.BadRequest("SecurityGroupsPerInterfaceLimitExceeded", "The maximum number of security groups per interface has been reached.")
	}
	if len(ids) == 0 {
		g, err := h.VPCs.DefaultGroup(ctx, r.Region, r.AccountID, vpcID)
		if err != nil {
			return nil, nil, err
		}
		return []instances.GroupRef{{ID: g.ID, Name: g.Name}}, []api.Resource{g.Authz()}, nil
	}
	var refs []instances.GroupRef
	var res []api.Resource
	for _, id := range ids {
		g, err := h.VPCs.GetGroup(ctx, r.Region, r.AccountID, id)
		if err != nil {
			return nil, nil, err
		}
		if g.VPCID != vpcID {
			return nil, nil, awserr.BadRequest("InvalidParameter", "Security group %s and subnet belong to different networks.", g.ID)
		}
		refs = append(refs, instances.GroupRef{ID: g.ID, Name: g.Name})
		res = append(res, g.Authz())
	}
	return refs, res, nil
}

// pickIPs validates requested addresses of the subnet and adds count free ones.
func (h *Handlers) pickIPs(ctx context.Context, r *api.Request, sn *vpc.Subnet, want []string, count int) ([]string, error) {
	for _, s := range want {
		a, err := netip.ParseAddr(s)
		if err != nil || !a.Is4() {
			return nil, awserr.InvalidParameterValue("Invalid IPv4 address: %s", s)
		}
		if !sn.CIDR.Contains(a) || a.Less(vpc.FirstHost(sn.CIDR)) || vpc.LastHost(sn.CIDR).Less(a) {
			return nil, awserr.InvalidParameterValue("Address %s does not fall within the subnet's address range", a)
		}
	}
	if count == 0 {
		return want, nil
	}
	free, err := h.VPCs.FreeIPs(ctx, r.Region, sn, count+len(want))
	if err != nil {
		return nil, err
	}
	out := slices.Clone(want)
	for _, a := range free {
		if len(out) == len(want)+count {
			break
		}
		if !slices.Contains(want, a.String()) {
			out = append(out, a.String())
		}
	}
	return out, nil
}

func inUse(err error, what string) error {
	if errors.Is(err, store.ErrConflict) {
		return awserr.BadRequest("InvalidIPAddress.InUse", "%s is already in use.", what)
	}
	return err
}

// CreateNetworkInterface makes an interface in a subnet with its addresses.
func (h *Handlers) CreateNetworkInterface(ctx context.Context, r *api.Request, in *ec2api.CreateNetworkInterfaceRequest) (*ec2api.CreateNetworkInterfaceResult, error) {
	switch {
	case in.SubnetId == nil:
		return nil, awserr.MissingParameter("SubnetId")
	case in.InterfaceType != nil && *in.InterfaceType != "interface":
		return nil, awserr.InvalidParameterValue("Kumo supports network interfaces of type interface only, not %s.", *in.InterfaceType)
	case len(in.Ipv6Addresses) > 0 || aws.ToInt32(in.Ipv6AddressCount) > 0 || len(in.Ipv4Prefixes) > 0 || aws.ToInt32(in.Ipv4PrefixCount) > 0:
		return nil, awserr.InvalidParameterValue("Kumo VPCs have no IPv6 and no prefix delegation yet.")
	}
	tagSet, err := tags.ForType(tags.SpecsFromWire(in.TagSpecifications), Kind.Type, Kind.Type)
	if err != nil {
		return nil, err
	}
	sn, err := h.VPCs.GetSubnet(ctx, r.Region, r.AccountID, *in.SubnetId)
	if err != nil {
		return nil, err
	}
	groups, groupRes, err := h.groupRefs(ctx, r, sn.VPCID, in.Groups)
	if err != nil {
		return nil, err
	}
	var want []string
	if in.PrivateIpAddress != nil {
		want = append(want, *in.PrivateIpAddress)
	}
	primaryGiven := in.PrivateIpAddress != nil
	for _, p := range in.PrivateIpAddresses {
		if aws.ToBool(p.Primary) {
			if primaryGiven {
				return nil, awserr.InvalidParameterCombination("Only one primary private IP address can be specified.")
			}
			want, primaryGiven = append([]string{aws.ToString(p.PrivateIpAddress)}, want...), true
		} else if !slices.Contains(want, aws.ToString(p.PrivateIpAddress)) {
			want = append(want, aws.ToString(p.PrivateIpAddress))
		}
	}
	count := int(aws.ToInt32(in.SecondaryPrivateIpAddressCount))
	if !primaryGiven {
		count++
	}
	if count+len(want)-1 > MaxSecondaryIPs {
		return nil, awserr.BadRequest("PrivateIpAddressLimitExceeded", "Number of private addresses will exceed limit.")
	}
	ips, err := h.pickIPs(ctx, r, sn, want, count)
	if err != nil {
		return nil, err
	}
	if !primaryGiven && len(want) > 0 { // the first free address is the primary
		primary := ips[len(want)]
		ips = append([]string{primary}, append(slices.Clone(want), ips[len(want)+1:]...)...)
	}
	ifc := &Interface{
		Meta:  resource.Meta{ID: Kind.NewID(), Account: r.AccountID, Region: r.Region, Tags: tagSet, CreatedAt: r.Now.UTC()},
		VPCID: sn.VPCID, SubnetID: sn.ID, AvailabilityZone: sn.AvailabilityZone, Description: aws.ToString(in.Description),
		MAC: newMAC(), PrivateIP: ips[0], SecondaryIPs: ips[1:], Groups: groups, SourceDestCheck: true,
	}
	created := Kind.New(r.Region, r.AccountID, tagSet)
	interfaceKeys(created.Keys, ifc)
	if err := resource.AuthorizeTagOnCreate(r, created); err != nil {
		return nil, err
	}
	if err := r.AuthorizeOn(in.DryRun, append([]api.Resource{created, sn.Authz()}, groupRes...)...); err != nil {
		return nil, err
	}
	txn := h.Store.Txn().Create(Kind.Key(r.Region, r.AccountID, ifc.ID), ifc)
	allocate(txn, r.Region, sn.VPCID, ifc.ID, ifc.Addresses())
	if err := txn.Commit(ctx); err != nil {
		return nil, inUse(err, "An address")
	}
	w := wire(&View{Interface: *ifc}, r.Region)
	return &ec2api.CreateNetworkInterfaceResult{NetworkInterface: &w, ClientToken: in.ClientToken}, nil
}

// DeleteNetworkInterface deletes a detached interface.
func (h *Handlers) DeleteNetworkInterface(ctx context.Context, r *api.Request, in *ec2api.DeleteNetworkInterfaceRequest) (*awsquery.Empty, error) {
	if in.NetworkInterfaceId == nil {
		return nil, awserr.MissingParameter("NetworkInterfaceId")
	}
	v, err := h.view(ctx, r.Region, r.AccountID, *in.NetworkInterfaceId)
	if err != nil {
		return nil, err
	}
	if err := r.AuthorizeOn(in.DryRun, v.authz()); err != nil {
		return nil, err
	}
	if v.Primary || v.Attachment != nil {
		return nil, awserr.BadRequest("InvalidNetworkInterface.InUse", "Interface: [%s] in use.", v.ID)
	}
	if err := Delete(ctx, h.Store, &v.Interface); err != nil {
		return nil, err
	}
	return &awsquery.Empty{}, nil
}

// AttachNetworkInterface attaches an interface to an instance: hot-plugged
// into a running VM by the host agent, or added at the next start of a
// stopped one.
func (h *Handlers) AttachNetworkInterface(ctx context.Context, r *api.Request, in *ec2api.AttachNetworkInterfaceRequest) (*ec2api.AttachNetworkInterfaceResult, error) {
	switch {
	case in.NetworkInterfaceId == nil:
		return nil, awserr.MissingParameter("NetworkInterfaceId")
	case in.InstanceId == nil:
		return nil, awserr.MissingParameter("InstanceId")
	case in.DeviceIndex == nil:
		return nil, awserr.MissingParameter("DeviceIndex")
	case aws.ToInt32(in.NetworkCardIndex) != 0:
		return nil, awserr.InvalidParameterValue("Network card index %d is not valid for this instance type.", aws.ToInt32(in.NetworkCardIndex))
	}
	idx := *in.DeviceIndex
	v, err := h.view(ctx, r.Region, r.AccountID, *in.NetworkInterfaceId)
	if err != nil {
		return nil, err
	}
	inst, _, err := h.Instances.Get(ctx, r.Region, r.AccountID, *in.InstanceId)
	if err != nil {
		return nil, err
	}
	instRes, err := ebs.InstanceAuthz(ctx, h.Store, r.Region, r.AccountID, inst.ID)
	if err != nil {
		return nil, err
	}
	if err := r.AuthorizeOn(in.DryRun, v.authz(), instRes); err != nil {
		return nil, err
	}
	switch {
	case inst.State != instances.Running && inst.State != instances.Stopped:
		return nil, awserr.BadRequest("IncorrectInstanceState", "The %s instance '%s' is not in a valid state for this operation.", inst.State, inst.ID)
	case v.Primary || v.Attachment != nil:
		return nil, awserr.BadRequest("InvalidNetworkInterface.InUse", "Interface: [%s] in use.", v.ID)
	case v.AvailabilityZone != inst.AvailabilityZone:
		return nil, awserr.InvalidParameterCombination("You may not attach a network interface to an instance if they are not in the same availability zone")
	case v.VPCID != inst.VPCID:
		return nil, awserr.InvalidParameterCombination("Kumo attaches network interfaces only to instances of the same VPC (%s, not %s).", inst.VPCID, v.VPCID)
	case idx < 1:
		return nil, awserr.InvalidParameterValue("Instance '%s' already has an interface attached at device index '%d'.", inst.ID, idx)
	}
	all, err := List(ctx, h.Store, r.Region, r.AccountID)
	if err != nil {
		return nil, err
	}
	attached := AttachedTo(all, inst.ID)
	for _, o := range attached {
		if o.Attachment.DeviceIndex == idx {
			return nil, awserr.InvalidParameterValue("Instance '%s' already has an interface attached at device index '%d'.", inst.ID, idx)
		}
	}
	if len(attached)+1 >= MaxInterfaces || idx >= MaxInterfaces {
		return nil, awserr.BadRequest("AttachmentLimitExceeded", "Interface count %d exceeds the limit for %s", len(attached)+2, inst.InstanceType)
	}
	status := Attaching
	if inst.State == instances.Stopped {
		status = Attached // the next boot plugs it in with the others
	}
	att := &Attachment{ID: attachmentKind.NewID(), InstanceID: inst.ID, DeviceIndex: idx, Status: status, AttachTime: r.Now.UTC()}
	_, err = update(ctx, h.Store, r.Region, r.AccountID, v.ID, func(i *Interface) error {
		if i.Attachment != nil {
			return awserr.BadRequest("InvalidNetworkInterface.InUse", "Interface: [%s] in use.", v.ID)
		}
		i.Attachment = att
		return nil
	})
	if err != nil {
		return nil, err
	}
	h.kick()
	return &ec2api.AttachNetworkInterfaceResult{AttachmentId: aws.String(att.ID), NetworkCardIndex: aws.Int32(0)}, nil
}

// DetachNetworkInterface detaches a secondary interface; the primary one
// stays with its instance for life, as on AWS.
func (h *Handlers) DetachNetworkInterface(ctx context.Context, r *api.Request, in *ec2api.DetachNetworkInterfaceRequest) (*awsquery.Empty, error) {
	if in.AttachmentId == nil {
		return nil, awserr.MissingParameter("AttachmentId")
	}
	id := *in.AttachmentId
	if !attachmentKind.ValidID(id) {
		return nil, awserr.BadRequest(attachmentKind.Malformed, "Invalid id: \"%s\"", id)
	}
	all, err := h.views(ctx, r.Region, r.AccountID)
	if err != nil {
		return nil, err
	}
	var v *View
	for i := range all {
		if all[i].Attachment != nil && all[i].Attachment.ID == id {
			v = &all[i]
		}
	}
	if v == nil {
		return nil, awserr.BadRequest(attachmentKind.NotFound, "The attachment ID '%s' does not exist", id)
	}
	instRes, err := ebs.InstanceAuthz(ctx, h.Store, r.Region, r.AccountID, v.Attachment.InstanceID)
	if err != nil {
		return nil, err
	}
	if err := r.AuthorizeOn(in.DryRun, v.authz(), instRes); err != nil {
		return nil, err
	}
	if v.Primary {
		return nil, awserr.BadRequest("OperationNotPermitted", "The network interface at device index 0 cannot be detached.")
	}
	inst, _, err := h.Instances.Get(ctx, r.Region, r.AccountID, v.Attachment.InstanceID)
	running := err == nil && (inst.State == instances.Running || inst.State == instances.Pending || inst.State == instances.Stopping)
	_, err = update(ctx, h.Store, r.Region, r.AccountID, v.ID, func(i *Interface) error {
		if i.Attachment == nil || i.Attachment.ID != id {
			return awserr.BadRequest(attachmentKind.NotFound, "The attachment ID '%s' does not exist", id)
		}
		if running {
			i.Attachment.Status = Detaching // the agent unplugs it, then clears the attachment
		} else {
			i.Attachment = nil
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	h.kick()
	return &awsquery.Empty{}, nil
}
