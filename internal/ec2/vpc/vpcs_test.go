package vpc_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/kumo-cloud/kumo/internal/testenv"
)

func createVPC(t *testing.T, c *ec2.Client, cidr string) string {
	t.Helper()
	out, err := c.CreateVpc(context.Background(), &ec2.CreateVpcInput{CidrBlock: aws.String(cidr)})
	if err != nil {
		t.Fatalf("create vpc %s: %v", cidr, err)
	}
	return aws.ToString(out.Vpc.VpcId)
}

func createSubnet(t *testing.T, c *ec2.Client, vpcID, cidr string) string {
	t.Helper()
	out, err := c.CreateSubnet(context.Background(), &ec2.CreateSubnetInput{VpcId: aws.String(vpcID), CidrBlock: aws.String(cidr)})
	if err != nil {
		t.Fatalf("create subnet %s: %v", cidr, err)
	}
	return aws.ToString(out.Subnet.SubnetId)
}

func byVPC(id string) []types.Filter {
	return []types.Filter{{Name: aws.String("vpc-id"), Values: []string{id}}}
}

func vpcAttr(t *testing.T, c *ec2.Client, id string, attr types.VpcAttributeName) bool {
	t.Helper()
	out, err := c.DescribeVpcAttribute(context.Background(), &ec2.DescribeVpcAttributeInput{VpcId: aws.String(id), Attribute: attr})
	if err != nil {
		t.Fatalf("describe %s of %s: %v", attr, id, err)
	}
	switch attr {
	case types.VpcAttributeNameEnableDnsSupport:
		return aws.ToBool(out.EnableDnsSupport.Value)
	case types.VpcAttributeNameEnableDnsHostnames:
		return aws.ToBool(out.EnableDnsHostnames.Value)
	}
	return aws.ToBool(out.EnableNetworkAddressUsageMetrics.Value)
}

