package netif_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/kumo-cloud/kumo/internal/ec2/instances"
	"github.com/kumo-cloud/kumo/internal/testenv"
)

// bobInterfacePolicy (with the dev subnet filled in for SUBNET) lets bob
// make interfaces in that subnet, untagged, and act on interfaces and
// instances tagged env=dev.
const bobInterfacePolicy = `{"Version":"2012-10-17","Statement":[
	{"Effect":"Allow","Action":"ec2:CreateNetworkInterface","Resource":"arn:aws:ec2:*:*:network-interface/*",
	 "Condition":{"ArnLike":{"ec2:Subnet":"arn:aws:ec2:*:*:subnet/SUBNET"}}},
	{"Effect":"Allow","Action":"ec2:CreateNetworkInterface","Resource":"arn:aws:ec2:*:*:subnet/*","Condition":{"StringEquals":{"aws:ResourceTag/env":"dev"}}},
	{"Effect":"Allow","Action":["ec2:CreateNetworkInterface","ec2:ModifyNetworkInterfaceAttribute"],"Resource":"arn:aws:ec2:*:*:security-group/*"},
	{"Effect":"Allow","Action":["ec2:DeleteNetworkInterface","ec2:AttachNetworkInterface","ec2:DetachNetworkInterface","ec2:ModifyNetworkInterfaceAttribute",
		"ec2:DescribeNetworkInterfaceAttribute","ec2:AssignPrivateIpAddresses","ec2:UnassignPrivateIpAddresses"],
	 "Resource":["arn:aws:ec2:*:*:network-interface/*","arn:aws:ec2:*:*:instance/*"],"Condition":{"StringEquals":{"aws:ResourceTag/env":"dev"}}}]}`

