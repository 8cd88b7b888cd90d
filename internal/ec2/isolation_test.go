package ec2_test

import (
	"context"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	iamsdk "github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/kumo-cloud/kumo/internal/testenv"
)

// kindUnderTest is one row of the isolation matrix: how to make a resource
// of the kind, find it by id, list what is visible, and change it.
type kindUnderTest struct {
	name     string
	create   func(t *testing.T) string
	get      func(c *ec2.Client, id string) error
	list     func(c *ec2.Client) ([]string, error)
	change   func(c *ec2.Client, id string) error
	notFound string
}

// TestAccountIsolation: every kind of resource one account has is invisible
// to another account, which gets the kind's not-found error for its id —
// never "access denied", which would tell it exists — and can change nothing.
func TestAccountIsolation(t *testing.T) {
	env := testenv.Start(t)
	ctx := context.Background()
	owner := env.CreateAccount(t, "owner")
	a := env.EC2As(owner.AccessKeyID, owner.Secret)
	b := env.NewAccount(t, "stranger")

	ami := builtinImage(t, a)
	vpcID := ""
	must := func(t *testing.T, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	kinds := []kindUnderTest{
		{name: "instance", notFound: "InvalidInstanceID.NotFound",
			create: func(t *testing.T) string {
				out, err := a.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String(ami), InstanceType: types.InstanceTypeT3Micro, MinCount: aws.Int32(1), MaxCount: aws.Int32(1)})
				must(t, err)
				return aws.ToString(out.Instances[0].InstanceId)
			},
			get: func(c *ec2.Client, id string) error {
				_, err := c.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
				return err
			},
			list: func(c *ec2.Client) (ids []string, err error) {
				out, err := c.DescribeInstances(ctx, &ec2.DescribeInstancesInput{})
				if err != nil {
					return nil, err
				}
				for _, r := range out.Reservations {
					for _, i := range r.Instances {
						ids = append(ids, aws.ToString(i.InstanceId))
					}
				}
				return ids, nil
			},
			change: func(c *ec2.Client, id string) error {
				_, err := c.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{id}})
				return err
			}},
		{name: "volume", notFound: "InvalidVolume.NotFound",
			create: func(t *testing.T) string {
				out, err := a.CreateVolume(ctx, &ec2.CreateVolumeInput{AvailabilityZone: aws.String("us-east-1a"), Size: aws.Int32(1)})
				must(t, err)
				return aws.ToString(out.VolumeId)
			},
			get: func(c *ec2.Client, id string) error {
				_, err := c.DescribeVolumes(ctx, &ec2.DescribeVolumesInput{VolumeIds: []string{id}})
				return err
			},
			list: func(c *ec2.Client) (ids []string, err error) {
				out, err := c.DescribeVolumes(ctx, &ec2.DescribeVolumesInput{})
				for _, v := range out.Volumes {
					ids = append(ids, aws.ToString(v.VolumeId))
				}
				return ids, err
			},
			change: func(c *ec2.Client, id string) error {
				_, err := c.DeleteVolume(ctx, &ec2.DeleteVolumeInput{VolumeId: aws.String(id)})
				return err
			}},
		{name: "snapshot", notFound: "InvalidSnapshot.NotFound",
			create: func(t *testing.T) string {
				// Without the host agent volumes stay "creating"; an image
				// copy gives the account a snapshot of its own.
				cp, err := a.CopyImage(ctx, &ec2.CopyImageInput{Name: aws.String("for-snapshot"), SourceImageId: aws.String(ami), SourceRegion: aws.String("us-east-1")})
				must(t, err)
				out, err := a.DescribeImages(ctx, &ec2.DescribeImagesInput{ImageIds: []string{aws.ToString(cp.ImageId)}})
				must(t, err)
				return aws.ToString(out.Images[0].BlockDeviceMappings[0].Ebs.SnapshotId)
			},
			get: func(c *ec2.Client, id string) error {
				_, err := c.DescribeSnapshots(ctx, &ec2.DescribeSnapshotsInput{SnapshotIds: []string{id}})
				return err
			},
			list: func(c *ec2.Client) (ids []string, err error) {
				out, err := c.DescribeSnapshots(ctx, &ec2.DescribeSnapshotsInput{})
				for _, s := range out.Snapshots {
					ids = append(ids, aws.ToString(s.SnapshotId))
				}
				return ids, err
			},
			change: func(c *ec2.Client, id string) error {
				_, err := c.DeleteSnapshot(ctx, &ec2.DeleteSnapshotInput{SnapshotId: aws.String(id)})
				return err
			}},
		{name: "image", notFound: "InvalidAMIID.NotFound",
			create: func(t *testing.T) string {
				out, err := a.CopyImage(ctx, &ec2.CopyImageInput{Name: aws.String("mine"), SourceImageId: aws.String(ami), SourceRegion: aws.String("us-east-1")})
				must(t, err)
				return aws.ToString(out.ImageId)
			},
			get: func(c *ec2.Client, id string) error {
				_, err := c.DescribeImages(ctx, &ec2.DescribeImagesInput{ImageIds: []string{id}})
				return err
			},
			list: func(c *ec2.Client) (ids []string, err error) {
				out, err := c.DescribeImages(ctx, &ec2.DescribeImagesInput{})
				for _, i := range out.Images {
					ids = append(ids, aws.ToString(i.ImageId))
				}
				return ids, err
			},
			change: func(c *ec2.Client, id string) error {
				_, err := c.DeregisterImage(ctx, &ec2.DeregisterImageInput{ImageId: aws.String(id)})
				return err
			}},
		{name: "key pair", notFound: "InvalidKeyPair.NotFound",
			create: func(t *testing.T) string {
				out, err := a.CreateKeyPair(ctx, &ec2.CreateKeyPairInput{KeyName: aws.String("owner-key")})
				must(t, err)
				return aws.ToString(out.KeyPairId)
			},
			get: func(c *ec2.Client, id string) error {
				_, err := c.DescribeKeyPairs(ctx, &ec2.DescribeKeyPairsInput{KeyPairIds: []string{id}})
				return err
			},
			list: func(c *ec2.Client) (ids []string, err error) {
				out, err := c.DescribeKeyPairs(ctx, &ec2.DescribeKeyPairsInput{})
				for _, k := range out.KeyPairs {
					ids = append(ids, aws.ToString(k.KeyPairId))
				}
				return ids, err
			},
			change: func(c *ec2.Client, id string) error {
				_, err := c.DescribeKeyPairs(ctx, &ec2.DescribeKeyPairsInput{KeyNames: []string{"owner-key"}})
				return err
			}},
		{name: "vpc", notFound: "InvalidVpcID.NotFound",
			create: func(t *testing.T) string {
				out, err := a.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.7.0.0/16")})
				must(t, err)
				vpcID = aws.ToString(out.Vpc.VpcId)
				return vpcID
			},
			get: func(c *ec2.Client, id string) error {
				_, err := c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{VpcIds: []string{id}})
				return err
			},
			list: func(c *ec2.Client) (ids []string, err error) {
				out, err := c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{})
				for _, v := range out.Vpcs {
					ids = append(ids, aws.ToString(v.VpcId))
				}
				return ids, err
			},
			change: func(c *ec2.Client, id string) error {
				_, err := c.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: aws.String(id)})
				return err
			}},
		{name: "subnet", notFound: "InvalidSubnetID.NotFound",
			create: func(t *testing.T) string {
				out, err := a.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: aws.String(vpcID), CidrBlock: aws.String("10.7.1.0/24")})
				must(t, err)
				return aws.ToString(out.Subnet.SubnetId)
			},
			get: func(c *ec2.Client, id string) error {
				_, err := c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{SubnetIds: []string{id}})
				return err
			},
			list: func(c *ec2.Client) (ids []string, err error) {
				out, err := c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{})
				for _, s := range out.Subnets {
					ids = append(ids, aws.ToString(s.SubnetId))
				}
				return ids, err
			},
			change: func(c *ec2.Client, id string) error {
				_, err := c.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: aws.String(id)})
				return err
			}},
		{name: "security group", notFound: "InvalidGroup.NotFound",
			create: func(t *testing.T) string {
				out, err := a.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("web"), Description: aws.String("web"), VpcId: aws.String(vpcID)})
				must(t, err)
				return aws.ToString(out.GroupId)
			},
			get: func(c *ec2.Client, id string) error {
				_, err := c.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{id}})
				return err
			},
			list: func(c *ec2.Client) (ids []string, err error) {
				out, err := c.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{})
				for _, g := range out.SecurityGroups {
					ids = append(ids, aws.ToString(g.GroupId))
				}
				return ids, err
			},
			change: func(c *ec2.Client, id string) error {
				_, err := c.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(id),
					IpPermissions: []types.IpPermission{{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(22), ToPort: aws.Int32(22), IpRanges: []types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}}}})
				return err
			}},
		{name: "internet gateway", notFound: "InvalidInternetGatewayID.NotFound",
			create: func(t *testing.T) string {
				out, err := a.CreateInternetGateway(ctx, &ec2.CreateInternetGatewayInput{})
				must(t, err)
				return aws.ToString(out.InternetGateway.InternetGatewayId)
			},
			get: func(c *ec2.Client, id string) error {
				_, err := c.DescribeInternetGateways(ctx, &ec2.DescribeInternetGatewaysInput{InternetGatewayIds: []string{id}})
				return err
			},
			list: func(c *ec2.Client) (ids []string, err error) {
				out, err := c.DescribeInternetGateways(ctx, &ec2.DescribeInternetGatewaysInput{})
				for _, g := range out.InternetGateways {
					ids = append(ids, aws.ToString(g.InternetGatewayId))
				}
				return ids, err
			},
			change: func(c *ec2.Client, id string) error {
				_, err := c.DeleteInternetGateway(ctx, &ec2.DeleteInternetGatewayInput{InternetGatewayId: aws.String(id)})
				return err
			}},
		{name: "route table", notFound: "InvalidRouteTableID.NotFound",
			create: func(t *testing.T) string {
				out, err := a.CreateRouteTable(ctx, &ec2.CreateRouteTableInput{VpcId: aws.String(vpcID)})
				must(t, err)
				return aws.ToString(out.RouteTable.RouteTableId)
			},
			get: func(c *ec2.Client, id string) error {
				_, err := c.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{RouteTableIds: []string{id}})
				return err
			},
			list: func(c *ec2.Client) (ids []string, err error) {
				out, err := c.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{})
				for _, r := range out.RouteTables {
					ids = append(ids, aws.ToString(r.RouteTableId))
				}
				return ids, err
			},
			change: func(c *ec2.Client, id string) error {
				_, err := c.DeleteRouteTable(ctx, &ec2.DeleteRouteTableInput{RouteTableId: aws.String(id)})
				return err
			}},
		{name: "elastic ip", notFound: "InvalidAllocationID.NotFound",
			create: func(t *testing.T) string {
				out, err := a.AllocateAddress(ctx, &ec2.AllocateAddressInput{Domain: types.DomainTypeVpc})
				must(t, err)
				return aws.ToString(out.AllocationId)
			},
			get: func(c *ec2.Client, id string) error {
				_, err := c.DescribeAddresses(ctx, &ec2.DescribeAddressesInput{AllocationIds: []string{id}})
				return err
			},
			list: func(c *ec2.Client) (ids []string, err error) {
				out, err := c.DescribeAddresses(ctx, &ec2.DescribeAddressesInput{})
				for _, a := range out.Addresses {
					ids = append(ids, aws.ToString(a.AllocationId))
				}
				return ids, err
			},
			change: func(c *ec2.Client, id string) error {
				_, err := c.ReleaseAddress(ctx, &ec2.ReleaseAddressInput{AllocationId: aws.String(id)})
				return err
			}},
		{name: "network interface", notFound: "InvalidNetworkInterfaceID.NotFound",
			create: func(t *testing.T) string {
				subnets, err := a.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []types.Filter{{Name: aws.String("default-for-az"), Values: []string{"true"}}}})
				must(t, err)
				out, err := a.CreateNetworkInterface(ctx, &ec2.CreateNetworkInterfaceInput{SubnetId: subnets.Subnets[0].SubnetId})
				must(t, err)
				return aws.ToString(out.NetworkInterface.NetworkInterfaceId)
			},
			get: func(c *ec2.Client, id string) error {
				_, err := c.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{NetworkInterfaceIds: []string{id}})
				return err
			},
			list: func(c *ec2.Client) (ids []string, err error) {
				out, err := c.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{})
				for _, n := range out.NetworkInterfaces {
					ids = append(ids, aws.ToString(n.NetworkInterfaceId))
				}
				return ids, err
			},
			change: func(c *ec2.Client, id string) error {
				_, err := c.DeleteNetworkInterface(ctx, &ec2.DeleteNetworkInterfaceInput{NetworkInterfaceId: aws.String(id)})
				return err
			}},
	}

	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			id := k.create(t)
			if err := k.get(a, id); err != nil {
				t.Fatalf("owner cannot see its %s %s: %v", k.name, id, err)
			}
			if err := k.get(b, id); testenv.Code(err) != k.notFound {
				t.Errorf("stranger describes %s: %v, want %s", id, err, k.notFound)
			}
			ids, err := k.list(b)
			if err != nil || slices.Contains(ids, id) {
				t.Errorf("stranger lists %v (%v), which must not hold %s", ids, err, id)
			}
			if err := k.change(b, id); testenv.Code(err) != k.notFound && k.name != "key pair" {
				t.Errorf("stranger changes %s: %v, want %s", id, err, k.notFound)
			}
			_, err = b.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{id}, Tags: []types.Tag{{Key: aws.String("owned"), Value: aws.String("no")}}})
			if testenv.Code(err) != k.notFound {
				t.Errorf("stranger tags %s: %v, want %s", id, err, k.notFound)
			}
			if err := k.get(a, id); err != nil {
				t.Errorf("the owner's %s is gone after the stranger's calls: %v", id, err)
			}
			tags, err := a.DescribeTags(ctx, &ec2.DescribeTagsInput{Filters: []types.Filter{{Name: aws.String("resource-id"), Values: []string{id}}}})
			if err != nil || len(tags.Tags) != 0 {
				t.Errorf("tags of %s after the stranger's CreateTags: %+v %v", id, tags, err)
			}
		})
	}

	t.Run("IAM", func(t *testing.T) {
		ai, bi := env.IAMAs(owner.AccessKeyID, owner.Secret), env.IAMAs("", "")
		if _, err := ai.CreateUser(ctx, &iamsdk.CreateUserInput{UserName: aws.String("only-in-owner")}); err != nil {
			t.Fatal(err)
		}
		if _, err := bi.GetUser(ctx, &iamsdk.GetUserInput{UserName: aws.String("only-in-owner")}); testenv.Code(err) != "NoSuchEntity" {
			t.Errorf("stranger GetUser: %v, want NoSuchEntity", err)
		}
		users, err := bi.ListUsers(ctx, &iamsdk.ListUsersInput{})
		for _, u := range users.Users {
			if aws.ToString(u.UserName) == "only-in-owner" || err != nil {
				t.Errorf("stranger lists the owner's user (%v)", err)
			}
		}
		p, err := ai.CreatePolicy(ctx, &iamsdk.CreatePolicyInput{PolicyName: aws.String("owner-policy"),
			PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:*","Resource":"*"}]}`)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := bi.GetPolicy(ctx, &iamsdk.GetPolicyInput{PolicyArn: p.Policy.Arn}); testenv.Code(err) != "NoSuchEntity" {
			t.Errorf("stranger GetPolicy: %v, want NoSuchEntity", err)
		}
		if _, err := bi.CreateUser(ctx, &iamsdk.CreateUserInput{UserName: aws.String("x")}); err != nil {
			t.Fatal(err)
		}
		if _, err := bi.AttachUserPolicy(ctx, &iamsdk.AttachUserPolicyInput{UserName: aws.String("x"), PolicyArn: p.Policy.Arn}); testenv.Code(err) != "NoSuchEntity" {
			t.Errorf("stranger attaches the owner's policy: %v, want NoSuchEntity", err)
		}
	})
}

// builtinImage returns the id of an Amazon-owned image.
func builtinImage(t *testing.T, c *ec2.Client) string {
	t.Helper()
	out, err := c.DescribeImages(context.Background(), &ec2.DescribeImagesInput{Owners: []string{"amazon"}})
	if err != nil || len(out.Images) == 0 {
		t.Fatalf("images: %v", err)
	}
	return aws.ToString(out.Images[0].ImageId)
}
