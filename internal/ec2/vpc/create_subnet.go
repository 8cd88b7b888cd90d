package vpc

import (
	"context"
	"net/netip"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/awsquery/ec2api"
	"github.com/kumo-cloud/kumo/internal/catalog"
	"github.com/kumo-cloud/kumo/internal/ec2/tags"
)

// CreateSubnet makes a subnet of a VPC in one served availability zone. Its
// range lies inside the VPC's, between /16 and /28, and overlaps no other
// subnet of the VPC.
func (h *Handlers) CreateSubnet(ctx context.Context, r *api.Request, in *ec2api.CreateSubnetRequest) (*ec2api.CreateSubnetResult, error) {
	vpcID := aws.ToString(in.VpcId)
	if !VPCKind.ValidID(vpcID) {
		return nil, awserr.BadRequest(VPCKind.Malformed, "Invalid id: \"%s\"", vpcID)
	}
	switch {
	case aws.ToBool(in.Ipv6Native):
		return nil, awserr.InvalidParameterValue("Value (true) for parameter ipv6Native is invalid. Kumo does not support IPv6-only subnets.")
	case in.CidrBlock == nil:
		return nil, awserr.MissingParameter("CidrBlock")
	}
	cidr, err := parseRange(aws.ToString(in.CidrBlock), "cidrBlock")
	if err != nil {
		return nil, err
	}
	if cidr.Bits() < minPrefixBits || cidr.Bits() > maxPrefixBits {
		return nil, subnetRange(cidr)
	}
	zones := h.VPCs.Zones(r.Region)
	zone, err := pickZone(zones, aws.ToString(in.AvailabilityZone), aws.ToString(in.AvailabilityZoneId))
	if err != nil {
		return nil, err
	}
	tagSet, err := tags.ForType(tags.SpecsFromWire(in.TagSpecifications), SubnetKind.Type, SubnetKind.Type)
	if err != nil {
		return nil, err
	}
	v, err := h.VPCs.GetVPC(ctx, r.Region, r.AccountID, vpcID)
	if err != nil {
		return nil, err
	}
	if cidr.Bits() < v.CIDR.Bits() || !v.CIDR.Contains(cidr.Addr()) {
		return nil, subnetRange(cidr)
	}
	if zone == nil {
		// Spread the VPC's subnets over the zones, as AWS picks a zone.
		all, err := h.VPCs.Subnets(ctx, r.Region, r.AccountID)
		if err != nil {
			return nil, err
		}
		n := 0
		for _, o := range all {
			if o.VPCID == vpcID {
				n++
			}
		}
		zone = &zones[n%len(zones)]
	}
	created := newIn(r, v, SubnetKind, tagSet)
	created.Keys["ec2:AvailabilityZone"] = []string{zone.Name}
	if err := authorizeNew(r, in.DryRun, []api.Resource{created}, v.Authz()); err != nil {
		return nil, err
	}
	var sn *Subnet
	err = retry(func() error {
		v, rev, err := getRev[VPC](ctx, h.VPCs.Store, VPCKind, r.Region, r.AccountID, vpcID)
		if err != nil {
			return err
		}
		all, err := h.VPCs.Subnets(ctx, r.Region, r.AccountID)
		if err != nil {
			return err
		}
		for _, o := range all {
			if o.VPCID == vpcID && o.CIDR.Overlaps(cidr) {
				return awserr.BadRequest("InvalidSubnet.Conflict", "The CIDR '%s' conflicts with another subnet", cidr)
			}
		}
		sn = &Subnet{Meta: h.VPCs.metaFunc(r.Region, r.AccountID)(SubnetKind), VPCID: vpcID, CIDR: cidr,
			AvailabilityZone: zone.Name, AvailabilityZoneID: zone.ID}
		sn.Tags = tagSet
		// Writing the VPC back unchanged makes a concurrent DeleteVpc, or a
		// concurrent overlapping CreateSubnet, conflict.
		return h.VPCs.commit(ctx, h.VPCs.Store.Txn().
			Create(SubnetKind.Key(r.Region, r.AccountID, sn.ID), sn).
			Update(VPCKind.Key(r.Region, r.AccountID, vpcID), rev, v))
	})
	if err != nil {
		return nil, err
	}
	out := subnetToWire(sn, Capacity(sn.CIDR))
	return &ec2api.CreateSubnetResult{Subnet: &out}, nil
}

func subnetRange(p netip.Prefix) error {
	return awserr.BadRequest("InvalidSubnet.Range", "The CIDR '%s' is invalid.", p)
}

// pickZone returns the served zone a request names by name or id, or nil
// when it names none.
func pickZone(zones []catalog.Zone, name, id string) (*catalog.Zone, error) {
	if name != "" && id != "" {
		return nil, awserr.InvalidParameterCombination("Only one of availabilityZone or availabilityZoneId may be specified.")
	}
	if name == "" && id == "" {
		return nil, nil
	}
	var names, ids []string
	for i, z := range zones {
		if name != "" && z.Name == name || id != "" && z.ID == id {
			return &zones[i], nil
		}
		names, ids = append(names, z.Name), append(ids, z.ID)
	}
	if name != "" {
		return nil, awserr.InvalidParameterValue("Value (%s) for parameter availabilityZone is invalid. Subnets can currently only be created in the following availability zones: %s.", name, strings.Join(names, ", "))
	}
	return nil, awserr.InvalidParameterValue("Value (%s) for parameter availabilityZoneId is invalid. Subnets can currently only be created in the following availability zones: %s.", id, strings.Join(ids, ", "))
}
