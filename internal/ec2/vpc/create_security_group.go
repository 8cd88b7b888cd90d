package vpc

import (
	"context"
	"errors"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/awsquery/ec2api"
	"github.com/kumo-cloud/kumo/internal/ec2/resource"
	"github.com/kumo-cloud/kumo/internal/ec2/tags"
	"github.com/kumo-cloud/kumo/internal/store"
)

// CreateSecurityGroup makes a group in a VPC (the default VPC unless VpcId
// says otherwise). A new group allows all outbound traffic and no inbound.
func (h *Handlers) CreateSecurityGroup(ctx context.Context, r *api.Request, in *ec2api.CreateSecurityGroupRequest) (*ec2api.CreateSecurityGroupResult, error) {
	name, desc := aws.ToString(in.GroupName), aws.ToString(in.Description)
	switch {
	case in.GroupName == nil:
		return nil, awserr.MissingParameter("GroupName")
	case in.Description == nil:
		return nil, awserr.MissingParameter("GroupDescription")
	case name == "" || !validText(name):
		return nil, awserr.InvalidParameterValue("Value (%s) for parameter GroupName is invalid. Valid names are strings of up to 255 characters from the following set:  a-zA-Z0-9. _-:/()#,@[]+=&;{}!$*", name)
	case strings.HasPrefix(strings.ToLower(name), "sg-"):
		return nil, awserr.InvalidParameterValue("Value (%s) for parameter GroupName is invalid. Group names may not be in the format sg-*.", name)
	case name == "default":
		return nil, awserr.InvalidParameterValue("Cannot use reserved security group name: default")
	case desc == "" || !validText(desc):
		return nil, awserr.InvalidParameterValue("Value (%s) for parameter GroupDescription is invalid. Valid descriptions are strings of up to 255 characters from the following set:  a-zA-Z0-9. _-:/()#,@[]+=&;{}!$*", desc)
	}
	tagSet, err := tags.ForType(tags.SpecsFromWire(in.TagSpecifications), GroupKind.Type, GroupKind.Type)
	if err != nil {
		return nil, err
	}
	vpcID := aws.ToString(in.VpcId)
	if vpcID != "" && !VPCKind.ValidID(vpcID) {
		return nil, awserr.BadRequest(VPCKind.Malformed, "Invalid id: \"%s\"", vpcID)
	}
	var v *VPC
	if vpcID == "" {
		v, err = h.VPCs.EnsureDefault(ctx, r.Region, r.AccountID)
	} else {
		v, err = h.VPCs.GetVPC(ctx, r.Region, r.AccountID, vpcID)
	}
	if err != nil {
		return nil, err
	}
	vpcID = v.ID
	if err := authorizeNew(r, in.DryRun, []api.Resource{newIn(r, v, GroupKind, tagSet)}, v.Authz()); err != nil {
		return nil, err
	}
	if _, err := h.VPCs.groupByName(ctx, r.Region, r.AccountID, vpcID, name); err == nil {
		return nil, groupExists(name, vpcID)
	}
	g := &SecurityGroup{
		Meta:  resource.Meta{ID: GroupKind.NewID(), Account: r.AccountID, Region: r.Region, Tags: tagSet, CreatedAt: r.Now.UTC()},
		VPCID: vpcID, Name: name, Description: desc, Egress: []Rule{allEgress()},
	}
	err = h.VPCs.Store.Txn().
		Create(groupNameKey(r.Region, r.AccountID, vpcID, name), groupNameIndex{ID: g.ID}).
		Create(GroupKind.Key(r.Region, r.AccountID, g.ID), g).
		Commit(ctx)
	if errors.Is(err, store.ErrConflict) {
		return nil, groupExists(name, vpcID)
	}
	if err != nil {
		return nil, err
	}
	h.VPCs.changed()
	return &ec2api.CreateSecurityGroupResult{GroupId: aws.String(g.ID), Tags: tags.ToWire(g.Tags)}, nil
}

func groupExists(name, vpcID string) error {
	return awserr.BadRequest("InvalidGroup.Duplicate", "The security group '%s' already exists for VPC '%s'", name, vpcID)
}
