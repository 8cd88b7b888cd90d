package instances

import (
	"context"
	"encoding/base64"
	"net/netip"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/awsquery/ec2api"
	"github.com/kumo-cloud/kumo/internal/catalog"
	"github.com/kumo-cloud/kumo/internal/ec2/images"
	"github.com/kumo-cloud/kumo/internal/ec2/keypairs"
	"github.com/kumo-cloud/kumo/internal/ec2/tags"
	"github.com/kumo-cloud/kumo/internal/ec2/vpc"
)

// MaxUserData is EC2's limit on user data, before base64 encoding.
const MaxUserData = 16 * 1024

// launch is a validated RunInstances request.
type launch struct {
	min, max      int
	typ           catalog.InstanceType
	image         *images.Image
	keyName, pub  string
	subnet        *vpc.Subnet
	groups        []GroupRef
	privateIP     netip.Addr
	publicIP      bool
	userData      []byte
	root          RootDevice
	data          []dataVolume
	meta          MetadataOptions
	profile       *ProfileAssociation
	shutdown      string
	disableTerm   bool
	disableStop   bool
	instanceTags  map[string]string
	volumeTags    map[string]string
	interfaceTags map[string]string
}

func unsupported(param string) error {
	return awserr.BadRequest("UnsupportedOperation", "The parameter %s is not supported by Kumo yet.", param)
}

// validate checks a RunInstances request the way EC2 does and resolves every
// reference (image, key, subnet, groups) for the caller's account.
func (h *Handlers) validate(ctx context.Context, r *api.Request, in *ec2api.RunInstancesRequest) (*launch, error) {
	l := &launch{min: int(aws.ToInt32(in.MinCount)), max: int(aws.ToInt32(in.MaxCount))}
	switch {
	case l.min < 1:
		return nil, awserr.InvalidParameterValue("Value (%d) for parameter minCount is invalid. Expected a positive integer.", l.min)
	case l.max < 1:
		return nil, awserr.InvalidParameterValue("Value (%d) for parameter maxCount is invalid. Expected a positive integer.", l.max)
	case l.min > l.max:
		return nil, awserr.InvalidParameterValue("MinCount (%d) must be less than or equal to MaxCount (%d).", l.min, l.max)
	}
	switch {
	case in.LaunchTemplate != nil:
		return nil, unsupported("LaunchTemplate")
	case in.InstanceMarketOptions != nil:
		return nil, unsupported("InstanceMarketOptions")
	case in.KernelId != nil || in.RamdiskId != nil:
		return nil, unsupported("KernelId/RamdiskId")
	}
	if in.ImageId == nil {
		return nil, awserr.MissingParameter("ImageId")
	}
	typeName := aws.ToString(in.InstanceType)
	if typeName == "" {
		typeName = "t2.micro"
	}
	t, ok := catalog.LookupInstanceType(typeName)
	if !ok {
		return nil, awserr.InvalidParameterValue("Invalid value '%s' for InstanceType.", typeName)
	}
	l.typ = t
	img, err := h.Images.Get(ctx, r.Region, r.AccountID, aws.ToString(in.ImageId))
	if err != nil {
		return nil, err
	}
	l.image = img
	if !archMatches(t, img.Architecture) {
		return nil, awserr.InvalidParameterValue("The architecture '%s' of the specified instance type does not match the architecture '%s' of the specified AMI. Specify an instance type and an AMI that have matching architectures, and try again.", t.Processor.Architectures[0], img.Architecture)
	}
	if name := aws.ToString(in.KeyName); name != "" {
		kp, err := keypairs.Lookup(ctx, h.Raw, r.Region, r.AccountID, name)
		if err != nil {
			return nil, err
		}
		l.keyName, l.pub = kp.Name, kp.PublicKey
	}
	if in.UserData != nil {
		b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(*in.UserData))
		if err != nil {
			return nil, awserr.InvalidParameterValue("Invalid BASE64 encoding of user data.")
		}
		if len(b) > MaxUserData {
			return nil, awserr.InvalidParameterValue("User data is limited to %d bytes.", MaxUserData)
		}
		l.userData = b
	}
	if err := h.validateNetwork(ctx, r, in, l); err != nil {
		return nil, err
	}
	if l.data, err = h.dataVolumes(ctx, r.Region, r.AccountID, in.BlockDeviceMappings, img); err != nil {
		return nil, err
	}
	if err := validateRoot(in.BlockDeviceMappings, img, &l.root); err != nil {
		return nil, err
	}
	if err := metadataOptions(in.MetadataOptions, &l.meta); err != nil {
		return nil, err
	}
	if in.IamInstanceProfile != nil {
		if l.profile, err = h.resolveProfile(ctx, r, in.IamInstanceProfile, r.Now.UTC()); err != nil {
			return nil, err
		}
	}
	l.shutdown = aws.ToString(in.InstanceInitiatedShutdownBehavior)
	switch l.shutdown {
	case "":
		l.shutdown = "stop"
	case "stop", "terminate":
	default:
		return nil, awserr.InvalidParameterValue("Value (%s) for parameter instanceInitiatedShutdownBehavior is invalid. Valid values are stop, terminate.", l.shutdown)
	}
	l.disableTerm, l.disableStop = aws.ToBool(in.DisableApiTermination), aws.ToBool(in.DisableApiStop)
	specs := tags.SpecsFromWire(in.TagSpecifications)
	creates := []string{"instance", "volume", "network-interface"}
	if l.instanceTags, err = tags.ForType(specs, "instance", creates...); err != nil {
		return nil, err
	}
	if l.volumeTags, err = tags.ForType(specs, "volume", creates...); err != nil {
		return nil, err
	}
	if l.interfaceTags, err = tags.ForType(specs, "network-interface", creates...); err != nil {
		return nil, err
	}
	return l, nil
}