func TestCreateVpc(t *testing.T) {
	env := testenv.Start(t)
	c := env.EC2()
	ctx := context.Background()

	t.Run("errors", func(t *testing.T) {
		tests := []struct {
			name, cidr, tenancy, code string
		}{
			{"too big", "10.0.0.0/15", "", "InvalidVpc.Range"},
			{"too small", "10.0.0.0/29", "", "InvalidVpc.Range"},
			{"not a cidr", "10.0.0.0", "", "InvalidParameterValue"},
			{"host bits", "10.0.0.1/16", "", "InvalidParameterValue"},
			{"ipv6", "2001:db8::/56", "", "InvalidParameterValue"},
			{"bad tenancy", "10.0.0.0/16", "shared", "InvalidParameterValue"},
			{"host tenancy", "10.0.0.0/16", "host", "UnsupportedTenancy"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				in := &ec2.CreateVpcInput{CidrBlock: aws.String(tt.cidr)}
				if tt.tenancy != "" {
					in.InstanceTenancy = types.Tenancy(tt.tenancy)
				}
				_, err := c.CreateVpc(ctx, in)
				wantCode(t, err, tt.code)
			})
		}
		_, err := c.CreateVpc(ctx, &ec2.CreateVpcInput{})
		wantCode(t, err, "MissingParameter")
		_, err = c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16"), DryRun: aws.Bool(true)})
		wantCode(t, err, "DryRunOperation")
		out, _ := c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{})
		if len(out.Vpcs) != 1 {
			t.Errorf("failed creates left VPCs: %d", len(out.Vpcs))
		}
	})

	out, err := c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.1.0.0/16"), InstanceTenancy: types.TenancyDedicated,
		TagSpecifications: []types.TagSpecification{{ResourceType: types.ResourceTypeVpc, Tags: []types.Tag{{Key: aws.String("Name"), Value: aws.String("lab")}}}}})
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(out.Vpc.VpcId)
	if out.Vpc.State != types.VpcStatePending || aws.ToString(out.Vpc.CidrBlock) != "10.1.0.0/16" || aws.ToBool(out.Vpc.IsDefault) ||
		out.Vpc.InstanceTenancy != types.TenancyDedicated || len(out.Vpc.Tags) != 1 {
		t.Errorf("created %+v", out.Vpc)
	}

	t.Run("describe", func(t *testing.T) {
		d, err := c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: []types.Filter{{Name: aws.String("tag:Name"), Values: []string{"lab"}}}})
		if err != nil || len(d.Vpcs) != 1 {
			t.Fatalf("describe: %+v %v", d, err)
		}
		v := d.Vpcs[0]
		all, _ := c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: []types.Filter{{Name: aws.String("is-default"), Values: []string{"true"}}}})
		if v.State != types.VpcStateAvailable || v.InstanceTenancy != types.TenancyDedicated ||
			aws.ToString(v.DhcpOptionsId) != aws.ToString(all.Vpcs[0].DhcpOptionsId) {
			t.Errorf("described %+v", v)
		}
	})
	t.Run("default security group", func(t *testing.T) {
		g, err := c.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: byVPC(id)})
		if err != nil || len(g.SecurityGroups) != 1 {
			t.Fatalf("groups: %+v %v", g, err)
		}
		sg := g.SecurityGroups[0]
		if aws.ToString(sg.GroupName) != "default" || len(sg.IpPermissions) != 1 ||
			aws.ToString(sg.IpPermissions[0].UserIdGroupPairs[0].GroupId) != aws.ToString(sg.GroupId) ||
			len(sg.IpPermissionsEgress) != 1 || aws.ToString(sg.IpPermissionsEgress[0].IpRanges[0].CidrIp) != "0.0.0.0/0" {
			t.Errorf("default group %+v", sg)
		}
	})
	t.Run("main route table", func(t *testing.T) {
		rt, err := c.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: byVPC(id)})
		if err != nil || len(rt.RouteTables) != 1 {
			t.Fatalf("tables: %+v %v", rt, err)
		}
		tb := rt.RouteTables[0]
		if len(tb.Associations) != 1 || !aws.ToBool(tb.Associations[0].Main) || len(tb.Routes) != 1 ||
			aws.ToString(tb.Routes[0].DestinationCidrBlock) != "10.1.0.0/16" || aws.ToString(tb.Routes[0].GatewayId) != "local" ||
			tb.Routes[0].State != types.RouteStateActive || tb.Routes[0].Origin != types.RouteOriginCreateRouteTable {
			t.Errorf("main table %+v", tb)
		}
	})
	t.Run("attributes", func(t *testing.T) {
		if !vpcAttr(t, c, id, types.VpcAttributeNameEnableDnsSupport) || vpcAttr(t, c, id, types.VpcAttributeNameEnableDnsHostnames) ||
			vpcAttr(t, c, id, types.VpcAttributeNameEnableNetworkAddressUsageMetrics) {
			t.Error("new VPC: want DNS support, no DNS hostnames, no usage metrics")
		}
		on := &types.AttributeBooleanValue{Value: aws.Bool(true)}
		off := &types.AttributeBooleanValue{Value: aws.Bool(false)}
		_, err := c.ModifyVpcAttribute(ctx, &ec2.ModifyVpcAttributeInput{VpcId: aws.String(id), EnableDnsHostnames: on, EnableDnsSupport: on})
		wantCode(t, err, "InvalidParameterCombination")
		if _, err := c.ModifyVpcAttribute(ctx, &ec2.ModifyVpcAttributeInput{VpcId: aws.String(id), EnableDnsHostnames: on}); err != nil {
			t.Fatal(err)
		}
		if !vpcAttr(t, c, id, types.VpcAttributeNameEnableDnsHostnames) {
			t.Error("hostnames not enabled")
		}
		for _, in := range []*ec2.ModifyVpcAttributeInput{
			{VpcId: aws.String(id), EnableDnsHostnames: off}, {VpcId: aws.String(id), EnableDnsSupport: off}} {
			if _, err := c.ModifyVpcAttribute(ctx, in); err != nil {
				t.Fatal(err)
			}
		}
		_, err = c.ModifyVpcAttribute(ctx, &ec2.ModifyVpcAttributeInput{VpcId: aws.String(id), EnableDnsHostnames: on})
		wantCode(t, err, "InvalidParameterValue")
		_, err = c.DescribeVpcAttribute(ctx, &ec2.DescribeVpcAttributeInput{VpcId: aws.String(id), Attribute: "enableSomething"})
		wantCode(t, err, "InvalidParameterValue")
		_, err = c.DescribeVpcAttribute(ctx, &ec2.DescribeVpcAttributeInput{VpcId: aws.String("vpc-0123456789abcdef0"), Attribute: types.VpcAttributeNameEnableDnsSupport})
		wantCode(t, err, "InvalidVpcID.NotFound")
		_, err = c.ModifyVpcAttribute(ctx, &ec2.ModifyVpcAttributeInput{VpcId: aws.String("vpc-x"), EnableDnsSupport: on})
		wantCode(t, err, "InvalidVpcID.Malformed")
	})
}

