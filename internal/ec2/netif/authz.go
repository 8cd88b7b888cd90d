package netif

import (
	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/ec2/instances"
	"github.com/kumo-cloud/kumo/internal/ec2/vpc"
)

// authz is what resource-level permissions see of an interface: its ARN,
// tags and ec2:Subnet, ec2:Vpc (ARNs) and ec2:AvailabilityZone.
func (i *Interface) authz() api.Resource {
	res := Kind.Authz(i.Region, i.Account, i.ID, i.Tags)
	interfaceKeys(res.Keys, i)
	return res
}

func interfaceKeys(k map[string][]string, i *Interface) {
	k["ec2:Subnet"] = []string{vpc.SubnetKind.ARN(i.Region, i.Account, i.SubnetID)}
	k["ec2:Vpc"] = []string{vpc.VPCKind.ARN(i.Region, i.Account, i.VPCID)}
	k["ec2:AvailabilityZone"] = []string{i.AvailabilityZone}
}

// PrimaryAuthz returns what resource-level permissions see of an
// instance's primary interface (which has no tags of its own).
func PrimaryAuthz(in *instances.Instance) api.Resource {
	v := primaryView(in)
	return v.authz()
}
