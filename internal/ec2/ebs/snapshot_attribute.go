package ebs

import (
	"context"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/awsquery"
	"github.com/kumo-cloud/kumo/internal/awsquery/ec2api"
)

// Snapshot attributes.
const (
	attrCreateVolumePermission = "createVolumePermission"
	attrProductCodes           = "productCodes"
)

func unknownAttribute(attr string) error {
	return awserr.InvalidParameterValue("Value (%s) for parameter attribute is invalid. Unknown attribute.", attr)
}

// permissionChange is one ModifySnapshotAttribute: accounts and public
// access to add and to remove.
type permissionChange struct {
	add, remove             []string
	addPublic, removePublic bool
}

func (c *permissionChange) put(p ec2api.CreateVolumePermission, add bool) error {
	if g := aws.ToString(p.Group); g != "" {
		if g != everyone {
			return awserr.InvalidParameterValue("Value (%s) for parameter group is invalid. Only 'all' is supported.", g)
		}
		if add {
			c.addPublic = true
		} else {
			c.removePublic = true
		}
	}
	if u := aws.ToString(p.UserId); u != "" {
		if !validAccount(u) {
			return awserr.BadRequest("InvalidUserID.Malformed", "Invalid user id: \"%s\"", u)
		}
		if add {
			c.add = append(c.add, u)
		} else {
			c.remove = append(c.remove, u)
		}
	}
	return nil
}

// conditionKeys adds the change's keys: ec2:Add/userId, ec2:Add/group,
// ec2:Remove/userId and ec2:Remove/group name the accounts and groups the
// snapshot is shared with or no longer.
func (c *permissionChange) conditionKeys(k map[string][]string) {
	if len(c.add) > 0 {
		k["ec2:Add/userId"] = c.add
	}
	if len(c.remove) > 0 {
		k["ec2:Remove/userId"] = c.remove
	}
	if c.addPublic {
		k["ec2:Add/group"] = []string{everyone}
	}
	if c.removePublic {
		k["ec2:Remove/group"] = []string{everyone}
	}
}

// permissionChanges reads a request's permission changes, given in either form:
// OperationType with UserIds and GroupNames, or CreateVolumePermission's
// Add and Remove lists.
func permissionChanges(in *ec2api.ModifySnapshotAttributeRequest) (*permissionChange, error) {
	c := &permissionChange{}
	if op := aws.ToString(in.OperationType); op != "" || len(in.UserIds) > 0 || len(in.GroupNames) > 0 {
		if op != "add" && op != "remove" {
			return nil, awserr.InvalidParameterValue("Value (%s) for parameter operationType is invalid. Valid values: add, remove.", op)
		}
		for _, u := range in.UserIds {
			if err := c.put(ec2api.CreateVolumePermission{UserId: aws.String(u)}, op == "add"); err != nil {
				return nil, err
			}
		}
		for _, g := range in.GroupNames {
			if err := c.put(ec2api.CreateVolumePermission{Group: aws.String(g)}, op == "add"); err != nil {
				return nil, err
			}
		}
	}
	if m := in.CreateVolumePermission; m != nil {
		for _, p := range m.Add {
			if err := c.put(p, true); err != nil {
				return nil, err
			}
		}
		for _, p := range m.Remove {
			if err := c.put(p, false); err != nil {
				return nil, err
			}
		}
	}
	if len(c.add)+len(c.remove) == 0 && !c.addPublic && !c.removePublic {
		return nil, awserr.MissingParameter("CreateVolumePermission")
	}
	return c, nil
}

