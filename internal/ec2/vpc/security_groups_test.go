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

// code is the AWS error code of err.
func code(err error) string { return testenv.Code(err) }

func wantCode(t *testing.T, err error, want string) {
	t.Helper()
	if code(err) != want {
		t.Fatalf("got %v, want %s", err, want)
	}
}

func createGroup(t *testing.T, c *ec2.Client, name string) string {
	t.Helper()
	out, err := c.CreateSecurityGroup(context.Background(), &ec2.CreateSecurityGroupInput{GroupName: aws.String(name), Description: aws.String("group " + name)})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.GroupId)
}

func group(t *testing.T, c *ec2.Client, id string) types.SecurityGroup {
	t.Helper()
	out, err := c.DescribeSecurityGroups(context.Background(), &ec2.DescribeSecurityGroupsInput{GroupIds: []string{id}})
	if err != nil || len(out.SecurityGroups) != 1 {
		t.Fatalf("describe %s: %+v %v", id, out, err)
	}
	return out.SecurityGroups[0]
}

func rulesOf(t *testing.T, c *ec2.Client, groupID string) []types.SecurityGroupRule {
	t.Helper()
	out, err := c.DescribeSecurityGroupRules(context.Background(), &ec2.DescribeSecurityGroupRulesInput{
		Filters: []types.Filter{{Name: aws.String("group-id"), Values: []string{groupID}}}})
	if err != nil {
		t.Fatal(err)
	}
	return out.SecurityGroupRules
}

func tcp(port int32, cidrs ...string) types.IpPermission {
	p := types.IpPermission{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(port), ToPort: aws.Int32(port)}
	for _, c := range cidrs {
		p.IpRanges = append(p.IpRanges, types.IpRange{CidrIp: aws.String(c)})
	}
	return p
}

