package vpc

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awsquery/ec2api"
)

// UpdateSecurityGroupRuleDescriptionsEgress sets the descriptions of
// existing egress rules; what the rules allow does not change.
func (h *Handlers) UpdateSecurityGroupRuleDescriptionsEgress(ctx context.Context, r *api.Request, in *ec2api.UpdateSecurityGroupRuleDescriptionsEgressRequest) (*ec2api.UpdateSecurityGroupRuleDescriptionsEgressResult, error) {
	err := h.describe(ctx, r, true, aws.ToString(in.GroupId), aws.ToString(in.GroupName), in.IpPermissions, in.SecurityGroupRuleDescriptions, in.DryRun)
	if err != nil {
		return nil, err
	}
	return &ec2api.UpdateSecurityGroupRuleDescriptionsEgressResult{Return: aws.Bool(true)}, nil
}