func TestDeleteVpc(t *testing.T) {
	env := testenv.Start(t)
	c := env.EC2()
	ctx := context.Background()
	del := func(id string) error {
		_, err := c.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: aws.String(id)})
		return err
	}

	id := createVPC(t, c, "10.0.0.0/16")
	t.Run("subnet", func(t *testing.T) {
		sn := createSubnet(t, c, id, "10.0.1.0/24")
		wantCode(t, del(id), "DependencyViolation")
		if _, err := c.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: aws.String(sn)}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("gateway", func(t *testing.T) {
		igw := createGateway(t, c)
		attach(t, c, igw, id)
		wantCode(t, del(id), "DependencyViolation")
		if _, err := c.DetachInternetGateway(ctx, &ec2.DetachInternetGatewayInput{InternetGatewayId: aws.String(igw), VpcId: aws.String(id)}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("security group", func(t *testing.T) {
		g, err := c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("app"), Description: aws.String("app"), VpcId: aws.String(id)})
		if err != nil {
			t.Fatal(err)
		}
		wantCode(t, del(id), "DependencyViolation")
		if _, err := c.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: g.GroupId}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("route table", func(t *testing.T) {
		rt, err := c.CreateRouteTable(ctx, &ec2.CreateRouteTableInput{VpcId: aws.String(id)})
		if err != nil {
			t.Fatal(err)
		}
		wantCode(t, del(id), "DependencyViolation")
		if _, err := c.DeleteRouteTable(ctx, &ec2.DeleteRouteTableInput{RouteTableId: rt.RouteTable.RouteTableId}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("deleted with its default group and main table", func(t *testing.T) {
		wantCode(t, del(id), "")
		wantCode(t, del(id), "InvalidVpcID.NotFound")
		wantCode(t, del("vpc-nothex"), "InvalidVpcID.Malformed")
		g, _ := c.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: byVPC(id)})
		rt, _ := c.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: byVPC(id)})
		if len(g.SecurityGroups) != 0 || len(rt.RouteTables) != 0 {
			t.Errorf("left behind: %+v %+v", g.SecurityGroups, rt.RouteTables)
		}
	})
	t.Run("default VPC", func(t *testing.T) {
		def, err := c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: []types.Filter{{Name: aws.String("is-default"), Values: []string{"true"}}}})
		if err != nil || len(def.Vpcs) != 1 {
			t.Fatalf("default: %+v %v", def, err)
		}
		did := aws.ToString(def.Vpcs[0].VpcId)
		wantCode(t, del(did), "DependencyViolation")
		sns, _ := c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: byVPC(did)})
		for _, sn := range sns.Subnets {
			if _, err := c.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: sn.SubnetId}); err != nil {
				t.Fatal(err)
			}
		}
		igws, _ := c.DescribeInternetGateways(ctx, &ec2.DescribeInternetGatewaysInput{
			Filters: []types.Filter{{Name: aws.String("attachment.vpc-id"), Values: []string{did}}}})
		wantCode(t, del(did), "DependencyViolation") // the gateway is still attached
		for _, g := range igws.InternetGateways {
			if _, err := c.DetachInternetGateway(ctx, &ec2.DetachInternetGatewayInput{InternetGatewayId: g.InternetGatewayId, VpcId: aws.String(did)}); err != nil {
				t.Fatal(err)
			}
		}
		wantCode(t, del(did), "")
		// The account has no default VPC now, and none comes back.
		all, err := c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{})
		if err != nil || len(all.Vpcs) != 0 {
			t.Fatalf("after deleting the default VPC: %+v %v", all, err)
		}
		if _, err := c.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{}); err != nil {
			t.Fatal(err)
		}
		_, err = c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("x"), Description: aws.String("x")})
		wantCode(t, err, "VPCIdNotSpecified")
		// Other VPCs still work.
		id := createVPC(t, c, "10.9.0.0/16")
		if _, err := c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("x"), Description: aws.String("x"), VpcId: aws.String(id)}); err != nil {
			t.Fatal(err)
		}
	})
}
