package vpc

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awsquery/ec2api"
)

// AuthorizeSecurityGroupIngress adds ingress rules, one per peer of each
// permission, and returns them with their new ids.
func (h *Handlers) AuthorizeSecurityGroupIngress(ctx context.Context, r *api.Request, in *ec2api.AuthorizeSecurityGroupIngressRequest) (*ec2api.AuthorizeSecurityGroupIngressResult, error) {
	perms, err := legacyPermission{CidrIp: in.CidrIp, IpProtocol: in.IpProtocol, FromPort: in.FromPort, ToPort: in.ToPort,
		SourceName: in.SourceSecurityGroupName, SourceOwner: in.SourceSecurityGroupOwnerId}.permissions(in.IpPermissions)
	if err != nil {
		return nil, err
	}
	rules, err := h.authorize(ctx, r, false, aws.ToString(in.GroupId), aws.ToString(in.GroupName), perms, in.TagSpecifications, in.DryRun)
	if err != nil {
		return nil, err
	}
	return &ec2api.AuthorizeSecurityGroupIngressResult{Return: aws.Bool(true), SecurityGroupRules: rules}, nil
}
