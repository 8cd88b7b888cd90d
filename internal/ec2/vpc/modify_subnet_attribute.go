package vpc

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/awsquery"
	"github.com/kumo-cloud/kumo/internal/awsquery/ec2api"
)

// ModifySubnetAttribute sets one attribute of a subnet per call. Kumo keeps
// mapPublicIpOnLaunch and the private DNS name options; the IPv6, Outpost and
// local-interface attributes can only be set to their off values, since Kumo
// has none of those.
func (h *Handlers) ModifySubnetAttribute(ctx context.Context, r *api.Request, in *ec2api.ModifySubnetAttributeRequest) (*awsquery.Empty, error) {
	id := aws.ToString(in.SubnetId)
	if !SubnetKind.ValidID(id) {
		return nil, awserr.BadRequest(SubnetKind.Malformed, "Invalid id: \"%s\"", id)
	}
	on := func(v *ec2api.AttributeBooleanValue) bool { return v != nil && aws.ToBool(v.Value) }
	n := 0
	for _, set := range []bool{in.MapPublicIpOnLaunch != nil, in.AssignIpv6AddressOnCreation != nil,
		in.MapCustomerOwnedIpOnLaunch != nil || in.CustomerOwnedIpv4Pool != nil, in.EnableDns64 != nil,
		in.PrivateDnsHostnameTypeOnLaunch != nil, in.EnableResourceNameDnsARecordOnLaunch != nil,
		in.EnableResourceNameDnsAAAARecordOnLaunch != nil, in.EnableLniAtDeviceIndex != nil, in.DisableLniAtDeviceIndex != nil} {
		if set {
			n++
		}
	}
	hostType := aws.ToString(in.PrivateDnsHostnameTypeOnLaunch)
	switch {
	case n == 0:
		return nil, awserr.MissingParameter("MapPublicIpOnLaunch")
	case n > 1:
		return nil, awserr.InvalidParameterCombination("You can only modify one attribute at a time.")
	case on(in.AssignIpv6AddressOnCreation):
		return nil, awserr.InvalidParameterValue("Invalid value 'true' for assignIpv6AddressOnCreation. Cannot set assignIpv6AddressOnCreation to true unless the subnet (%s) has an IPv6 CIDR block associated with it.", id)
	case on(in.EnableDns64):
		return nil, awserr.InvalidParameterValue("Invalid value 'true' for enableDns64. Cannot set enableDns64 to true unless the subnet (%s) has an IPv6 CIDR block associated with it.", id)
	case on(in.EnableResourceNameDnsAAAARecordOnLaunch):
		return nil, awserr.InvalidParameterValue("Invalid value 'true' for enableResourceNameDnsAAAARecordOnLaunch. The subnet (%s) has no IPv6 CIDR block associated with it.", id)
	case on(in.MapCustomerOwnedIpOnLaunch) || in.CustomerOwnedIpv4Pool != nil:
		return nil, awserr.InvalidParameterValue("Customer-owned IP addresses are only supported for subnets on an Outpost.")
	case in.EnableLniAtDeviceIndex != nil || on(in.DisableLniAtDeviceIndex):
		return nil, awserr.InvalidParameterValue("Local network interfaces are only supported for subnets on an Outpost.")
	case in.PrivateDnsHostnameTypeOnLaunch != nil && hostType != "ip-name" && hostType != "resource-name":
		return nil, awserr.InvalidParameterValue("Value (%s) for parameter privateDnsHostnameTypeOnLaunch is invalid. Valid values: ip-name, resource-name.", hostType)
	}
	sn, err := h.VPCs.GetSubnet(ctx, r.Region, r.AccountID, id)
	if err != nil {
		return nil, err
	}
	if err := r.AuthorizeOn(nil, sn.Authz()); err != nil {
		return nil, err
	}
	key := SubnetKind.Key(r.Region, r.AccountID, id)
	err = retry(func() error {
		sn, rev, err := getRev[Subnet](ctx, h.VPCs.Store, SubnetKind, r.Region, r.AccountID, id)
		if err != nil {
			return err
		}
		switch {
		case in.MapPublicIpOnLaunch != nil:
			sn.MapPublicIPOnLaunch = on(in.MapPublicIpOnLaunch)
		case in.PrivateDnsHostnameTypeOnLaunch != nil:
			sn.HostnameType = hostType
		case in.EnableResourceNameDnsARecordOnLaunch != nil:
			sn.ResourceNameDNSA = on(in.EnableResourceNameDnsARecordOnLaunch)
		default:
			return nil // an off value of an attribute Kumo does not have
		}
		return h.VPCs.commit(ctx, h.VPCs.Store.Txn().Update(key, rev, sn))
	})
	if err != nil {
		return nil, err
	}
	return &awsquery.Empty{}, nil
}
