package vpc_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/kumo-cloud/kumo/internal/testenv"
)

func envSpec(typ types.ResourceType, v string) []types.TagSpecification {
	return []types.TagSpecification{{ResourceType: typ, Tags: []types.Tag{{Key: aws.String("env"), Value: aws.String(v)}}}}
}

// bobNetworkPolicy (with the account and the dev VPC filled in for ACCOUNT
// and DEV) lets bob manage the VPC tagged env=dev and what is in it:
// its groups (by ec2:Vpc), its subnets in us-east-1a, its gateways and
// route tables (by tag); and make VPCs and gateways tagged env=dev.
const bobNetworkPolicy = `{"Version":"2012-10-17","Statement":[
	{"Effect":"Allow","Action":["ec2:AuthorizeSecurityGroupIngress","ec2:RevokeSecurityGroupIngress","ec2:DeleteSecurityGroup",
		"ec2:ModifySecurityGroupRules","ec2:UpdateSecurityGroupRuleDescriptionsIngress"],
	 "Resource":"arn:aws:ec2:*:*:security-group/*","Condition":{"ArnEquals":{"ec2:Vpc":"arn:aws:ec2:us-east-1:ACCOUNT:vpc/DEV"}}},
	{"Effect":"Allow","Action":["ec2:CreateSecurityGroup","ec2:CreateSubnet","ec2:CreateRouteTable"],"Resource":"arn:aws:ec2:*:*:vpc/*",
	 "Condition":{"StringEquals":{"aws:ResourceTag/env":"dev"}}},
	{"Effect":"Allow","Action":["ec2:CreateSecurityGroup","ec2:CreateRouteTable"],"Resource":["arn:aws:ec2:*:*:security-group/*","arn:aws:ec2:*:*:route-table/*"]},
	{"Effect":"Allow","Action":"ec2:CreateSubnet","Resource":"arn:aws:ec2:*:*:subnet/*","Condition":{"StringEquals":{"ec2:AvailabilityZone":"us-east-1a"}}},
	{"Effect":"Allow","Action":["ec2:DeleteVpc","ec2:ModifyVpcAttribute","ec2:DescribeVpcAttribute","ec2:DeleteSubnet","ec2:ModifySubnetAttribute",
		"ec2:DeleteInternetGateway","ec2:AttachInternetGateway","ec2:DetachInternetGateway","ec2:DeleteRouteTable","ec2:CreateRoute",
		"ec2:DeleteRoute","ec2:ReplaceRoute","ec2:AssociateRouteTable","ec2:DisassociateRouteTable","ec2:ReplaceRouteTableAssociation"],
	 "Resource":["arn:aws:ec2:*:*:vpc/*","arn:aws:ec2:*:*:subnet/*","arn:aws:ec2:*:*:internet-gateway/*","arn:aws:ec2:*:*:route-table/*"],
	 "Condition":{"StringEquals":{"aws:ResourceTag/env":"dev"}}},
	{"Effect":"Allow","Action":["ec2:CreateVpc","ec2:CreateInternetGateway","ec2:CreateTags"],"Resource":"*",
	 "Condition":{"StringEquals":{"aws:RequestTag/env":"dev"}}}]}`

