package instances_test

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/kumo-cloud/kumo/internal/daemon"
	"github.com/kumo-cloud/kumo/internal/testenv"
)

// These tests run without the host agent: instances stay pending, which is
// all the API checks need.
func TestRunInstancesAPI(t *testing.T) {
	env := testenv.Start(t, testenv.WithConfig(func(c *daemon.Config) { c.Quotas["Standard"] = 4 }))
	c := env.EC2()
	ctx := context.Background()
	imgs, err := c.DescribeImages(ctx, &ec2.DescribeImagesInput{Owners: []string{"amazon"}})
	if err != nil || len(imgs.Images) == 0 {
		t.Fatalf("images: %v", err)
	}
	ami := imgs.Images[0].ImageId
	if _, err := c.CreateKeyPair(ctx, &ec2.CreateKeyPairInput{KeyName: aws.String("k")}); err != nil {
		t.Fatal(err)
	}
	subnets, err := c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{})
	if err != nil || len(subnets.Subnets) != 3 {
		t.Fatalf("default subnets: %+v %v", subnets, err)
	}
	one := func(mod func(*ec2.RunInstancesInput)) *ec2.RunInstancesInput {
		in := &ec2.RunInstancesInput{ImageId: ami, InstanceType: types.InstanceTypeT2Micro, MinCount: aws.Int32(1), MaxCount: aws.Int32(1)}
		if mod != nil {
			mod(in)
		}
		return in
	}
	errorCases := []struct {
		name string
		mod  func(*ec2.RunInstancesInput)
		code string
	}{
		{"unknown ami", func(in *ec2.RunInstancesInput) { in.ImageId = aws.String("ami-0123456789abcdef0") }, "InvalidAMIID.NotFound"},
		{"malformed ami", func(in *ec2.RunInstancesInput) { in.ImageId = aws.String("img-1") }, "InvalidAMIID.Malformed"},
		{"unknown type", func(in *ec2.RunInstancesInput) { in.InstanceType = "t9.huge" }, "InvalidParameterValue"},
		{"arm type on x86 ami", func(in *ec2.RunInstancesInput) { in.InstanceType = "t4g.micro" }, "InvalidParameterValue"},
		{"min > max", func(in *ec2.RunInstancesInput) { in.MinCount = aws.Int32(3) }, "InvalidParameterValue"},
		{"unknown key", func(in *ec2.RunInstancesInput) { in.KeyName = aws.String("nope") }, "InvalidKeyPair.NotFound"},
		{"user data too big", func(in *ec2.RunInstancesInput) {
			in.UserData = aws.String(base64.StdEncoding.EncodeToString([]byte(strings.Repeat("x", 16*1024+1))))
		}, "InvalidParameterValue"},
		{"user data not base64", func(in *ec2.RunInstancesInput) { in.UserData = aws.String("#!/bin/sh\necho hi") }, "InvalidParameterValue"},
		{"unknown subnet", func(in *ec2.RunInstancesInput) { in.SubnetId = aws.String("subnet-0123456789abcdef0") }, "InvalidSubnetID.NotFound"},
		{"zone outside region", func(in *ec2.RunInstancesInput) {
			in.Placement = &types.Placement{AvailabilityZone: aws.String("eu-west-1a")}
		}, "InvalidParameterValue"},
		{"unknown group", func(in *ec2.RunInstancesInput) { in.SecurityGroupIds = []string{"sg-0123456789abcdef0"} }, "InvalidGroup.NotFound"},
		{"root smaller than image", func(in *ec2.RunInstancesInput) {
			in.BlockDeviceMappings = []types.BlockDeviceMapping{{DeviceName: aws.String("/dev/xvda"), Ebs: &types.EbsBlockDevice{VolumeSize: aws.Int32(1)}}}
		}, "InvalidBlockDeviceMapping"},
		{"bad hop limit", func(in *ec2.RunInstancesInput) {
			in.MetadataOptions = &types.InstanceMetadataOptionsRequest{HttpPutResponseHopLimit: aws.Int32(65)}
		}, "InvalidParameterValue"},
		{"too big for the host", func(in *ec2.RunInstancesInput) { in.InstanceType = "x1e.32xlarge" }, "InsufficientInstanceCapacity"},
		{"vcpu quota", func(in *ec2.RunInstancesInput) { in.MinCount, in.MaxCount = aws.Int32(5), aws.Int32(5) }, "VcpuLimitExceeded"},
		{"dry run", func(in *ec2.RunInstancesInput) { in.DryRun = aws.Bool(true) }, "DryRunOperation"},
	}
	for _, tt := range errorCases {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.RunInstances(ctx, one(tt.mod))
			if code(err) != tt.code {
				t.Fatalf("got %v, want %s", err, tt.code)
			}
		})
	}
	out, err := c.DescribeInstances(ctx, &ec2.DescribeInstancesInput{})
	if err != nil || len(out.Reservations) != 0 {
		t.Fatalf("failed launches left instances: %+v %v", out.Reservations, err)
	}

	launch := one(func(in *ec2.RunInstancesInput) {
		in.MinCount, in.MaxCount = aws.Int32(2), aws.Int32(9)
		in.KeyName = aws.String("k")
		in.ClientToken = aws.String("tok-1")
		in.TagSpecifications = []types.TagSpecification{{ResourceType: types.ResourceTypeInstance, Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("a")}}}}
	})
	var reservation string
	t.Run("launch as many as fit", func(t *testing.T) {
		res, err := c.RunInstances(ctx, launch)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Instances) != 4 { // the Standard quota is 4 vCPUs
			t.Fatalf("launched %d, want 4", len(res.Instances))
		}
		reservation = aws.ToString(res.ReservationId)
		seen := map[string]bool{}
		for i, in := range res.Instances {
			if in.State.Name != types.InstanceStateNamePending || aws.ToInt32(in.AmiLaunchIndex) != int32(i) {
				t.Errorf("instance %d: state %s index %d", i, in.State.Name, aws.ToInt32(in.AmiLaunchIndex))
			}
			ip := aws.ToString(in.PrivateIpAddress)
			if !strings.HasPrefix(ip, "172.31.") || seen[ip] {
				t.Errorf("private address %q", ip)
			}
			seen[ip] = true
			if !strings.HasPrefix(aws.ToString(in.PublicIpAddress), "198.18.") {
				t.Errorf("public address %q", aws.ToString(in.PublicIpAddress))
			}
			if aws.ToString(in.PrivateDnsName) != "ip-"+strings.ReplaceAll(ip, ".", "-")+".ec2.internal" {
				t.Errorf("private DNS %q", aws.ToString(in.PrivateDnsName))
			}
		}
	})
	t.Run("describe filters and pages", func(t *testing.T) {
		all, err := c.DescribeInstances(ctx, &ec2.DescribeInstancesInput{Filters: []types.Filter{
			{Name: aws.String("tag:team"), Values: []string{"a"}}, {Name: aws.String("instance-state-name"), Values: []string{"pending"}}}})
		if err != nil || len(all.Reservations) != 1 || len(all.Reservations[0].Instances) != 4 {
			t.Fatalf("filtered: %+v %v", all, err)
		}
		var ids []string
		p := ec2.NewDescribeInstancesPaginator(c, &ec2.DescribeInstancesInput{MaxResults: aws.Int32(5)})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range page.Reservations {
				for _, in := range r.Instances {
					ids = append(ids, aws.ToString(in.InstanceId))
				}
			}
		}
		if len(ids) != 4 {
			t.Fatalf("paged %d instances", len(ids))
		}
		_, err = c.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{"i-0123456789abcdef0"}})
		if code(err) != "InvalidInstanceID.NotFound" {
			t.Fatalf("unknown id: %v", err)
		}
		_, err = c.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: ids[:1], MaxResults: aws.Int32(5)})
		if code(err) != "InvalidParameterCombination" {
			t.Fatalf("ids with MaxResults: %v", err)
		}
	})
	t.Run("idempotent client token", func(t *testing.T) {
		again, err := c.RunInstances(ctx, launch)
		if err != nil || aws.ToString(again.ReservationId) != reservation || len(again.Instances) != 4 {
			t.Fatalf("retry with the same token: %v %v, want reservation %s again", again, err, reservation)
		}
		other := *launch
		other.MaxCount = aws.Int32(8)
		if _, err := c.RunInstances(ctx, &other); code(err) != "IdempotentParameterMismatch" {
			t.Fatalf("same token, other parameters: %v", err)
		}
	})
	t.Run("termination protection and terminate", func(t *testing.T) {
		all, _ := c.DescribeInstances(ctx, &ec2.DescribeInstancesInput{})
		id := aws.ToString(all.Reservations[0].Instances[0].InstanceId)
		if _, err := c.ModifyInstanceAttribute(ctx, &ec2.ModifyInstanceAttributeInput{InstanceId: aws.String(id),
			DisableApiTermination: &types.AttributeBooleanValue{Value: aws.Bool(true)}}); err != nil {
			t.Fatal(err)
		}
		_, err := c.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{id}})
		if code(err) != "OperationNotPermitted" {
			t.Fatalf("protected: %v", err)
		}
		attr, err := c.DescribeInstanceAttribute(ctx, &ec2.DescribeInstanceAttributeInput{InstanceId: aws.String(id), Attribute: types.InstanceAttributeNameDisableApiTermination})
		if err != nil || !aws.ToBool(attr.DisableApiTermination.Value) {
			t.Fatalf("attribute: %+v %v", attr, err)
		}
		c.ModifyInstanceAttribute(ctx, &ec2.ModifyInstanceAttributeInput{InstanceId: aws.String(id),
			DisableApiTermination: &types.AttributeBooleanValue{Value: aws.Bool(false)}})
		out, err := c.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{id}})
		if err != nil {
			t.Fatal(err)
		}
		ch := out.TerminatingInstances[0]
		if ch.PreviousState.Name != types.InstanceStateNamePending || ch.CurrentState.Name != types.InstanceStateNameShuttingDown {
			t.Fatalf("state change %s → %s", ch.PreviousState.Name, ch.CurrentState.Name)
		}
	})
}