func TestCreateDeleteSecurityGroup(t *testing.T) {
	env := testenv.Start(t)
	c := env.EC2()
	ctx := context.Background()

	var webID string
	t.Run("create", func(t *testing.T) {
		out, err := c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{
			GroupName: aws.String("web"), Description: aws.String("web servers"),
			TagSpecifications: []types.TagSpecification{{ResourceType: types.ResourceTypeSecurityGroup,
				Tags: []types.Tag{{Key: aws.String("env"), Value: aws.String("prod")}}}},
		})
		if err != nil {
			t.Fatal(err)
		}
		webID = aws.ToString(out.GroupId)
		if !strings.HasPrefix(webID, "sg-") || len(webID) != 20 || len(out.Tags) != 1 {
			t.Fatalf("created %q tags %+v", webID, out.Tags)
		}
		g := group(t, c, webID)
		vpcs, _ := c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{})
		if aws.ToString(g.VpcId) != aws.ToString(vpcs.Vpcs[0].VpcId) || aws.ToString(g.OwnerId) != env.AccountID ||
			aws.ToString(g.Description) != "web servers" || len(g.IpPermissions) != 0 {
			t.Errorf("group %+v", g)
		}
		if len(g.IpPermissionsEgress) != 1 || aws.ToString(g.IpPermissionsEgress[0].IpProtocol) != "-1" ||
			g.IpPermissionsEgress[0].FromPort != nil || aws.ToString(g.IpPermissionsEgress[0].IpRanges[0].CidrIp) != "0.0.0.0/0" {
			t.Errorf("egress %+v", g.IpPermissionsEgress)
		}
		f, err := c.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: []types.Filter{{Name: aws.String("tag:env"), Values: []string{"prod"}}}})
		if err != nil || len(f.SecurityGroups) != 1 || aws.ToString(f.SecurityGroups[0].GroupId) != webID {
			t.Errorf("tag filter: %+v %v", f, err)
		}
	})
	t.Run("create errors", func(t *testing.T) {
		tests := []struct {
			name, group, desc, vpc string
			dry                    bool
			code                   string
		}{
			{"duplicate", "web", "d", "", false, "InvalidGroup.Duplicate"},
			{"reserved", "default", "d", "", false, "InvalidParameterValue"},
			{"sg- prefix", "sg-web", "d", "", false, "InvalidParameterValue"},
			{"too long", strings.Repeat("n", 256), "d", "", false, "InvalidParameterValue"},
			{"empty name", "", "d", "", false, "InvalidParameterValue"},
			{"bad character", "wéb", "d", "", false, "InvalidParameterValue"},
			{"long description", "x", strings.Repeat("d", 256), "", false, "InvalidParameterValue"},
			{"unknown vpc", "x", "d", "vpc-0123456789abcdef0", false, "InvalidVpcID.NotFound"},
			{"malformed vpc", "x", "d", "vpc-zz", false, "InvalidVpcID.Malformed"},
			{"dry run", "x", "d", "", true, "DryRunOperation"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				in := &ec2.CreateSecurityGroupInput{GroupName: aws.String(tt.group), Description: aws.String(tt.desc), DryRun: aws.Bool(tt.dry)}
				if tt.vpc != "" {
					in.VpcId = aws.String(tt.vpc)
				}
				_, err := c.CreateSecurityGroup(ctx, in)
				wantCode(t, err, tt.code)
			})
		}
		out, _ := c.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{})
		if len(out.SecurityGroups) != 2 {
			t.Errorf("failed creates left groups: %d", len(out.SecurityGroups))
		}
	})
	t.Run("default group", func(t *testing.T) {
		out, err := c.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupNames: []string{"default"}})
		if err != nil {
			t.Fatal(err)
		}
		g := out.SecurityGroups[0]
		in := g.IpPermissions
		if len(in) != 1 || aws.ToString(in[0].IpProtocol) != "-1" || len(in[0].UserIdGroupPairs) != 1 ||
			aws.ToString(in[0].UserIdGroupPairs[0].GroupId) != aws.ToString(g.GroupId) ||
			aws.ToString(in[0].UserIdGroupPairs[0].UserId) != env.AccountID {
			t.Errorf("default ingress %+v", in)
		}
		_, err = c.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: g.GroupId})
		wantCode(t, err, "CannotDelete")
	})

	refID, userID := createGroup(t, c, "ref"), createGroup(t, c, "user")
	t.Run("referenced by a rule", func(t *testing.T) {
		_, err := c.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(userID),
			IpPermissions: []types.IpPermission{{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(5432), ToPort: aws.Int32(5432),
				UserIdGroupPairs: []types.UserIdGroupPair{{GroupId: aws.String(refID)}}}}})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: aws.String(refID)})
		wantCode(t, err, "DependencyViolation")
		// The referencing group itself may go, and then so may the one it referred to.
		if _, err := c.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: aws.String(userID)}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupName: aws.String("ref")}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("used by an instance", func(t *testing.T) {
		imgs, err := c.DescribeImages(ctx, &ec2.DescribeImagesInput{Owners: []string{"amazon"}})
		if err != nil || len(imgs.Images) == 0 {
			t.Fatalf("images: %v", err)
		}
		_, err = c.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: imgs.Images[0].ImageId, InstanceType: types.InstanceTypeT2Micro,
			MinCount: aws.Int32(1), MaxCount: aws.Int32(1), SecurityGroupIds: []string{webID}})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: aws.String(webID)})
		wantCode(t, err, "DependencyViolation")
	})
	t.Run("delete errors", func(t *testing.T) {
		id := createGroup(t, c, "gone")
		tests := []struct {
			name string
			in   ec2.DeleteSecurityGroupInput
			code string
		}{
			{"dry run", ec2.DeleteSecurityGroupInput{GroupId: aws.String(id), DryRun: aws.Bool(true)}, "DryRunOperation"},
			{"unknown id", ec2.DeleteSecurityGroupInput{GroupId: aws.String("sg-0123456789abcdef0")}, "InvalidGroup.NotFound"},
			{"unknown name", ec2.DeleteSecurityGroupInput{GroupName: aws.String("nope")}, "InvalidGroup.NotFound"},
			{"malformed", ec2.DeleteSecurityGroupInput{GroupId: aws.String("sg-xyz")}, "InvalidGroupId.Malformed"},
			{"neither", ec2.DeleteSecurityGroupInput{}, "MissingParameter"},
			{"deleted", ec2.DeleteSecurityGroupInput{GroupId: aws.String(id)}, ""},
			{"twice", ec2.DeleteSecurityGroupInput{GroupId: aws.String(id)}, "InvalidGroup.NotFound"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := c.DeleteSecurityGroup(ctx, &tt.in)
				if tt.code == "" && err != nil {
					t.Fatal(err)
				}
				if tt.code != "" {
					wantCode(t, err, tt.code)
				}
			})
		}
		// The name is free again.
		createGroup(t, c, "gone")
	})
}