// TestResourcePermissions: the VPC, subnet, gateway, route table and
// security group actions are authorized on the resources they touch and
// create, with their tags and ec2:Vpc, ec2:AvailabilityZone.
func TestResourcePermissions(t *testing.T) {
	env := testenv.Start(t)
	c, ctx := env.EC2(), context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	newVPC := func(cidr, env string) string {
		in := &ec2.CreateVpcInput{CidrBlock: aws.String(cidr)}
		if env != "" {
			in.TagSpecifications = envSpec(types.ResourceTypeVpc, env)
		}
		out, err := c.CreateVpc(ctx, in)
		must(err)
		return aws.ToString(out.Vpc.VpcId)
	}
	devVPC, prodVPC := newVPC("10.0.0.0/16", "dev"), newVPC("10.1.0.0/16", "")
	newSubnet := func(vpc, cidr, env string) string {
		in := &ec2.CreateSubnetInput{VpcId: aws.String(vpc), CidrBlock: aws.String(cidr)}
		if env != "" {
			in.TagSpecifications = envSpec(types.ResourceTypeSubnet, env)
		}
		out, err := c.CreateSubnet(ctx, in)
		must(err)
		return aws.ToString(out.Subnet.SubnetId)
	}
	devSub, prodSub := newSubnet(devVPC, "10.0.1.0/24", "dev"), newSubnet(prodVPC, "10.1.1.0/24", "")
	newGroup := func(vpc string) string {
		out, err := c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{VpcId: aws.String(vpc), GroupName: aws.String("web"), Description: aws.String("web")})
		must(err)
		return aws.ToString(out.GroupId)
	}
	devSG, prodSG := newGroup(devVPC), newGroup(prodVPC)
	newGateway := func(env string) string {
		in := &ec2.CreateInternetGatewayInput{}
		if env != "" {
			in.TagSpecifications = envSpec(types.ResourceTypeInternetGateway, env)
		}
		out, err := c.CreateInternetGateway(ctx, in)
		must(err)
		return aws.ToString(out.InternetGateway.InternetGatewayId)
	}
	devIGW, prodIGW := newGateway("dev"), newGateway("")
	newTable := func(vpc, env string) string {
		in := &ec2.CreateRouteTableInput{VpcId: aws.String(vpc)}
		if env != "" {
			in.TagSpecifications = envSpec(types.ResourceTypeRouteTable, env)
		}
		out, err := c.CreateRouteTable(ctx, in)
		must(err)
		return aws.ToString(out.RouteTable.RouteTableId)
	}
	devRT, prodRT := newTable(devVPC, "dev"), newTable(prodVPC, "")
	assoc, err := c.AssociateRouteTable(ctx, &ec2.AssociateRouteTableInput{RouteTableId: aws.String(prodRT), SubnetId: aws.String(prodSub)})
	must(err)
	bob := env.User(t, "bob", strings.NewReplacer("DEV", devVPC, "ACCOUNT", env.AccountID).Replace(bobNetworkPolicy))

	ssh := []types.IpPermission{{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(22), ToPort: aws.Int32(22), IpRanges: []types.IpRange{{CidrIp: aws.String("10.0.0.0/8")}}}}
	ingress := func(group string, tags []types.TagSpecification) func(*bool) error {
		return func(dry *bool) error {
			_, err := bob.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(group), IpPermissions: ssh, TagSpecifications: tags, DryRun: dry})
			return err
		}
	}
	createGroup := func(vpc string) func(*bool) error {
		return func(dry *bool) error {
			_, err := bob.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{VpcId: aws.String(vpc), GroupName: aws.String("bob"), Description: aws.String("bob"), DryRun: dry})
			return err
		}
	}
	createSubnet := func(vpc, zone string) func(*bool) error {
		return func(dry *bool) error {
			_, err := bob.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: aws.String(vpc), CidrBlock: aws.String(strings.Replace("10.X.2.0/24", "X", map[string]string{devVPC: "0", prodVPC: "1"}[vpc], 1)),
				AvailabilityZone: aws.String(zone), DryRun: dry})
			return err
		}
	}
	createTable := func(vpc string) func(*bool) error {
		return func(dry *bool) error {
			_, err := bob.CreateRouteTable(ctx, &ec2.CreateRouteTableInput{VpcId: aws.String(vpc), DryRun: dry})
			return err
		}
	}
	createVPC := func(tags []types.TagSpecification) func(*bool) error {
		return func(dry *bool) error {
			_, err := bob.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.9.0.0/16"), TagSpecifications: tags, DryRun: dry})
			return err
		}
	}
	attach := func(igw, vpc string) func(*bool) error {
		return func(dry *bool) error {
			_, err := bob.AttachInternetGateway(ctx, &ec2.AttachInternetGatewayInput{InternetGatewayId: aws.String(igw), VpcId: aws.String(vpc), DryRun: dry})
			return err
		}
	}
	route := func(table string) func(*bool) error {
		return func(dry *bool) error {
			_, err := bob.CreateRoute(ctx, &ec2.CreateRouteInput{RouteTableId: aws.String(table), DestinationCidrBlock: aws.String("0.0.0.0/0"), GatewayId: aws.String(devIGW), DryRun: dry})
			return err
		}
	}
	associate := func(table, subnet string) func(*bool) error {
		return func(dry *bool) error {
			_, err := bob.AssociateRouteTable(ctx, &ec2.AssociateRouteTableInput{RouteTableId: aws.String(table), SubnetId: aws.String(subnet), DryRun: dry})
			return err
		}
	}
	tests := []struct {
		name      string
		call      func(dry *bool) error
		allowed   bool
		refusedOn string // part of the ARN a refusal names
	}{
		{"open a port of a group of the dev VPC", ingress(devSG, nil), true, ""},
		{"open a port of a group of another VPC", ingress(prodSG, nil), false, ":security-group/" + prodSG},
		{"tag the new rules, without ec2:CreateTags for them", ingress(devSG, envSpec(types.ResourceTypeSecurityGroupRule, "x")), false, ":security-group-rule/*"},
		{"close a port of a group of another VPC", func(dry *bool) error {
			_, err := bob.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: aws.String(prodSG), IpPermissions: ssh, DryRun: dry})
			return err
		}, false, ":security-group/" + prodSG},
		{"delete a group of the dev VPC", func(dry *bool) error {
			_, err := bob.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: aws.String(devSG), DryRun: dry})
			return err
		}, true, ""},
		{"delete a group of another VPC", func(dry *bool) error {
			_, err := bob.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: aws.String(prodSG), DryRun: dry})
			return err
		}, false, ":security-group/" + prodSG},
		{"create a group in the dev VPC", createGroup(devVPC), true, ""},
		{"create a group in another VPC", createGroup(prodVPC), false, ":vpc/" + prodVPC},
		{"create a subnet in us-east-1a", createSubnet(devVPC, "us-east-1a"), true, ""},
		{"create a subnet in us-east-1b", createSubnet(devVPC, "us-east-1b"), false, ":subnet/*"},
		{"create a subnet in another VPC", createSubnet(prodVPC, "us-east-1a"), false, ":vpc/" + prodVPC},
		{"create a route table in the dev VPC", createTable(devVPC), true, ""},
		{"create a route table in another VPC", createTable(prodVPC), false, ":vpc/" + prodVPC},
		{"create a VPC tagged env=dev", createVPC(envSpec(types.ResourceTypeVpc, "dev")), true, ""},
		{"create an untagged VPC", createVPC(nil), false, ":vpc/*"},
		{"create a gateway tagged env=dev", func(dry *bool) error {
			_, err := bob.CreateInternetGateway(ctx, &ec2.CreateInternetGatewayInput{TagSpecifications: envSpec(types.ResourceTypeInternetGateway, "dev"), DryRun: dry})
			return err
		}, true, ""},
		{"delete the dev VPC", func(dry *bool) error {
			_, err := bob.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: aws.String(devVPC), DryRun: dry})
			return err
		}, true, ""},
		{"delete another VPC", func(dry *bool) error {
			_, err := bob.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: aws.String(prodVPC), DryRun: dry})
			return err
		}, false, ":vpc/" + prodVPC},
		{"describe another VPC's attribute", func(dry *bool) error {
			_, err := bob.DescribeVpcAttribute(ctx, &ec2.DescribeVpcAttributeInput{VpcId: aws.String(prodVPC), Attribute: types.VpcAttributeNameEnableDnsSupport, DryRun: dry})
			return err
		}, false, ":vpc/" + prodVPC},
		{"delete another subnet", func(dry *bool) error {
			_, err := bob.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: aws.String(prodSub), DryRun: dry})
			return err
		}, false, ":subnet/" + prodSub},
		{"attach the dev gateway to the dev VPC", attach(devIGW, devVPC), true, ""},
		{"attach the dev gateway to another VPC", attach(devIGW, prodVPC), false, ":vpc/" + prodVPC},
		{"attach another gateway to the dev VPC", attach(prodIGW, devVPC), false, ":internet-gateway/" + prodIGW},
		{"delete another gateway", func(dry *bool) error {
			_, err := bob.DeleteInternetGateway(ctx, &ec2.DeleteInternetGatewayInput{InternetGatewayId: aws.String(prodIGW), DryRun: dry})
			return err
		}, false, ":internet-gateway/" + prodIGW},
		{"route in the dev table", route(devRT), true, ""},
		{"route in another table", route(prodRT), false, ":route-table/" + prodRT},
		{"associate the dev table with the dev subnet", associate(devRT, devSub), true, ""},
		{"associate the dev table with another subnet", associate(devRT, prodSub), false, ":subnet/" + prodSub},
		{"disassociate another table", func(dry *bool) error {
			_, err := bob.DisassociateRouteTable(ctx, &ec2.DisassociateRouteTableInput{AssociationId: assoc.AssociationId, DryRun: dry})
			return err
		}, false, ":route-table/" + prodRT},
		{"move another subnet to the dev table", func(dry *bool) error {
			_, err := bob.ReplaceRouteTableAssociation(ctx, &ec2.ReplaceRouteTableAssociationInput{AssociationId: assoc.AssociationId, RouteTableId: aws.String(devRT), DryRun: dry})
			return err
		}, false, ":subnet/" + prodSub},
		{"delete another table", func(dry *bool) error {
			_, err := bob.DeleteRouteTable(ctx, &ec2.DeleteRouteTableInput{RouteTableId: aws.String(prodRT), DryRun: dry})
			return err
		}, false, ":route-table/" + prodRT},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := "DryRunOperation"
			if !tt.allowed {
				want = "UnauthorizedOperation"
			}
			err := tt.call(aws.Bool(true))
			if testenv.Code(err) != want {
				t.Fatalf("dry run: %v, want %s", err, want)
			}
			if tt.allowed {
				return
			}
			if !strings.Contains(err.Error(), "on resource: arn:aws:ec2:us-east-1:"+env.AccountID+tt.refusedOn) {
				t.Errorf("refusal %q does not name %s", err, tt.refusedOn)
			}
			if err := tt.call(nil); testenv.Code(err) != "UnauthorizedOperation" {
				t.Fatalf("%v, want UnauthorizedOperation", err)
			}
		})
	}

	t.Run("attributes, which have no dry run", func(t *testing.T) {
		on := &types.AttributeBooleanValue{Value: aws.Bool(true)}
		if _, err := bob.ModifySubnetAttribute(ctx, &ec2.ModifySubnetAttributeInput{SubnetId: aws.String(devSub), MapPublicIpOnLaunch: on}); err != nil {
			t.Fatalf("dev subnet: %v", err)
		}
		_, err := bob.ModifySubnetAttribute(ctx, &ec2.ModifySubnetAttributeInput{SubnetId: aws.String(prodSub), MapPublicIpOnLaunch: on})
		if testenv.Code(err) != "UnauthorizedOperation" {
			t.Fatalf("another subnet: %v", err)
		}
		_, err = bob.ModifyVpcAttribute(ctx, &ec2.ModifyVpcAttributeInput{VpcId: aws.String(prodVPC), EnableDnsHostnames: on})
		if testenv.Code(err) != "UnauthorizedOperation" {
			t.Fatalf("another VPC: %v", err)
		}
	})

	t.Run("allowed calls take effect", func(t *testing.T) {
		if err := createSubnet(devVPC, "us-east-1a")(nil); err != nil {
			t.Fatal(err)
		}
		if err := ingress(devSG, nil)(nil); err != nil {
			t.Fatal(err)
		}
		if err := attach(devIGW, devVPC)(nil); err != nil {
			t.Fatal(err)
		}
	})
}
