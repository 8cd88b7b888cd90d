package instances

import (
	"strconv"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/ec2/ebs"
	"github.com/kumo-cloud/kumo/internal/ec2/images"
	"github.com/kumo-cloud/kumo/internal/ec2/keypairs"
	"github.com/kumo-cloud/kumo/internal/ec2/vpc"
)

// authz is what resource-level permissions see of an instance: its ARN, tags
// and the instance condition keys of the EC2 Service Authorization Reference.
func (i *Instance) authz() api.Resource {
	res := Kind.Authz(i.Region, i.Account, i.ID, i.Tags)
	instanceKeys(res.Keys, i.InstanceType, i.AvailabilityZone, i.Metadata)
	if i.IAMProfile != nil {
		res.Keys["ec2:InstanceProfile"] = []string{i.IAMProfile.ProfileARN}
	}
	return res
}

func instanceKeys(k map[string][]string, typ, zone string, meta MetadataOptions) {
	k["ec2:InstanceType"] = []string{typ}
	k["ec2:AvailabilityZone"] = []string{zone}
	k["ec2:Tenancy"] = []string{"default"}
	k["ec2:RootDeviceType"] = []string{"ebs"}
	k["ec2:InstanceMarketType"] = []string{"on-demand"}
	k["ec2:MetadataHttpTokens"] = []string{meta.HTTPTokens}
	k["ec2:MetadataHttpEndpoint"] = []string{meta.HTTPEndpoint}
	k["ec2:MetadataHttpPutResponseHopLimit"] = []string{strconv.Itoa(int(meta.HopLimit))}
}

// launchResources are the resources RunInstances must be allowed on, as AWS
// evaluates it: the new instance, its volumes and interface, and the image,
// subnet, security groups and key pair it uses.
func launchResources(r *api.Request, l *launch) []api.Resource {
	inst := Kind.New(r.Region, r.AccountID, l.instanceTags)
	instanceKeys(inst.Keys, l.typ.Name, l.subnet.AvailabilityZone, l.meta)
	if l.profile != nil {
		inst.Keys["ec2:InstanceProfile"] = []string{l.profile.ProfileARN}
	}
	vpcARN := []string{vpc.VPCKind.ARN(r.Region, r.AccountID, l.subnet.VPCID)}

	img := images.Kind.Authz(r.Region, l.image.Account, l.image.ID, l.image.Tags)
	owner := l.image.Account
	if l.image.OwnerAlias != "" {
		owner = l.image.OwnerAlias
	}
	img.Keys["ec2:Owner"] = []string{owner}
	img.Keys["ec2:Public"] = []string{strconv.FormatBool(l.image.Public)}
	img.Keys["ec2:ImageType"] = []string{"machine"}
	img.Keys["ec2:RootDeviceType"] = []string{"ebs"}

	subnet := vpc.SubnetKind.Authz(r.Region, r.AccountID, l.subnet.ID, l.subnet.Tags)
	subnet.Keys["ec2:Vpc"] = vpcARN
	subnet.Keys["ec2:AvailabilityZone"] = []string{l.subnet.AvailabilityZone}

	eni := ENIKind.New(r.Region, r.AccountID, l.interfaceTags)
	eni.Keys["ec2:Subnet"] = []string{subnet.ARN}
	eni.Keys["ec2:Vpc"] = vpcARN
	eni.Keys["ec2:AvailabilityZone"] = []string{l.subnet.AvailabilityZone}

	root := ebs.VolumeKind.New(r.Region, r.AccountID, l.volumeTags)
	root.Keys["ec2:VolumeType"] = []string{l.root.VolumeType}
	root.Keys["ec2:VolumeSize"] = []string{strconv.Itoa(int(l.root.SizeGiB))}
	root.Keys["ec2:AvailabilityZone"] = []string{l.subnet.AvailabilityZone}

	out := []api.Resource{inst, img, subnet, eni, root}
	for _, g := range l.groups {
		sg := vpc.GroupKind.Authz(r.Region, r.AccountID, g.ID, nil)
		sg.Keys["ec2:Vpc"] = vpcARN
		out = append(out, sg)
	}
	if l.keyName != "" {
		out = append(out, keypairs.Kind.Authz(r.Region, r.AccountID, l.keyName, nil))
	}
	return out
}
