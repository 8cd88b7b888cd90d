package vpc

import (
	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/ec2/resource"
)

// What resource-level permissions see of the family's records: their ARNs,
// tags and the condition keys of the EC2 Service Authorization Reference.
// ec2:Vpc is a VPC's ARN.

// Authz returns what resource-level permissions see of a VPC.
func (v *VPC) Authz() api.Resource {
	res := VPCKind.Authz(v.Region, v.Account, v.ID, v.Tags)
	res.Keys["ec2:Tenancy"] = []string{v.InstanceTenancy}
	return res
}

// Authz returns what resource-level permissions see of a subnet.
func (s *Subnet) Authz() api.Resource {
	res := SubnetKind.Authz(s.Region, s.Account, s.ID, s.Tags)
	subnetKeys(res.Keys, s.Region, s.Account, s.VPCID, s.AvailabilityZone)
	return res
}

func subnetKeys(k map[string][]string, region, account, vpcID, zone string) {
	k["ec2:Vpc"] = vpcARN(region, account, vpcID)
	k["ec2:AvailabilityZone"] = []string{zone}
}

// Authz returns what resource-level permissions see of a security group.
func (g *SecurityGroup) Authz() api.Resource {
	res := GroupKind.Authz(g.Region, g.Account, g.ID, g.Tags)
	res.Keys["ec2:Vpc"] = vpcARN(g.Region, g.Account, g.VPCID)
	return res
}

func (g *InternetGateway) authz() api.Resource {
	return GatewayKind.Authz(g.Region, g.Account, g.ID, g.Tags)
}

func (t *RouteTable) authz() api.Resource {
	res := RouteTableKind.Authz(t.Region, t.Account, t.ID, t.Tags)
	res.Keys["ec2:Vpc"] = vpcARN(t.Region, t.Account, t.VPCID)
	return res
}

// newIn is what resource-level permissions see of a resource of kind k that
// an action is about to create in VPC v: k/* with the request's tags as
// aws:RequestTag/K and aws:TagKeys, and ec2:Vpc.
func newIn(r *api.Request, v *VPC, k resource.Kind, tags map[string]string) api.Resource {
	res := k.New(r.Region, r.AccountID, tags)
	res.Keys["ec2:Vpc"] = vpcARN(v.Region, v.Account, v.ID)
	return res
}

func vpcARN(region, account, id string) []string {
	return []string{VPCKind.ARN(region, account, id)}
}

// authorizeNew authorizes an action that creates resources: tagging them,
// then the action on them and on the resources it uses, and the dry run.
func authorizeNew(r *api.Request, dryRun *bool, created []api.Resource, used ...api.Resource) error {
	if err := resource.AuthorizeTagOnCreate(r, created...); err != nil {
		return err
	}
	return r.AuthorizeOn(dryRun, append(created, used...)...)
}