func archMatches(t catalog.InstanceType, arch string) bool {
	for _, a := range t.Processor.Architectures {
		if string(a) == arch {
			return true
		}
	}
	return false
}

// validateRoot applies BlockDeviceMappings for the root device; dataVolumes
// resolves the others.
func validateRoot(bdms []ec2api.BlockDeviceMapping, img *images.Image, root *RootDevice) error {
	*root = RootDevice{DeviceName: img.RootDeviceName, SizeGiB: img.RootSizeGiB, VolumeType: "gp3", DeleteOnTermination: true}
	for _, m := range bdms {
		dev := aws.ToString(m.DeviceName)
		if dev == "" {
			return awserr.MissingParameter("BlockDeviceMapping.DeviceName")
		}
		if dev != img.RootDeviceName {
			continue // a data volume (dataVolumes)
		}
		if m.Ebs == nil {
			continue
		}
		if m.Ebs.VolumeSize != nil {
			size := *m.Ebs.VolumeSize
			if size < img.RootSizeGiB {
				return awserr.BadRequest("InvalidBlockDeviceMapping", "Volume of size %dGB is smaller than snapshot '%s', expect size >= %dGB", size, img.RootSnapshotID, img.RootSizeGiB)
			}
			if size > 16384 {
				return awserr.InvalidParameterValue("Volume of %dGiB is too large; maximum is 16384GiB.", size)
			}
			root.SizeGiB = size
		}
		if m.Ebs.VolumeType != nil {
			switch vt := *m.Ebs.VolumeType; vt {
			case "gp2", "gp3", "io1", "io2", "st1", "sc1", "standard":
				if vt == "st1" || vt == "sc1" {
					return awserr.InvalidParameterValue("Volume type %s cannot be used as a boot volume.", vt)
				}
				root.VolumeType = vt
			default:
				return awserr.InvalidParameterValue("Value (%s) for parameter volumeType is invalid.", vt)
			}
		}
		if m.Ebs.DeleteOnTermination != nil {
			root.DeleteOnTermination = *m.Ebs.DeleteOnTermination
		}
	}
	return nil
}

// metadataOptions applies MetadataOptions over the defaults for an AMI that
// declares IMDSv2 support (ImdsSupport v2.0): tokens required, hop limit 2.
func metadataOptions(in *ec2api.InstanceMetadataOptionsRequest, m *MetadataOptions) error {
	*m = MetadataOptions{HTTPTokens: "required", HopLimit: 2, HTTPEndpoint: "enabled", Tags: "disabled"}
	if in == nil {
		return nil
	}
	if v := in.HttpTokens; v != nil {
		if *v != "optional" && *v != "required" {
			return awserr.InvalidParameterValue("Value (%s) for parameter HttpTokens is invalid. Valid values are optional, required.", *v)
		}
		m.HTTPTokens = *v
	}
	if v := in.HttpPutResponseHopLimit; v != nil {
		if *v < 1 || *v > 64 {
			return awserr.InvalidParameterValue("Value (%d) for parameter HttpPutResponseHopLimit is invalid. Expected a value between 1 and 64.", *v)
		}
		m.HopLimit = *v
	}
	if v := in.HttpEndpoint; v != nil {
		if *v != "enabled" && *v != "disabled" {
			return awserr.InvalidParameterValue("Value (%s) for parameter HttpEndpoint is invalid. Valid values are enabled, disabled.", *v)
		}
		m.HTTPEndpoint = *v
	}
	if v := in.InstanceMetadataTags; v != nil {
		if *v != "enabled" && *v != "disabled" {
			return awserr.InvalidParameterValue("Value (%s) for parameter InstanceMetadataTags is invalid. Valid values are enabled, disabled.", *v)
		}
		m.Tags = *v
	}
	return nil
}
