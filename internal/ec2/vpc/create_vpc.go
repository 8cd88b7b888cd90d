package vpc

import (
	"context"
	"net/netip"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/awsquery/ec2api"
	"github.com/kumo-cloud/kumo/internal/ec2/tags"
)

// Bounds of a VPC's or subnet's IPv4 range, as on AWS.
const (
	minPrefixBits = 16
	maxPrefixBits = 28
)

// CreateVpc makes a VPC with its default security group and its main route
// table. As on AWS it has DNS support but no DNS hostnames, and no internet
// gateway.
func (h *Handlers) CreateVpc(ctx context.Context, r *api.Request, in *ec2api.CreateVpcRequest) (*ec2api.CreateVpcResult, error) {
	if in.CidrBlock == nil {
		return nil, awserr.MissingParameter("CidrBlock")
	}
	cidr, err := parseRange(aws.ToString(in.CidrBlock), "cidrBlock")
	if err != nil {
		return nil, err
	}
	if cidr.Bits() < minPrefixBits || cidr.Bits() > maxPrefixBits {
		return nil, awserr.BadRequest("InvalidVpc.Range", "The CIDR '%s' is invalid.", cidr)
	}
	tenancy := aws.ToString(in.InstanceTenancy)
	switch tenancy {
	case "":
		tenancy = "default"
	case "default", "dedicated":
	case "host":
		return nil, awserr.BadRequest("UnsupportedTenancy", "The tenancy value host is not supported.")
	default:
		return nil, awserr.InvalidParameterValue("Value (%s) for parameter instanceTenancy is invalid.", tenancy)
	}
	tagSet, err := tags.ForType(tags.SpecsFromWire(in.TagSpecifications), VPCKind.Type, VPCKind.Type)
	if err != nil {
		return nil, err
	}
	created := VPCKind.New(r.Region, r.AccountID, tagSet)
	created.Keys["ec2:Tenancy"] = []string{tenancy}
	if err := authorizeNew(r, in.DryRun, []api.Resource{created}); err != nil {
		return nil, err
	}
	// Every VPC of a region starts with the account's default DHCP options.
	dhcp := "dopt-" + VPCKind.NewID()[4:]
	def, err := h.VPCs.DefaultVPC(ctx, r.Region, r.AccountID)
	if err != nil {
		return nil, err
	}
	if def != nil {
		dhcp = def.DHCPOptionsID
	}
	meta := h.VPCs.metaFunc(r.Region, r.AccountID)
	v := &VPC{Meta: meta(VPCKind), CIDR: cidr, InstanceTenancy: tenancy, DNSSupport: true,
		DHCPOptionsID: dhcp, CIDRAssociation: "vpc-cidr-assoc-" + VPCKind.NewID()[4:]}
	v.Tags = tagSet
	txn := h.VPCs.Store.Txn()
	addVPC(txn, v, meta, false)
	if err := h.VPCs.commit(ctx, txn); err != nil {
		return nil, err
	}
	out := vpcToWire(v, "pending")
	return &ec2api.CreateVpcResult{Vpc: &out}, nil
}

// parseRange reads an IPv4 range given as parameter name; the address must be
// the range's first, as AWS requires.
func parseRange(s, name string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(s)
	if err != nil || !p.Addr().Is4() || p.Masked() != p {
		return netip.Prefix{}, awserr.InvalidParameterValue("Value (%s) for parameter %s is invalid. This is not a valid CIDR block.", s, name)
	}
	return p, nil
}
