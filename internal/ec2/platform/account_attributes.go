package platform

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/awsquery/ec2api"
)

// accountAttributes are the values AWS reports for a new account; default-vpc
// becomes the default VPC's id once Kumo has VPCs.
var accountAttributes = []struct {
	name   string
	values []string
}{
	{"supported-platforms", []string{"VPC"}},
	{"vpc-max-security-groups-per-interface", []string{"5"}},
	{"max-elastic-ips", []string{"5"}},
	{"max-instances", []string{"20"}},
	{"vpc-max-elastic-ips", []string{"5"}},
	{"default-vpc", []string{"none"}},
}

// DescribeAccountAttributes reports the account's limits and platform facts.
func (h *Handlers) DescribeAccountAttributes(_ context.Context, r *api.Request, in *ec2api.DescribeAccountAttributesRequest) (*ec2api.DescribeAccountAttributesResult, error) {
	want := set(in.AttributeNames)
	for n := range want {
		if n != "supported-platforms" && n != "default-vpc" {
			return nil, awserr.InvalidParameterValue("Value (%s) for parameter attributeName is invalid. Valid values are supported-platforms, default-vpc.", n)
		}
	}
	if err := r.Authorize(in.DryRun); err != nil {
		return nil, err
	}
	out := &ec2api.DescribeAccountAttributesResult{AccountAttributes: []ec2api.AccountAttribute{}}
	for _, a := range accountAttributes {
		if want != nil && !want[a.name] {
			continue
		}
		attr := ec2api.AccountAttribute{AttributeName: aws.String(a.name)}
		for _, v := range a.values {
			attr.AttributeValues = append(attr.AttributeValues, ec2api.AccountAttributeValue{AttributeValue: aws.String(v)})
		}
		out.AccountAttributes = append(out.AccountAttributes, attr)
	}
	return out, nil
}