// TestResourcePermissions: the interface actions are authorized on the
// interfaces, subnets, groups and instances they touch.
func TestResourcePermissions(t *testing.T) {
	env := testenv.Start(t)
	c, ctx := env.EC2(), context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	subnets, err := c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []types.Filter{{Name: aws.String("default-for-az"), Values: []string{"true"}}}})
	if err != nil || len(subnets.Subnets) < 2 {
		t.Fatalf("default subnets: %+v %v", subnets, err)
	}
	devSub, prodSub := aws.ToString(subnets.Subnets[0].SubnetId), aws.ToString(subnets.Subnets[1].SubnetId)
	dev := []types.Tag{{Key: aws.String("env"), Value: aws.String("dev")}}
	devSpec := []types.TagSpecification{{ResourceType: types.ResourceTypeNetworkInterface, Tags: dev}}
	newInterface := func(subnet string, tags []types.TagSpecification) string {
		out, err := c.CreateNetworkInterface(ctx, &ec2.CreateNetworkInterfaceInput{SubnetId: aws.String(subnet), TagSpecifications: tags})
		must(err)
		return aws.ToString(out.NetworkInterface.NetworkInterfaceId)
	}
	devENI, devENI2, prodENI := newInterface(devSub, devSpec), newInterface(devSub, devSpec), newInterface(prodSub, nil)
	imgs, err := c.DescribeImages(ctx, &ec2.DescribeImagesInput{Owners: []string{"amazon"}})
	must(err)
	launch := func() string {
		out, err := c.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: imgs.Images[0].ImageId, InstanceType: types.InstanceTypeT3Micro,
			MinCount: aws.Int32(1), MaxCount: aws.Int32(1), SubnetId: aws.String(devSub)})
		must(err)
		id := aws.ToString(out.Instances[0].InstanceId)
		_, err = (&instances.Store{S: env.Daemon.Store}).Update(ctx, "us-east-1", env.AccountID, id, func(in *instances.Instance) error {
			in.State, in.Desired = instances.Stopped, instances.Stopped
			return nil
		})
		must(err)
		return id
	}
	devInst, prodInst := launch(), launch()
	_, err = c.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{devSub, devInst}, Tags: dev})
	must(err)
	att, err := c.AttachNetworkInterface(ctx, &ec2.AttachNetworkInterfaceInput{NetworkInterfaceId: aws.String(devENI2), InstanceId: aws.String(prodInst), DeviceIndex: aws.Int32(1)})
	must(err)
	bob := env.User(t, "bob", strings.ReplaceAll(bobInterfacePolicy, "SUBNET", devSub))

	create := func(subnet string, tags []types.TagSpecification) func(*bool) error {
		return func(dry *bool) error {
			_, err := bob.CreateNetworkInterface(ctx, &ec2.CreateNetworkInterfaceInput{SubnetId: aws.String(subnet), TagSpecifications: tags, DryRun: dry})
			return err
		}
	}
	attach := func(eni, inst string) func(*bool) error {
		return func(dry *bool) error {
			_, err := bob.AttachNetworkInterface(ctx, &ec2.AttachNetworkInterfaceInput{NetworkInterfaceId: aws.String(eni), InstanceId: aws.String(inst), DeviceIndex: aws.Int32(2), DryRun: dry})
			return err
		}
	}
	tests := []struct {
		name      string
		call      func(dry *bool) error
		allowed   bool
		refusedOn string // part of the ARN a refusal names
	}{
		{"create in the dev subnet", create(devSub, nil), true, ""},
		{"create in another subnet", create(prodSub, nil), false, ":network-interface/*"},
		{"create tagged, without ec2:CreateTags", create(devSub, devSpec), false, ":network-interface/*"},
		{"delete a dev interface", func(dry *bool) error {
			_, err := bob.DeleteNetworkInterface(ctx, &ec2.DeleteNetworkInterfaceInput{NetworkInterfaceId: aws.String(devENI), DryRun: dry})
			return err
		}, true, ""},
		{"delete another interface", func(dry *bool) error {
			_, err := bob.DeleteNetworkInterface(ctx, &ec2.DeleteNetworkInterfaceInput{NetworkInterfaceId: aws.String(prodENI), DryRun: dry})
			return err
		}, false, ":network-interface/" + prodENI},
		{"attach a dev interface to a dev instance", attach(devENI, devInst), true, ""},
		{"attach a dev interface to another instance", attach(devENI, prodInst), false, ":instance/" + prodInst},
		{"detach from another instance", func(dry *bool) error {
			_, err := bob.DetachNetworkInterface(ctx, &ec2.DetachNetworkInterfaceInput{AttachmentId: att.AttachmentId, DryRun: dry})
			return err
		}, false, ":instance/" + prodInst},
		{"describe another interface's attribute", func(dry *bool) error {
			_, err := bob.DescribeNetworkInterfaceAttribute(ctx, &ec2.DescribeNetworkInterfaceAttributeInput{NetworkInterfaceId: aws.String(prodENI),
				Attribute: types.NetworkInterfaceAttributeDescription, DryRun: dry})
			return err
		}, false, ":network-interface/" + prodENI},
		{"modify a dev interface's description", func(dry *bool) error {
			_, err := bob.ModifyNetworkInterfaceAttribute(ctx, &ec2.ModifyNetworkInterfaceAttributeInput{NetworkInterfaceId: aws.String(devENI),
				Description: &types.AttributeValue{Value: aws.String("x")}, DryRun: dry})
			return err
		}, true, ""},
		{"modify another interface's description", func(dry *bool) error {
			_, err := bob.ModifyNetworkInterfaceAttribute(ctx, &ec2.ModifyNetworkInterfaceAttributeInput{NetworkInterfaceId: aws.String(prodENI),
				Description: &types.AttributeValue{Value: aws.String("x")}, DryRun: dry})
			return err
		}, false, ":network-interface/" + prodENI},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := "DryRunOperation"
			if !tt.allowed {
				want = "UnauthorizedOperation"
			}
			err := tt.call(aws.Bool(true))
			if code(err) != want {
				t.Fatalf("dry run: %v, want %s", err, want)
			}
			if tt.allowed {
				return
			}
			if !strings.Contains(err.Error(), "on resource: arn:aws:ec2:us-east-1:"+env.AccountID+tt.refusedOn) {
				t.Errorf("refusal %q does not name %s", err, tt.refusedOn)
			}
			if err := tt.call(nil); code(err) != "UnauthorizedOperation" {
				t.Fatalf("%v, want UnauthorizedOperation", err)
			}
		})
	}

	t.Run("secondary addresses, which have no dry run", func(t *testing.T) {
		out, err := bob.AssignPrivateIpAddresses(ctx, &ec2.AssignPrivateIpAddressesInput{NetworkInterfaceId: aws.String(devENI), SecondaryPrivateIpAddressCount: aws.Int32(1)})
		if err != nil {
			t.Fatalf("assign to a dev interface: %v", err)
		}
		if _, err := bob.UnassignPrivateIpAddresses(ctx, &ec2.UnassignPrivateIpAddressesInput{NetworkInterfaceId: aws.String(devENI),
			PrivateIpAddresses: []string{aws.ToString(out.AssignedPrivateIpAddresses[0].PrivateIpAddress)}}); err != nil {
			t.Fatalf("unassign from a dev interface: %v", err)
		}
		_, err = bob.AssignPrivateIpAddresses(ctx, &ec2.AssignPrivateIpAddressesInput{NetworkInterfaceId: aws.String(prodENI), SecondaryPrivateIpAddressCount: aws.Int32(1)})
		if code(err) != "UnauthorizedOperation" {
			t.Fatalf("assign to another interface: %v, want UnauthorizedOperation", err)
		}
	})

	t.Run("an allowed interface is made", func(t *testing.T) {
		if err := create(devSub, nil)(nil); err != nil {
			t.Fatal(err)
		}
	})
}