// ModifySnapshotAttribute shares one of the caller's snapshots with other
// accounts, or with everyone (group all), or stops sharing it.
func (h *Handlers) ModifySnapshotAttribute(ctx context.Context, r *api.Request, in *ec2api.ModifySnapshotAttributeRequest) (*awsquery.Empty, error) {
	id := aws.ToString(in.SnapshotId)
	switch attr := aws.ToString(in.Attribute); {
	case id == "":
		return nil, awserr.MissingParameter("SnapshotId")
	case attr == attrProductCodes:
		return nil, awserr.InvalidParameterValue("Value (%s) for parameter attribute is invalid. Product codes cannot be modified.", attr)
	case attr != "" && attr != attrCreateVolumePermission:
		return nil, unknownAttribute(attr)
	}
	c, err := permissionChanges(in)
	if err != nil {
		return nil, err
	}
	sn, _, err := h.Store.GetSnapshot(ctx, r.Region, r.AccountID, id)
	if err != nil {
		return nil, err
	}
	res := sn.Authz()
	c.conditionKeys(res.Keys)
	if err := r.AuthorizeOn(in.DryRun, res); err != nil {
		return nil, err
	}
	_, err = h.Store.UpdateSnapshot(ctx, r.Region, r.AccountID, id, func(sn *Snapshot) error {
		if sn.Encrypted && c.addPublic {
			return awserr.BadRequest("OperationNotPermitted", "Encrypted snapshots cannot be made public.")
		}
		if sn.Encrypted && len(c.add) > 0 && sn.KMSKeyID == DefaultKMSKey(sn.Region, sn.Account) {
			return awserr.BadRequest("OperationNotPermitted", "Encrypted snapshots with EBS default key cannot be shared")
		}
		for _, u := range c.add {
			if !slices.Contains(sn.CreateVolumePermissions, u) {
				sn.CreateVolumePermissions = append(sn.CreateVolumePermissions, u)
			}
		}
		sn.CreateVolumePermissions = slices.DeleteFunc(sn.CreateVolumePermissions, func(u string) bool { return slices.Contains(c.remove, u) })
		if len(sn.CreateVolumePermissions) == 0 {
			sn.CreateVolumePermissions = nil
		}
		sn.Public = (sn.Public || c.addPublic) && !c.removePublic
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &awsquery.Empty{}, nil
}

// DescribeSnapshotAttribute returns who may create volumes from one of the
// caller's snapshots, or its product codes (none).
func (h *Handlers) DescribeSnapshotAttribute(ctx context.Context, r *api.Request, in *ec2api.DescribeSnapshotAttributeRequest) (*ec2api.DescribeSnapshotAttributeResult, error) {
	id, attr := aws.ToString(in.SnapshotId), aws.ToString(in.Attribute)
	switch {
	case id == "":
		return nil, awserr.MissingParameter("SnapshotId")
	case attr == "":
		return nil, awserr.MissingParameter("Attribute")
	case attr != attrCreateVolumePermission && attr != attrProductCodes:
		return nil, unknownAttribute(attr)
	}
	sn, _, err := h.Store.GetSnapshot(ctx, r.Region, r.AccountID, id)
	if err != nil {
		return nil, err
	}
	if err := r.AuthorizeOn(in.DryRun, sn.Authz()); err != nil {
		return nil, err
	}
	out := &ec2api.DescribeSnapshotAttributeResult{SnapshotId: aws.String(sn.ID)}
	if attr == attrProductCodes {
		out.ProductCodes = []ec2api.ProductCode{}
		return out, nil
	}
	out.CreateVolumePermissions = []ec2api.CreateVolumePermission{}
	if sn.Public {
		out.CreateVolumePermissions = append(out.CreateVolumePermissions, ec2api.CreateVolumePermission{Group: aws.String(everyone)})
	}
	for _, u := range sn.CreateVolumePermissions {
		out.CreateVolumePermissions = append(out.CreateVolumePermissions, ec2api.CreateVolumePermission{UserId: aws.String(u)})
	}
	return out, nil
}

// ResetSnapshotAttribute makes one of the caller's snapshots private again.
func (h *Handlers) ResetSnapshotAttribute(ctx context.Context, r *api.Request, in *ec2api.ResetSnapshotAttributeRequest) (*awsquery.Empty, error) {
	id, attr := aws.ToString(in.SnapshotId), aws.ToString(in.Attribute)
	switch {
	case id == "":
		return nil, awserr.MissingParameter("SnapshotId")
	case attr == "":
		return nil, awserr.MissingParameter("Attribute")
	case attr != attrCreateVolumePermission:
		return nil, unknownAttribute(attr)
	}
	sn, _, err := h.Store.GetSnapshot(ctx, r.Region, r.AccountID, id)
	if err != nil {
		return nil, err
	}
	if err := r.AuthorizeOn(in.DryRun, sn.Authz()); err != nil {
		return nil, err
	}
	_, err = h.Store.UpdateSnapshot(ctx, r.Region, r.AccountID, id, func(sn *Snapshot) error {
		sn.CreateVolumePermissions, sn.Public = nil, false
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &awsquery.Empty{}, nil
}
