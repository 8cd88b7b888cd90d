package vpc

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awsquery/ec2api"
)

// UpdateSecurityGroupRuleDescriptionsIngress sets the descriptions of
// existing ingress rules; what the rules allow does not change.
func (h *Handlers) UpdateSecurityGroupRuleDescriptionsIngress(ctx context.Context, r *api.Request, in *ec2api.UpdateSecurityGroupRuleDescriptionsIngressRequest) (*ec2api.UpdateSecurityGroupRuleDescriptionsIngressResult, error) {
	err := h.describe(ctx, r, false, aws.ToString(in.GroupId), aws.ToString(in.GroupName), in.IpPermissions, in.SecurityGroupRuleDescriptions, in.DryRun)
	if err != nil {
		return nil, err
	}
	return &ec2api.UpdateSecurityGroupRuleDescriptionsIngressResult{Return: aws.Bool(true)}, nil
}
