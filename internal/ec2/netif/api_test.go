package netif_test

import (
	"context"
	"net/netip"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/kumo-cloud/kumo/internal/testenv"
)

// code is the AWS error code of err.
func code(err error) string { return testenv.Code(err) }

func defaultSubnet(t *testing.T, c *ec2.Client) types.Subnet {
	t.Helper()
	out, err := c.DescribeSubnets(context.Background(), &ec2.DescribeSubnetsInput{
		Filters: []types.Filter{{Name: aws.String("default-for-az"), Values: []string{"true"}}}})
	if err != nil || len(out.Subnets) == 0 {
		t.Fatalf("default subnets: %+v %v", out, err)
	}
	return out.Subnets[0]
}

// Attaching to a running instance (hot-plug) is tested with real VMs in
// internal/ec2/instances; these cover the records and the errors.
func TestNetworkInterfaceLifecycle(t *testing.T) {
	env := testenv.Start(t)
	c := env.EC2()
	ctx := context.Background()
	sn := defaultSubnet(t, c)
	cidr := netip.MustParsePrefix(aws.ToString(sn.CidrBlock))

	sg, err := c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("eni"), Description: aws.String("eni")})
	if err != nil {
		t.Fatal(err)
	}
	want := netip.MustParseAddr(aws.ToString(sn.CidrBlock)[:len(aws.ToString(sn.CidrBlock))-4] + "10") // x.y.z.10 of the /20
	created, err := c.CreateNetworkInterface(ctx, &ec2.CreateNetworkInterfaceInput{
		SubnetId: sn.SubnetId, Description: aws.String("second leg"), PrivateIpAddress: aws.String(want.String()),
		SecondaryPrivateIpAddressCount: aws.Int32(2),
		TagSpecifications: []types.TagSpecification{{ResourceType: types.ResourceTypeNetworkInterface,
			Tags: []types.Tag{{Key: aws.String("role"), Value: aws.String("db")}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	ni := created.NetworkInterface
	id := aws.ToString(ni.NetworkInterfaceId)
	switch {
	case ni.Status != types.NetworkInterfaceStatusAvailable, aws.ToString(ni.PrivateIpAddress) != want.String(),
		len(ni.PrivateIpAddresses) != 3, !aws.ToBool(ni.PrivateIpAddresses[0].Primary), len(ni.Groups) != 1,
		aws.ToString(ni.Groups[0].GroupName) != "default", len(ni.TagSet) != 1, aws.ToString(ni.MacAddress) == "":
		t.Fatalf("created %+v", ni)
	}
	for _, p := range ni.PrivateIpAddresses {
		if !cidr.Contains(netip.MustParseAddr(aws.ToString(p.PrivateIpAddress))) {
			t.Fatalf("address %s outside %s", aws.ToString(p.PrivateIpAddress), cidr)
		}
	}

	t.Run("address taken", func(t *testing.T) {
		_, err := c.CreateNetworkInterface(ctx, &ec2.CreateNetworkInterfaceInput{SubnetId: sn.SubnetId, PrivateIpAddress: aws.String(want.String())})
		if code(err) != "InvalidIPAddress.InUse" {
			t.Fatalf("got %v, want InvalidIPAddress.InUse", err)
		}
	})
	t.Run("modify groups and description", func(t *testing.T) {
		if _, err := c.ModifyNetworkInterfaceAttribute(ctx, &ec2.ModifyNetworkInterfaceAttributeInput{NetworkInterfaceId: aws.String(id),
			Groups: []string{aws.ToString(sg.GroupId)}}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.ModifyNetworkInterfaceAttribute(ctx, &ec2.ModifyNetworkInterfaceAttributeInput{NetworkInterfaceId: aws.String(id),
			SourceDestCheck: &types.AttributeBooleanValue{Value: aws.Bool(false)}}); err != nil {
			t.Fatal(err)
		}
		attr, err := c.DescribeNetworkInterfaceAttribute(ctx, &ec2.DescribeNetworkInterfaceAttributeInput{NetworkInterfaceId: aws.String(id),
			Attribute: types.NetworkInterfaceAttributeGroupSet})
		if err != nil || len(attr.Groups) != 1 || aws.ToString(attr.Groups[0].GroupId) != aws.ToString(sg.GroupId) {
			t.Fatalf("groupSet: %+v %v", attr, err)
		}
		attr, err = c.DescribeNetworkInterfaceAttribute(ctx, &ec2.DescribeNetworkInterfaceAttributeInput{NetworkInterfaceId: aws.String(id),
			Attribute: types.NetworkInterfaceAttributeSourceDestCheck})
		if err != nil || aws.ToBool(attr.SourceDestCheck.Value) {
			t.Fatalf("sourceDestCheck: %+v %v", attr, err)
		}
		_, err = c.ModifyNetworkInterfaceAttribute(ctx, &ec2.ModifyNetworkInterfaceAttributeInput{NetworkInterfaceId: aws.String(id),
			Groups: []string{"sg-0123456789abcdef0"}})
		if code(err) != "InvalidGroup.NotFound" {
			t.Fatalf("unknown group: %v", err)
		}
	})
	t.Run("assign and unassign", func(t *testing.T) {
		out, err := c.AssignPrivateIpAddresses(ctx, &ec2.AssignPrivateIpAddressesInput{NetworkInterfaceId: aws.String(id), SecondaryPrivateIpAddressCount: aws.Int32(1)})
		if err != nil || len(out.AssignedPrivateIpAddresses) != 1 {
			t.Fatalf("assign: %+v %v", out, err)
		}
		added := aws.ToString(out.AssignedPrivateIpAddresses[0].PrivateIpAddress)
		got := describe(t, c, id)
		if len(got.PrivateIpAddresses) != 4 {
			t.Fatalf("after assign: %+v", got.PrivateIpAddresses)
		}
		_, err = c.AssignPrivateIpAddresses(ctx, &ec2.AssignPrivateIpAddressesInput{NetworkInterfaceId: aws.String(id), SecondaryPrivateIpAddressCount: aws.Int32(7)})
		if code(err) != "PrivateIpAddressLimitExceeded" {
			t.Fatalf("over the limit: %v", err)
		}
		if _, err := c.UnassignPrivateIpAddresses(ctx, &ec2.UnassignPrivateIpAddressesInput{NetworkInterfaceId: aws.String(id), PrivateIpAddresses: []string{added}}); err != nil {
			t.Fatal(err)
		}
		_, err = c.UnassignPrivateIpAddresses(ctx, &ec2.UnassignPrivateIpAddressesInput{NetworkInterfaceId: aws.String(id), PrivateIpAddresses: []string{want.String()}})
		if code(err) != "InvalidParameterValue" {
			t.Fatalf("unassign the primary: %v", err)
		}
		if n := len(describe(t, c, id).PrivateIpAddresses); n != 3 {
			t.Fatalf("after unassign: %d addresses", n)
		}
	})
	t.Run("filters", func(t *testing.T) {
		out, err := c.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{Filters: []types.Filter{
			{Name: aws.String("status"), Values: []string{"available"}}, {Name: aws.String("tag:role"), Values: []string{"db"}}}})
		if err != nil || len(out.NetworkInterfaces) != 1 {
			t.Fatalf("filtered: %+v %v", out, err)
		}
	})
	t.Run("errors", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			call func() error
			want string
		}{
			{"unknown id", func() error {
				_, err := c.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{NetworkInterfaceIds: []string{"eni-0123456789abcdef0"}})
				return err
			}, "InvalidNetworkInterfaceID.NotFound"},
			{"malformed id", func() error {
				_, err := c.DeleteNetworkInterface(ctx, &ec2.DeleteNetworkInterfaceInput{NetworkInterfaceId: aws.String("nic-1")})
				return err
			}, "InvalidNetworkInterfaceID.Malformed"},
			{"attach to unknown instance", func() error {
				_, err := c.AttachNetworkInterface(ctx, &ec2.AttachNetworkInterfaceInput{NetworkInterfaceId: aws.String(id),
					InstanceId: aws.String("i-0123456789abcdef0"), DeviceIndex: aws.Int32(1)})
				return err
			}, "InvalidInstanceID.NotFound"},
			{"detach unknown attachment", func() error {
				_, err := c.DetachNetworkInterface(ctx, &ec2.DetachNetworkInterfaceInput{AttachmentId: aws.String("eni-attach-0123456789abcdef0")})
				return err
			}, "InvalidAttachmentID.NotFound"},
			{"address outside the subnet", func() error {
				_, err := c.CreateNetworkInterface(ctx, &ec2.CreateNetworkInterfaceInput{SubnetId: sn.SubnetId, PrivateIpAddress: aws.String("10.9.9.9")})
				return err
			}, "InvalidParameterValue"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if err := tc.call(); code(err) != tc.want {
					t.Fatalf("got %v, want %s", err, tc.want)
				}
			})
		}
	})
	t.Run("other account", func(t *testing.T) {
		other := env.NewAccount(t, "other")
		_, err := other.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{NetworkInterfaceIds: []string{id}})
		if code(err) != "InvalidNetworkInterfaceID.NotFound" {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("delete frees the addresses", func(t *testing.T) {
		if _, err := c.DeleteNetworkInterface(ctx, &ec2.DeleteNetworkInterfaceInput{NetworkInterfaceId: aws.String(id)}); err != nil {
			t.Fatal(err)
		}
		again, err := c.CreateNetworkInterface(ctx, &ec2.CreateNetworkInterfaceInput{SubnetId: sn.SubnetId, PrivateIpAddress: aws.String(want.String())})
		if err != nil {
			t.Fatalf("address not freed: %v", err)
		}
		if _, err := c.DeleteNetworkInterface(ctx, &ec2.DeleteNetworkInterfaceInput{NetworkInterfaceId: again.NetworkInterface.NetworkInterfaceId}); err != nil {
			t.Fatal(err)
		}
	})
}

func describe(t *testing.T, c *ec2.Client, id string) types.NetworkInterface {
	t.Helper()
	out, err := c.DescribeNetworkInterfaces(context.Background(), &ec2.DescribeNetworkInterfacesInput{NetworkInterfaceIds: []string{id}})
	if err != nil || len(out.NetworkInterfaces) != 1 {
		t.Fatalf("describe %s: %+v %v", id, out, err)
	}
	return out.NetworkInterfaces[0]
}
