package vpc

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awsquery/ec2api"
)

// AuthorizeSecurityGroupEgress adds egress rules, one per peer of each
// permission, and returns them with their new ids.
func (h *Handlers) AuthorizeSecurityGroupEgress(ctx context.Context, r *api.Request, in *ec2api.AuthorizeSecurityGroupEgressRequest) (*ec2api.AuthorizeSecurityGroupEgressResult, error) {
	perms, err := legacyPermission{CidrIp: in.CidrIp, IpProtocol: in.IpProtocol, FromPort: in.FromPort, ToPort: in.ToPort,
		SourceName: in.SourceSecurityGroupName, SourceOwner: in.SourceSecurityGroupOwnerId}.permissions(in.IpPermissions)
	if err != nil {
		return nil, err
	}
	rules, err := h.authorize(ctx, r, true, aws.ToString(in.GroupId), "", perms, in.TagSpecifications, in.DryRun)
	if err != nil {
		return nil, err
	}
	return &ec2api.AuthorizeSecurityGroupEgressResult{Return: aws.Bool(true), SecurityGroupRules: rules}, nil
}
