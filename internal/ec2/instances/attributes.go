package instances

import (
	"context"
	"encoding/base64"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/awsquery"
	"github.com/kumo-cloud/kumo/internal/awsquery/ec2api"
	"github.com/kumo-cloud/kumo/internal/catalog"
)

// attrChange is one validated ModifyInstanceAttribute change.
type attrChange struct {
	name  string
	apply func(in *Instance) error
}

// ModifyInstanceAttribute changes one attribute of an instance. The type and the
// user data can change only while it is stopped (vertical scaling).
func (h *Handlers) ModifyInstanceAttribute(ctx context.Context, r *api.Request, in *ec2api.ModifyInstanceAttributeRequest) (*awsquery.Empty, error) {
	id := aws.ToString(in.InstanceId)
	if err := checkID(id); err != nil {
		return nil, err
	}
	ch, err := h.attrChanges(ctx, r, in)
	if err != nil {
		return nil, err
	}
	inst, _, err := h.Instances.Get(ctx, r.Region, r.AccountID, id)
	if err != nil {
		return nil, err
	}
	if inst.State == Terminated {
		return nil, incorrectState(inst, "modified")
	}
	if err := r.AuthorizeOn(in.DryRun, inst.authz()); err != nil {
		return nil, err
	}
	if _, err := h.Instances.Update(ctx, r.Region, r.AccountID, id, ch.apply); err != nil {
		return nil, err
	}
	h.kick()
	return &awsquery.Empty{}, nil
}

func mustBeStopped(in *Instance) error {
	if in.State != Stopped {
		return awserr.BadRequest("IncorrectInstanceState", "The instance '%s' is not in the 'stopped' state.", in.ID)
	}
	return nil
}

// attrChanges picks the one attribute the request changes.
func (h *Handlers) attrChanges(ctx context.Context, r *api.Request, in *ec2api.ModifyInstanceAttributeRequest) (*attrChange, error) {
	var found []attrChange
	str := func(v *ec2api.AttributeValue) *string {
		if v == nil {
			return nil
		}
		return v.Value
	}
	boolv := func(v *ec2api.AttributeBooleanValue) *bool {
		if v == nil {
			return nil
		}
		return v.Value
	}
	value := in.Value
	attr := aws.ToString(in.Attribute)
	pick := func(name string, field *string) *string {
		if field != nil {
			return field
		}
		if attr == name && value != nil {
			return value
		}
		return nil
	}
	if v := pick("instanceType", str(in.InstanceType)); v != nil {
		t, ok := catalog.LookupInstanceType(*v)
		if !ok {
			return nil, awserr.InvalidParameterValue("Invalid value '%s' for InstanceType.", *v)
		}
		found = append(found, attrChange{"instanceType", func(i *Instance) error {
			if err := mustBeStopped(i); err != nil {
				return err
			}
			i.InstanceType, i.VCPUs, i.MemoryMiB = t.Name, t.VCPU.DefaultVCPUs, t.MemoryMiB
			return nil
		}})
	}
	if in.UserData != nil || attr == "userData" && value != nil {
		var data []byte
		if in.UserData != nil {
			data = in.UserData.Value
		} else if b, err := base64.StdEncoding.DecodeString(*value); err == nil {
			data = b
		} else {
			return nil, awserr.InvalidParameterValue("Invalid BASE64 encoding of user data.")
		}
		if len(data) > MaxUserData {
			return nil, awserr.InvalidParameterValue("User data is limited to %d bytes.", MaxUserData)
		}
		found = append(found, attrChange{"userData", func(i *Instance) error {
			if err := mustBeStopped(i); err != nil {
				return err
			}
			i.UserData = data
			return nil
		}})
	}
	if v := pick("instanceInitiatedShutdownBehavior", str(in.InstanceInitiatedShutdownBehavior)); v != nil {
		if *v != "stop" && *v != "terminate" {
			return nil, awserr.InvalidParameterValue("Value (%s) for parameter instanceInitiatedShutdownBehavior is invalid. Valid values are stop, terminate.", *v)
		}
		found = append(found, attrChange{"shutdown", func(i *Instance) error { i.ShutdownBehavior = *v; return nil }})
	}
	for _, b := range []struct {
		name  string
		field *bool
		set   func(*Instance, bool)
	}{
		{"disableApiTermination", boolv(in.DisableApiTermination), func(i *Instance, v bool) { i.DisableAPITerm = v }},
		{"disableApiStop", boolv(in.DisableApiStop), func(i *Instance, v bool) { i.DisableAPIStop = v }},
		{"sourceDestCheck", boolv(in.SourceDestCheck), func(*Instance, bool) {}},
		{"ebsOptimized", boolv(in.EbsOptimized), func(*Instance, bool) {}},
		{"enaSupport", boolv(in.EnaSupport), func(*Instance, bool) {}},
	} {
		v := b.field
		if v == nil && attr == b.name && value != nil {
			parsed := *value == "true"
			v = &parsed
		}
		if v != nil {
			set, val := b.set, *v
			found = append(found, attrChange{b.name, func(i *Instance) error { set(i, val); return nil }})
		}
	}
	if len(in.Groups) > 0 {
		if len(in.Groups) > MaxGroupsPerInterface {
			return nil, awserr.BadRequest("SecurityGroupsPerInterfaceLimitExceeded", "The maximum number of security groups per interface has been reached.")
		}
		var refs []GroupRef
		var vpcID string
		for _, gid := range in.Groups {
			g, err := h.VPCs.GetGroup(ctx, r.Region, r.AccountID, gid)
			if err != nil {
				return nil, err
			}
			refs, vpcID = append(refs, GroupRef{g.ID, g.Name}), g.VPCID
		}
		found = append(found, attrChange{"groupSet", func(i *Instance) error {
			for _, g := range refs {
				if vpcID != i.VPCID {
					return awserr.BadRequest("InvalidGroup.NotFound", "The security group '%s' does not exist in VPC '%s'", g.ID, i.VPCID)
				}
			}
			i.Groups = refs
			return nil
		}})
	}
	switch len(found) {
	case 0:
		return nil, awserr.MissingParameter("an attribute to modify")
	case 1:
		return &found[0], nil
	}
	return nil, awserr.InvalidParameterCombination("Fields for multiple attribute types specified: %s, %s", found[0].name, found[1].name)
}

