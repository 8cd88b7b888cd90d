package vpc

import (
	"context"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/awsquery"
	"github.com/kumo-cloud/kumo/internal/awsquery/ec2api"
)

// ModifyVpcAttribute sets one attribute of a VPC per call, as AWS requires:
// enableDnsSupport, enableDnsHostnames (only with DNS support) or
// enableNetworkAddressUsageMetrics.
func (h *Handlers) ModifyVpcAttribute(ctx context.Context, r *api.Request, in *ec2api.ModifyVpcAttributeRequest) (*awsquery.Empty, error) {
	id := aws.ToString(in.VpcId)
	if !VPCKind.ValidID(id) {
		return nil, awserr.BadRequest(VPCKind.Malformed, "Invalid id: \"%s\"", id)
	}
	var named []string
	for _, a := range []struct {
		name string
		v    *ec2api.AttributeBooleanValue
	}{{"enableDnsHostnames", in.EnableDnsHostnames}, {"enableDnsSupport", in.EnableDnsSupport},
		{"enableNetworkAddressUsageMetrics", in.EnableNetworkAddressUsageMetrics}} {
		if a.v != nil {
			named = append(named, a.name)
		}
	}
	switch {
	case len(named) == 0:
		return nil, awserr.MissingParameter("EnableDnsSupport, EnableDnsHostnames or EnableNetworkAddressUsageMetrics")
	case len(named) > 1:
		return nil, awserr.InvalidParameterCombination("Fields for multiple attribute types specified: %s", strings.Join(named, ", "))
	}
	v, err := h.VPCs.GetVPC(ctx, r.Region, r.AccountID, id)
	if err != nil {
		return nil, err
	}
	if err := r.AuthorizeOn(nil, v.Authz()); err != nil {
		return nil, err
	}
	key := VPCKind.Key(r.Region, r.AccountID, id)
	err = retry(func() error {
		v, rev, err := getRev[VPC](ctx, h.VPCs.Store, VPCKind, r.Region, r.AccountID, id)
		if err != nil {
			return err
		}
		switch {
		case in.EnableDnsSupport != nil:
			v.DNSSupport = aws.ToBool(in.EnableDnsSupport.Value)
		case in.EnableDnsHostnames != nil:
			on := aws.ToBool(in.EnableDnsHostnames.Value)
			if on && !v.DNSSupport {
				return awserr.InvalidParameterValue("DNS hostnames cannot be enabled for %s unless DNS support is enabled.", id)
			}
			v.DNSHostnames = on
		default:
			v.NAUMetrics = aws.ToBool(in.EnableNetworkAddressUsageMetrics.Value)
		}
		return h.VPCs.commit(ctx, h.VPCs.Store.Txn().Update(key, rev, v))
	})
	if err != nil {
		return nil, err
	}
	return &awsquery.Empty{}, nil
}

// DescribeVpcAttribute answers one attribute of a VPC.
func (h *Handlers) DescribeVpcAttribute(ctx context.Context, r *api.Request, in *ec2api.DescribeVpcAttributeRequest) (*ec2api.DescribeVpcAttributeResult, error) {
	id, attr := aws.ToString(in.VpcId), aws.ToString(in.Attribute)
	if !VPCKind.ValidID(id) {
		return nil, awserr.BadRequest(VPCKind.Malformed, "Invalid id: \"%s\"", id)
	}
	switch attr {
	case "enableDnsSupport", "enableDnsHostnames", "enableNetworkAddressUsageMetrics":
	default:
		return nil, awserr.InvalidParameterValue("Value (%s) for parameter attribute is invalid. Unknown attribute.", attr)
	}
	v, err := h.VPCs.GetVPC(ctx, r.Region, r.AccountID, id)
	if err != nil {
		return nil, err
	}
	if err := r.AuthorizeOn(in.DryRun, v.Authz()); err != nil {
		return nil, err
	}
	out := &ec2api.DescribeVpcAttributeResult{VpcId: aws.String(v.ID)}
	switch attr {
	case "enableDnsSupport":
		out.EnableDnsSupport = &ec2api.AttributeBooleanValue{Value: aws.Bool(v.DNSSupport)}
	case "enableDnsHostnames":
		out.EnableDnsHostnames = &ec2api.AttributeBooleanValue{Value: aws.Bool(v.DNSHostnames)}
	default:
		out.EnableNetworkAddressUsageMetrics = &ec2api.AttributeBooleanValue{Value: aws.Bool(v.NAUMetrics)}
	}
	return out, nil
}
