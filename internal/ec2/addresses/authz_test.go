package addresses_test

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

// bobAddressPolicy (with the dev subnet filled in for SUBNET) lets bob
// allocate addresses tagged env=dev and use those: on instances tagged
// env=dev, and on interfaces of the dev subnet.
const bobAddressPolicy = `{"Version":"2012-10-17","Statement":[
	{"Effect":"Allow","Action":["ec2:AllocateAddress","ec2:CreateTags"],"Resource":"arn:aws:ec2:*:*:elastic-ip/*",
	 "Condition":{"StringEquals":{"aws:RequestTag/env":"dev"}}},
	{"Effect":"Allow","Action":["ec2:AssociateAddress","ec2:DisassociateAddress","ec2:ReleaseAddress"],"Resource":"arn:aws:ec2:*:*:elastic-ip/*",
	 "Condition":{"StringEquals":{"aws:ResourceTag/env":"dev"}}},
	{"Effect":"Allow","Action":"ec2:AssociateAddress","Resource":"arn:aws:ec2:*:*:instance/*","Condition":{"StringEquals":{"aws:ResourceTag/env":"dev"}}},
	{"Effect":"Allow","Action":["ec2:AssociateAddress","ec2:DisassociateAddress"],"Resource":"arn:aws:ec2:*:*:network-interface/*",
	 "Condition":{"ArnLike":{"ec2:Subnet":"arn:aws:ec2:*:*:subnet/SUBNET"}}}]}`

// TestResourcePermissions: the Elastic IP actions are authorized on the
// address and on the instance or interface it is associated with.
func TestResourcePermissions(t *testing.T) {
	env := testenv.Start(t)
	c, ctx := env.EC2(), context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	devSpec := []types.TagSpecification{{ResourceType: types.ResourceTypeElasticIp, Tags: []types.Tag{{Key: aws.String("env"), Value: aws.String("dev")}}}}
	allocate := func(tags []types.TagSpecification) string {
		out, err := c.AllocateAddress(ctx, &ec2.AllocateAddressInput{TagSpecifications: tags})
		must(err)
		return aws.ToString(out.AllocationId)
	}
	devAddr, prodAddr, onDev, onProd := allocate(devSpec), allocate(nil), allocate(devSpec), allocate(devSpec)
	subnets, err := c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []types.Filter{{Name: aws.String("default-for-az"), Values: []string{"true"}}}})
	if err != nil || len(subnets.Subnets) < 2 {
		t.Fatalf("default subnets: %+v %v", subnets, err)
	}
	devSub, prodSub := aws.ToString(subnets.Subnets[0].SubnetId), aws.ToString(subnets.Subnets[1].SubnetId)
	imgs, err := c.DescribeImages(ctx, &ec2.DescribeImagesInput{Owners: []string{"amazon"}})
	must(err)
	launch := func(subnet string) *instances.Instance {
		out, err := c.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: imgs.Images[0].ImageId, InstanceType: types.InstanceTypeT3Micro,
			MinCount: aws.Int32(1), MaxCount: aws.Int32(1), SubnetId: aws.String(subnet)})
		must(err)
		in, err := (&instances.Store{S: env.Daemon.Store}).Update(ctx, "us-east-1", env.AccountID, aws.ToString(out.Instances[0].InstanceId),
			func(in *instances.Instance) error {
				in.State, in.Desired = instances.Running, instances.Running
				return nil
			})
		must(err)
		return in
	}
	devInst, prodInst := launch(devSub), launch(prodSub)
	_, err = c.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{devInst.ID}, Tags: devSpec[0].Tags})
	must(err)
	associated := map[string]string{}
	for addr, inst := range map[string]string{onDev: devInst.ID, onProd: prodInst.ID} {
		out, err := c.AssociateAddress(ctx, &ec2.AssociateAddressInput{AllocationId: aws.String(addr), InstanceId: aws.String(inst)})
		must(err)
		associated[addr] = aws.ToString(out.AssociationId)
	}
	bob := env.User(t, "bob", strings.ReplaceAll(bobAddressPolicy, "SUBNET", devSub))

	associate := func(addr string, in *ec2.AssociateAddressInput) func(*bool) error {
		return func(dry *bool) error {
			in.AllocationId, in.AllowReassociation, in.DryRun = aws.String(addr), aws.Bool(true), dry
			_, err := bob.AssociateAddress(ctx, in)
			return err
		}
	}
	tests := []struct {
		name      string
		call      func(dry *bool) error
		allowed   bool
		refusedOn string // part of the ARN a refusal names
	}{
		{"allocate tagged env=dev", func(dry *bool) error {
			_, err := bob.AllocateAddress(ctx, &ec2.AllocateAddressInput{TagSpecifications: devSpec, DryRun: dry})
			return err
		}, true, ""},
		{"allocate untagged", func(dry *bool) error {
			_, err := bob.AllocateAddress(ctx, &ec2.AllocateAddressInput{DryRun: dry})
			return err
		}, false, ":elastic-ip/*"},
		{"associate a dev address with a dev instance", associate(devAddr, &ec2.AssociateAddressInput{InstanceId: aws.String(devInst.ID)}), true, ""},
		{"associate a dev address with another instance", associate(devAddr, &ec2.AssociateAddressInput{InstanceId: aws.String(prodInst.ID)}), false, ":instance/" + prodInst.ID},
		{"associate another address with a dev instance", associate(prodAddr, &ec2.AssociateAddressInput{InstanceId: aws.String(devInst.ID)}), false, ":elastic-ip/" + prodAddr},
		{"associate a dev address with an interface of the dev subnet", associate(devAddr, &ec2.AssociateAddressInput{NetworkInterfaceId: aws.String(devInst.ENIID)}), true, ""},
		{"associate a dev address with an interface of another subnet", associate(devAddr, &ec2.AssociateAddressInput{NetworkInterfaceId: aws.String(prodInst.ENIID)}), false, ":network-interface/" + prodInst.ENIID},
		{"disassociate from the dev subnet", func(dry *bool) error {
			_, err := bob.DisassociateAddress(ctx, &ec2.DisassociateAddressInput{AssociationId: aws.String(associated[onDev]), DryRun: dry})
			return err
		}, true, ""},
		{"disassociate from another subnet", func(dry *bool) error {
			_, err := bob.DisassociateAddress(ctx, &ec2.DisassociateAddressInput{AssociationId: aws.String(associated[onProd]), DryRun: dry})
			return err
		}, false, ":network-interface/" + prodInst.ENIID},
		{"release a dev address", func(dry *bool) error {
			_, err := bob.ReleaseAddress(ctx, &ec2.ReleaseAddressInput{AllocationId: aws.String(devAddr), DryRun: dry})
			return err
		}, true, ""},
		{"release another address", func(dry *bool) error {
			_, err := bob.ReleaseAddress(ctx, &ec2.ReleaseAddressInput{AllocationId: aws.String(prodAddr), DryRun: dry})
			return err
		}, false, ":elastic-ip/" + prodAddr},
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

	t.Run("allowed calls take effect", func(t *testing.T) {
		if _, err := bob.DisassociateAddress(ctx, &ec2.DisassociateAddressInput{AssociationId: aws.String(associated[onDev])}); err != nil {
			t.Fatal(err)
		}
		if _, err := bob.AssociateAddress(ctx, &ec2.AssociateAddressInput{AllocationId: aws.String(devAddr), InstanceId: aws.String(devInst.ID)}); err != nil {
			t.Fatal(err)
		}
	})
}