// DescribeInstanceAttribute returns one attribute of an instance.
func (h *Handlers) DescribeInstanceAttribute(ctx context.Context, r *api.Request, in *ec2api.DescribeInstanceAttributeRequest) (*ec2api.InstanceAttribute, error) {
	id, attr := aws.ToString(in.InstanceId), aws.ToString(in.Attribute)
	if attr == "" {
		return nil, awserr.MissingParameter("Attribute")
	}
	if err := checkID(id); err != nil {
		return nil, err
	}
	inst, _, err := h.Instances.Get(ctx, r.Region, r.AccountID, id)
	if err != nil {
		return nil, err
	}
	if err := r.AuthorizeOn(in.DryRun, inst.authz()); err != nil {
		return nil, err
	}
	out := &ec2api.InstanceAttribute{InstanceId: aws.String(id)}
	b := func(v bool) *ec2api.AttributeBooleanValue { return &ec2api.AttributeBooleanValue{Value: aws.Bool(v)} }
	s := func(v string) *ec2api.AttributeValue { return &ec2api.AttributeValue{Value: aws.String(v)} }
	switch attr {
	case "instanceType":
		out.InstanceType = s(inst.InstanceType)
	case "userData":
		out.UserData = &ec2api.AttributeValue{}
		if len(inst.UserData) > 0 {
			out.UserData.Value = aws.String(base64.StdEncoding.EncodeToString(inst.UserData))
		}
	case "disableApiTermination":
		out.DisableApiTermination = b(inst.DisableAPITerm)
	case "disableApiStop":
		out.DisableApiStop = b(inst.DisableAPIStop)
	case "instanceInitiatedShutdownBehavior":
		out.InstanceInitiatedShutdownBehavior = s(inst.ShutdownBehavior)
	case "rootDeviceName":
		out.RootDeviceName = s(inst.Root.DeviceName)
	case "blockDeviceMapping":
		out.BlockDeviceMappings = h.wire(inst, time.Time{}).BlockDeviceMappings
	case "groupSet":
		out.Groups = wireGroups(inst.Groups)
	case "sourceDestCheck":
		out.SourceDestCheck = b(true)
	case "ebsOptimized":
		out.EbsOptimized = b(false)
	case "enaSupport":
		out.EnaSupport = b(true)
	case "productCodes":
		out.ProductCodes = []ec2api.ProductCode{}
	case "kernel", "ramdisk", "sriovNetSupport":
		// Not set for HVM instances: AWS returns the element empty.
	default:
		return nil, awserr.InvalidParameterValue("Value (%s) for parameter attribute is invalid. Unknown attribute.", attr)
	}
	return out, nil
}
