package netif

import (
	"context"
	"net/netip"
	"slices"
	"strings"

	"github.com/kumo-cloud/kumo/internal/ec2/instances"
	"github.com/kumo-cloud/kumo/internal/ec2/vpc"
	"github.com/kumo-cloud/kumo/internal/store"
)

// View is an interface as the API shows it, whichever record holds it.
type View struct {
	Interface
	// Primary marks an instance's primary interface (held by the instance).
	Primary bool
	// PublicIP is the interface's public address; Elastic when EIPAllocation is set.
	PublicIP, EIPAllocation, EIPAssociation string
}

// primaryView is the primary interface of a live instance.
func primaryView(in *instances.Instance) View {
	v := View{Primary: true, PublicIP: in.PublicIP, EIPAllocation: in.EIPAllocation, EIPAssociation: in.EIPAssociation}
	v.Interface = Interface{
		VPCID: in.VPCID, SubnetID: in.SubnetID, AvailabilityZone: in.AvailabilityZone, Description: in.ENIDescription,
		MAC: in.MAC, PrivateIP: in.PrivateIP, SecondaryIPs: in.SecondaryIPs, Groups: in.Groups, SourceDestCheck: !in.NoSourceDestCheck,
		Attachment: &Attachment{ID: PrimaryAttachmentID(in.ENIID), InstanceID: in.ID, DeviceIndex: 0, Status: Attached,
			AttachTime: in.LaunchTime, DeleteOnTermination: true},
	}
	v.ID, v.Account, v.Region, v.CreatedAt = in.ENIID, in.Account, in.Region, in.LaunchTime
	return v
}

// PrimaryAttachmentID is the attachment id of an instance's primary interface.
func PrimaryAttachmentID(eniID string) string {
	return "eni-attach-" + strings.TrimPrefix(eniID, "eni-")
}

// views returns every interface of the account in the region, sorted by id.
func (h *Handlers) views(ctx context.Context, region, account string) ([]View, error) {
	insts, err := h.Instances.List(ctx, region, account)
	if err != nil {
		return nil, err
	}
	recs, err := List(ctx, h.Store, region, account)
	if err != nil {
		return nil, err
	}
	out := make([]View, 0, len(insts)+len(recs))
	for i := range insts {
		if st := insts[i].State; st != instances.Terminated {
			out = append(out, primaryView(&insts[i]))
		}
	}
	for _, r := range recs {
		out = append(out, View{Interface: r})
	}
	slices.SortFunc(out, func(a, b View) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// view returns one interface of the account, or the AWS not-found error.
func (h *Handlers) view(ctx context.Context, region, account, id string) (*View, error) {
	if !Kind.ValidID(id) {
		return nil, malformed(id)
	}
	all, err := h.views(ctx, region, account)
	if err != nil {
		return nil, err
	}
	for i := range all {
		if all[i].ID == id {
			return &all[i], nil
		}
	}
	return nil, notFound(id)
}

// ipKey is the allocation key of a private address of the VPC.
func ipKey(region, vpcID, ip string) string {
	return vpc.IPKey(region, vpcID, netip.MustParseAddr(ip))
}

// ipOwner is the value of an address allocation key held by an interface.
type ipOwner struct {
	ENI string `json:"eni"`
}

// allocate adds creation of the addresses' keys to txn: the commit fails
// with a conflict if one is taken.
func allocate(txn *store.Txn, region, vpcID, eniID string, ips []string) {
	for _, ip := range ips {
		txn.Create(ipKey(region, vpcID, ip), ipOwner{ENI: eniID})
	}
}
