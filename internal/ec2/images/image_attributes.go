package images

import (
	"context"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/awsquery"
	"github.com/kumo-cloud/kumo/internal/awsquery/ec2api"
	"github.com/kumo-cloud/kumo/internal/store"
)

// permissionChange is a parsed ModifyImageAttribute: launch permissions to
// add and remove (account ids, or "all" for the public group) and new
// description and IMDS support values.
type permissionChange struct {
	add, remove []string
	description *string
	imdsSupport *string
}

// ModifyImageAttribute changes one of the caller's images: launch
// permissions (LaunchPermission.Add/Remove, or OperationType with UserId and
// UserGroup), the description, or IMDS support (v2.0, for good).
func (h *Handlers) ModifyImageAttribute(ctx context.Context, r *api.Request, in *ec2api.ModifyImageAttributeRequest) (*awsquery.Empty, error) {
	c, err := parseModify(in)
	if err != nil {
		return nil, err
	}
	img, err := h.Images.owned(ctx, r.Region, r.AccountID, aws.ToString(in.ImageId))
	if err != nil {
		return nil, err
	}
	if img.State == Pending {
		return nil, awserr.BadRequest("InvalidAMIID.Unavailable", "The AMI ID '%s' is currently pending and may not be used for this operation", img.ID)
	}
	res := img.authz()
	c.conditionKeys(res.Keys)
	if err := r.AuthorizeOn(in.DryRun, res); err != nil {
		return nil, err
	}
	_, err = h.Images.update(ctx, img, func(x *Image, _ *store.Txn) error {
		for _, p := range c.add {
			if p == "all" {
				x.Public = true
			} else if !slices.Contains(x.LaunchPermissions, p) {
				x.LaunchPermissions = append(x.LaunchPermissions, p)
			}
		}
		for _, p := range c.remove {
			if p == "all" {
				x.Public = false
			} else {
				x.LaunchPermissions = slices.DeleteFunc(x.LaunchPermissions, func(a string) bool { return a == p })
			}
		}
		if c.description != nil {
			x.Description = *c.description
		}
		if c.imdsSupport != nil {
			x.ImdsSupport = *c.imdsSupport
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &awsquery.Empty{}, nil
}

func parseModify(in *ec2api.ModifyImageAttributeRequest) (*permissionChange, error) {
	c := &permissionChange{}
	attr := aws.ToString(in.Attribute)
	switch {
	case len(in.ProductCodes) > 0 || attr == "productCodes":
		return nil, awserr.BadRequest("UnsupportedOperation", "Product codes (AWS Marketplace) are not supported by Kumo.")
	case len(in.OrganizationArns) > 0 || len(in.OrganizationalUnitArns) > 0:
		return nil, unsupported("OrganizationArn/OrganizationalUnitArn")
	}
	switch attr {
	case "", "launchPermission", "description", "imdsSupport":
	default:
		return nil, awserr.InvalidParameterValue("Value (%s) for parameter attribute is invalid. Valid values: description, launchPermission, imdsSupport.", attr)
	}
	var err error
	if lp := in.LaunchPermission; lp != nil {
		if c.add, err = permissions(lp.Add); err != nil {
			return nil, err
		}
		if c.remove, err = permissions(lp.Remove); err != nil {
			return nil, err
		}
	}
	// The older form: Attribute=launchPermission, OperationType, UserId.N, UserGroup.N.
	if len(in.UserIds) > 0 || len(in.UserGroups) > 0 || in.OperationType != nil {
		if attr != "" && attr != "launchPermission" {
			return nil, awserr.InvalidParameterCombination("OperationType, UserId and UserGroup apply to the launchPermission attribute only.")
		}
		var items []ec2api.LaunchPermission
		for _, u := range in.UserIds {
			items = append(items, ec2api.LaunchPermission{UserId: aws.String(u)})
		}
		for _, g := range in.UserGroups {
			items = append(items, ec2api.LaunchPermission{Group: aws.String(g)})
		}
		ids, err := permissions(items)
		if err != nil {
			return nil, err
		}
		switch op := aws.ToString(in.OperationType); op {
		case "add":
			c.add = append(c.add, ids...)
		case "remove":
			c.remove = append(c.remove, ids...)
		case "":
			return nil, awserr.MissingParameter("OperationType")
		default:
			return nil, awserr.InvalidParameterValue("Value (%s) for parameter operationType is invalid. Valid values: add, remove.", op)
		}
	}
	if in.Description != nil {
		c.description = aws.String(aws.ToString(in.Description.Value))
	}
	if in.ImdsSupport != nil {
		c.imdsSupport = aws.String(aws.ToString(in.ImdsSupport.Value))
	}
	if in.Value != nil {
		switch attr {
		case "description":
			c.description = in.Value
		case "imdsSupport":
			c.imdsSupport = in.Value
		default:
			return nil, awserr.InvalidParameterCombination("Value applies to the description and imdsSupport attributes only.")
		}
	}
	if c.description != nil {
		if _, err := checkDescription(c.description); err != nil {
			return nil, err
		}
	}
	if c.imdsSupport != nil && *c.imdsSupport != "v2.0" {
		return nil, awserr.InvalidParameterValue("Value (%s) for parameter imdsSupport is invalid. Valid value: v2.0 (it cannot be unset).", *c.imdsSupport)
	}
	if c.add == nil && c.remove == nil && c.description == nil && c.imdsSupport == nil {
		return nil, awserr.MissingParameter("LaunchPermission, Description or ImdsSupport")
	}
	return c, nil
}

// permissions converts LaunchPermission items to account ids and "all".
func permissions(items []ec2api.LaunchPermission) ([]string, error) {
	var out []string
	for _, p := range items {
		switch {
		case p.OrganizationArn != nil || p.OrganizationalUnitArn != nil:
			return nil, unsupported("LaunchPermission.OrganizationArn/OrganizationalUnitArn")
		case p.UserId != nil && p.Group != nil:
			return nil, awserr.InvalidParameterCombination("A launch permission names either a UserId or a Group, not both.")
		case p.UserId != nil:
			if !accountID.MatchString(*p.UserId) {
				return nil, itemValue(*p.UserId, "userId")
			}
			out = append(out, *p.UserId)
		case p.Group != nil:
			if *p.Group != "all" {
				return nil, itemValue(*p.Group, "UserGroup")
			}
			out = append(out, "all")
		default:
			return nil, awserr.MissingParameter("LaunchPermission.UserId")
		}
	}
	return out, nil
}

func itemValue(v, item string) error {
	return awserr.BadRequest("InvalidAMIAttributeItemValue", "Invalid attribute item value \"%s\" for %s item type.", v, item)
}

// DescribeImageAttribute answers one attribute of an image the caller can
// see; launch permissions only to the owner.
func (h *Handlers) DescribeImageAttribute(ctx context.Context, r *api.Request, in *ec2api.DescribeImageAttributeRequest) (*ec2api.ImageAttribute, error) {
	attr := aws.ToString(in.Attribute)
	if !slices.Contains(describableAttributes, attr) {
		return nil, awserr.InvalidParameterValue("Value (%s) for parameter attribute is invalid. Unknown attribute.", attr)
	}
	img, err := h.Images.visible(ctx, r.Region, r.AccountID, aws.ToString(in.ImageId))
	if err != nil {
		return nil, err
	}
	if (attr == "launchPermission" || attr == "lastLaunchedTime") && !img.Owned(r.AccountID) {
		return nil, awserr.BadRequest("AuthFailure", "Not authorized for image:%s", img.ID)
	}
	if err := r.AuthorizeOn(in.DryRun, img.authz()); err != nil {
		return nil, err
	}
	out := &ec2api.ImageAttribute{ImageId: aws.String(img.ID)}
	value := func(s string) *ec2api.AttributeValue {
		if s == "" {
			return &ec2api.AttributeValue{}
		}
		return &ec2api.AttributeValue{Value: aws.String(s)}
	}
	switch attr {
	case "description":
		out.Description = value(img.Description)
	case "kernel":
		out.KernelId = value("")
	case "ramdisk":
		out.RamdiskId = value("")
	case "launchPermission":
		out.LaunchPermissions = []ec2api.LaunchPermission{}
		if img.Public {
			out.LaunchPermissions = append(out.LaunchPermissions, ec2api.LaunchPermission{Group: aws.String("all")})
		}
		for _, a := range img.LaunchPermissions {
			out.LaunchPermissions = append(out.LaunchPermissions, ec2api.LaunchPermission{UserId: aws.String(a)})
		}
	case "productCodes":
		out.ProductCodes = []ec2api.ProductCode{}
	case "blockDeviceMapping":
		out.BlockDeviceMappings = wireMappings(img.BlockDeviceMappings)
	case "sriovNetSupport":
		out.SriovNetSupport = value(img.SriovNetSupport)
	case "bootMode":
		out.BootMode = value(img.BootMode)
	case "tpmSupport":
		out.TpmSupport = value("")
	case "uefiData":
		out.UefiData = value("")
	case "imdsSupport":
		out.ImdsSupport = value(img.ImdsSupport)
	case "deregistrationProtection":
		out.DeregistrationProtection = value("disabled")
	case "lastLaunchedTime":
		launched, err := h.Images.lastLaunched(ctx, r.Region)
		if err != nil {
			return nil, err
		}
		out.LastLaunchedTime = value("")
		if t, ok := launched[img.ID]; ok {
			out.LastLaunchedTime = value(t.UTC().Format(time.RFC3339))
		}
	}
	return out, nil
}

var describableAttributes = []string{"description", "kernel", "ramdisk", "launchPermission", "productCodes",
	"blockDeviceMapping", "sriovNetSupport", "bootMode", "tpmSupport", "uefiData", "lastLaunchedTime", "imdsSupport",
	"deregistrationProtection"}

// ResetImageAttribute resets an image's launch permissions: private again,
// shared with nobody.
func (h *Handlers) ResetImageAttribute(ctx context.Context, r *api.Request, in *ec2api.ResetImageAttributeRequest) (*awsquery.Empty, error) {
	if attr := aws.ToString(in.Attribute); attr != "launchPermission" {
		return nil, awserr.InvalidParameterValue("Value (%s) for parameter attribute is invalid. Only launchPermission can be reset.", attr)
	}
	img, err := h.Images.owned(ctx, r.Region, r.AccountID, aws.ToString(in.ImageId))
	if err != nil {
		return nil, err
	}
	if err := r.AuthorizeOn(in.DryRun, img.authz()); err != nil {
		return nil, err
	}
	_, err = h.Images.update(ctx, img, func(x *Image, _ *store.Txn) error {
		x.Public, x.LaunchPermissions = false, nil
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &awsquery.Empty{}, nil
}
