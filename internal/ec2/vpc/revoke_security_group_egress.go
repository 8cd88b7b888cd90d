package vpc

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awsquery/ec2api"
)

// RevokeSecurityGroupEgress removes egress rules named by definition or by id.
// Permissions that match no rule come back in UnknownIpPermissions; when none
// matches at all the call fails with InvalidPermission.NotFound, as on AWS.
func (h *Handlers) RevokeSecurityGroupEgress(ctx context.Context, r *api.Request, in *ec2api.RevokeSecurityGroupEgressRequest) (*ec2api.RevokeSecurityGroupEgressResult, error) {
	perms, err := legacyPermission{CidrIp: in.CidrIp, IpProtocol: in.IpProtocol, FromPort: in.FromPort, ToPort: in.ToPort,
		SourceName: in.SourceSecurityGroupName, SourceOwner: in.SourceSecurityGroupOwnerId}.permissions(in.IpPermissions)
	if err != nil {
		return nil, err
	}
	unknown, err := h.revoke(ctx, r, true, aws.ToString(in.GroupId), "", perms, in.SecurityGroupRuleIds, in.DryRun)
	if err != nil {
		return nil, err
	}
	return &ec2api.RevokeSecurityGroupEgressResult{Return: aws.Bool(true), UnknownIpPermissions: unknown}, nil
}
