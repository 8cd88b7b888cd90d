package netif

import (
	"context"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/awsquery"
	"github.com/kumo-cloud/kumo/internal/awsquery/ec2api"
	"github.com/kumo-cloud/kumo/internal/ec2/instances"
)

// change applies fn to the interface wherever it is stored; for a primary
// interface the instance record holds the fields, so fn sees a View built
// from it and its result is copied back.
func (h *Handlers) change(ctx context.Context, v *View, fn func(*View) error) error {
	if !v.Primary {
		_, err := update(ctx, h.Store, v.Region, v.Account, v.ID, func(i *Interface) error {
			nv := View{Interface: *i}
			if err := fn(&nv); err != nil {
				return err
			}
			*i = nv.Interface
			return nil
		})
		return err
	}
	_, err := h.Instances.Update(ctx, v.Region, v.Account, v.Attachment.InstanceID, func(in *instances.Instance) error {
		nv := primaryView(in)
		if err := fn(&nv); err != nil {
			return err
		}
		in.ENIDescription, in.Groups, in.NoSourceDestCheck = nv.Description, nv.Groups, !nv.SourceDestCheck
		in.SecondaryIPs = nv.SecondaryIPs
		return nil
	})
	return err
}

// ModifyNetworkInterfaceAttribute changes one attribute. A change of groups
// reaches the running instance's firewall at once.
func (h *Handlers) ModifyNetworkInterfaceAttribute(ctx context.Context, r *api.Request, in *ec2api.ModifyNetworkInterfaceAttributeRequest) (*awsquery.Empty, error) {
	if in.NetworkInterfaceId == nil {
		return nil, awserr.MissingParameter("NetworkInterfaceId")
	}
	n := 0
	for _, set := range []bool{in.Description != nil, len(in.Groups) > 0, in.SourceDestCheck != nil, in.Attachment != nil, in.AssociatePublicIpAddress != nil} {
		if set {
			n++
		}
	}
	switch {
	case n == 0:
		return nil, awserr.MissingParameter("an attribute to modify")
	case n > 1:
		return nil, awserr.InvalidParameterCombination("Fields for multiple attribute types specified")
	case in.AssociatePublicIpAddress != nil:
		return nil, awserr.InvalidParameterValue("Kumo sets whether an interface gets a public address at launch only.")
	}
	v, err := h.view(ctx, r.Region, r.AccountID, *in.NetworkInterfaceId)
	if err != nil {
		return nil, err
	}
	var groups []instances.GroupRef
	resources := []api.Resource{v.authz()}
	if len(in.Groups) > 0 {
		var groupRes []api.Resource
		if groups, groupRes, err = h.groupRefs(ctx, r, v.VPCID, in.Groups); err != nil {
			return nil, err
		}
		resources = append(resources, groupRes...)
	}
	if err := r.AuthorizeOn(in.DryRun, resources...); err != nil {
		return nil, err
	}
	err = h.change(ctx, v, func(nv *View) error {
		switch {
		case in.Description != nil:
			nv.Description = aws.ToString(in.Description.Value)
		case groups != nil:
			nv.Groups = groups
		case in.SourceDestCheck != nil:
			nv.SourceDestCheck = aws.ToBool(in.SourceDestCheck.Value)
		case in.Attachment != nil:
			if nv.Attachment == nil || nv.Attachment.ID != aws.ToString(in.Attachment.AttachmentId) {
				return awserr.BadRequest(attachmentKind.NotFound, "The attachment ID '%s' does not exist", aws.ToString(in.Attachment.AttachmentId))
			}
			if nv.Primary {
				return awserr.InvalidParameterValue("The primary interface of an instance is always deleted with it.")
			}
			nv.Attachment.DeleteOnTermination = aws.ToBool(in.Attachment.DeleteOnTermination)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	h.kick()
	return &awsquery.Empty{}, nil
}

// AssignPrivateIpAddresses adds secondary private addresses to an interface.
func (h *Handlers) AssignPrivateIpAddresses(ctx context.Context, r *api.Request, in *ec2api.AssignPrivateIpAddressesRequest) (*ec2api.AssignPrivateIpAddressesResult, error) {
	switch {
	case in.NetworkInterfaceId == nil:
		return nil, awserr.MissingParameter("NetworkInterfaceId")
	case len(in.PrivateIpAddresses) == 0 && in.SecondaryPrivateIpAddressCount == nil:
		return nil, awserr.MissingParameter("PrivateIpAddresses or SecondaryPrivateIpAddressCount")
	case len(in.PrivateIpAddresses) > 0 && in.SecondaryPrivateIpAddressCount != nil:
		return nil, awserr.InvalidParameterCombination("PrivateIpAddresses and SecondaryPrivateIpAddressCount cannot both be specified")
	case len(in.Ipv4Prefixes) > 0 || in.Ipv4PrefixCount != nil:
		return nil, awserr.InvalidParameterValue("Kumo has no prefix delegation yet.")
	}
	v, err := h.view(ctx, r.Region, r.AccountID, *in.NetworkInterfaceId)
	if err != nil {
		return nil, err
	}
	if err := r.AuthorizeOn(nil, v.authz()); err != nil {
		return nil, err
	}
	count := int(aws.ToInt32(in.SecondaryPrivateIpAddressCount))
	if count < 0 || len(v.SecondaryIPs)+count+len(in.PrivateIpAddresses) > MaxSecondaryIPs {
		return nil, awserr.BadRequest("PrivateIpAddressLimitExceeded", "Number of private addresses will exceed limit.")
	}
	sn, err := h.VPCs.GetSubnet(ctx, r.Region, r.AccountID, v.SubnetID)
	if err != nil {
		return nil, err
	}
	ips, err := h.pickIPs(ctx, r, sn, in.PrivateIpAddresses, count)
	if err != nil {
		return nil, err
	}
	for _, ip := range ips {
		if slices.Contains(v.Addresses(), ip) {
			return nil, awserr.InvalidParameterValue("Address %s is already assigned to %s", ip, v.ID)
		}
	}
	// The address keys are created first; if the record then changes
	// under us, they are given back.
	txn := h.Store.Txn()
	allocate(txn, r.Region, v.VPCID, v.ID, ips)
	if err := txn.Commit(ctx); err != nil {
		return nil, inUse(err, "One of the addresses")
	}
	err = h.change(ctx, v, func(nv *View) error {
		if len(nv.SecondaryIPs)+len(ips) > MaxSecondaryIPs {
			return awserr.BadRequest("PrivateIpAddressLimitExceeded", "Number of private addresses will exceed limit.")
		}
		nv.SecondaryIPs = append(slices.Clone(nv.SecondaryIPs), ips...)
		return nil
	})
	if err != nil {
		h.free(ctx, r.Region, v.VPCID, ips)
		return nil, err
	}
	h.kick()
	out := &ec2api.AssignPrivateIpAddressesResult{NetworkInterfaceId: aws.String(v.ID)}
	for _, ip := range ips {
		out.AssignedPrivateIpAddresses = append(out.AssignedPrivateIpAddresses, ec2api.AssignedPrivateIpAddress{PrivateIpAddress: aws.String(ip)})
	}
	return out, nil
}

func (h *Handlers) free(ctx context.Context, region, vpcID string, ips []string) {
	txn := h.Store.Txn()
	for _, ip := range ips {
		txn.Delete(ipKey(region, vpcID, ip), 0)
	}
	_ = txn.Commit(context.WithoutCancel(ctx))
}

// UnassignPrivateIpAddresses removes secondary private addresses.
func (h *Handlers) UnassignPrivateIpAddresses(ctx context.Context, r *api.Request, in *ec2api.UnassignPrivateIpAddressesRequest) (*awsquery.Empty, error) {
	switch {
	case in.NetworkInterfaceId == nil:
		return nil, awserr.MissingParameter("NetworkInterfaceId")
	case len(in.PrivateIpAddresses) == 0:
		return nil, awserr.MissingParameter("PrivateIpAddresses")
	}
	v, err := h.view(ctx, r.Region, r.AccountID, *in.NetworkInterfaceId)
	if err != nil {
		return nil, err
	}
	if err := r.AuthorizeOn(nil, v.authz()); err != nil {
		return nil, err
	}
	err = h.change(ctx, v, func(nv *View) error {
		for _, ip := range in.PrivateIpAddresses {
			if !slices.Contains(nv.SecondaryIPs, ip) {
				return awserr.InvalidParameterValue("Some of the specified addresses are not assigned to interface %s", v.ID)
			}
		}
		nv.SecondaryIPs = slices.DeleteFunc(slices.Clone(nv.SecondaryIPs), func(ip string) bool { return slices.Contains(in.PrivateIpAddresses, ip) })
		return nil
	})
	if err != nil {
		return nil, err
	}
	h.free(ctx, r.Region, v.VPCID, in.PrivateIpAddresses)
	h.kick()
	return &awsquery.Empty{}, nil
}
