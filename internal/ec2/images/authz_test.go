package images_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/kumo-cloud/kumo/internal/ec2/ebs"
	"github.com/kumo-cloud/kumo/internal/ec2/instances"
	"github.com/kumo-cloud/kumo/internal/testenv"
)

// bobImagePolicy lets bob image dev instances, register images of dev
// snapshots, copy images his account owns, and change dev images, but
// never make one public.
const bobImagePolicy = `{"Version":"2012-10-17","Statement":[
	{"Effect":"Allow","Action":"ec2:CreateImage","Resource":"arn:aws:ec2:*:*:instance/*","Condition":{"StringEquals":{"aws:ResourceTag/env":"dev"}}},
	{"Effect":"Allow","Action":["ec2:CreateImage","ec2:RegisterImage","ec2:CopyImage"],"Resource":"arn:aws:ec2:*::image/*",
	 "Condition":{"StringEquals":{"ec2:Owner":"${aws:PrincipalAccount}"}}},
	{"Effect":"Allow","Action":"ec2:CreateImage","Resource":"arn:aws:ec2:*::snapshot/*"},
	{"Effect":"Allow","Action":"ec2:RegisterImage","Resource":"arn:aws:ec2:*::snapshot/*","Condition":{"StringEquals":{"aws:ResourceTag/env":"dev"}}},
	{"Effect":"Allow","Action":["ec2:DeregisterImage","ec2:ModifyImageAttribute","ec2:ResetImageAttribute","ec2:DescribeImageAttribute"],
	 "Resource":"arn:aws:ec2:*::image/*","Condition":{"StringEquals":{"aws:ResourceTag/env":"dev"}}},
	{"Effect":"Deny","Action":"ec2:ModifyImageAttribute","Resource":"*","Condition":{"StringEquals":{"ec2:Add/group":"all"}}},
	{"Effect":"Allow","Action":"ec2:CreateTags","Resource":"*","Condition":{"StringEquals":{"ec2:CreateAction":"CreateImage"}}}]}`

// TestResourcePermissions: the image actions are authorized on the images,
// instances and snapshots they touch, with the image condition keys.
func TestResourcePermissions(t *testing.T) {
	env := testenv.Start(t)
	c, ctx := env.EC2(), context.Background()
	const region = "us-east-1"
	acct := env.AccountID
	ami := builtin(t, c)
	devInst, prodInst := launch(t, c, ami), launch(t, c, ami)
	for _, id := range []string{devInst, prodInst} {
		setInstance(t, env, region, acct, id, func(in *instances.Instance) { in.State = instances.Stopped })
	}
	dev := []types.Tag{{Key: aws.String("env"), Value: aws.String("dev")}}
	if _, err := c.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{devInst}, Tags: dev}); err != nil {
		t.Fatal(err)
	}
	devSnap := putSnapshot(t, env, ebs.Snapshot{Meta: newMeta(ebs.SnapshotKind, region, acct), VolumeID: "vol-0123456789abcdef0"})
	prodSnap := putSnapshot(t, env, ebs.Snapshot{Meta: newMeta(ebs.SnapshotKind, region, acct), VolumeID: "vol-0123456789abcdef0"})
	if _, err := c.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{devSnap}, Tags: dev}); err != nil {
		t.Fatal(err)
	}
	register := func(c *ec2.Client, name, snap string, tags []types.TagSpecification, dry *bool) (string, error) {
		out, err := c.RegisterImage(ctx, &ec2.RegisterImageInput{Name: aws.String(name), RootDeviceName: aws.String("/dev/xvda"),
			BlockDeviceMappings: rootMapping(snap), TagSpecifications: tags, DryRun: dry})
		if err != nil {
			return "", err
		}
		return aws.ToString(out.ImageId), nil
	}
	devImg, err := register(c, "dev", devSnap, []types.TagSpecification{{ResourceType: types.ResourceTypeImage, Tags: dev}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	prodImg, err := register(c, "prod", prodSnap, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	bob := env.User(t, "bob", bobImagePolicy)

	createImage := func(inst string, tags []types.TagSpecification) func(*bool) error {
		return func(dry *bool) error {
			_, err := bob.CreateImage(ctx, &ec2.CreateImageInput{InstanceId: aws.String(inst), Name: aws.String("bob"), TagSpecifications: tags, DryRun: dry})
			return err
		}
	}
	copyImage := func(src string) func(*bool) error {
		return func(dry *bool) error {
			_, err := bob.CopyImage(ctx, &ec2.CopyImageInput{SourceImageId: aws.String(src), SourceRegion: aws.String(region), Name: aws.String("copy"), DryRun: dry})
			return err
		}
	}
	modify := func(img string, in *ec2.ModifyImageAttributeInput) func(*bool) error {
		return func(dry *bool) error {
			in.ImageId, in.DryRun = aws.String(img), dry
			_, err := bob.ModifyImageAttribute(ctx, in)
			return err
		}
	}
	share := func(perm types.LaunchPermission) *ec2.ModifyImageAttributeInput {
		return &ec2.ModifyImageAttributeInput{LaunchPermission: &types.LaunchPermissionModifications{Add: []types.LaunchPermission{perm}}}
	}
	tests := []struct {
		name      string
		call      func(dry *bool) error
		allowed   bool
		refusedOn string // part of the ARN a refusal names
	}{
		{"image a dev instance", createImage(devInst, nil), true, ""},
		{"image a dev instance with tags", createImage(devInst, []types.TagSpecification{{ResourceType: types.ResourceTypeImage, Tags: dev},
			{ResourceType: types.ResourceTypeSnapshot, Tags: dev}}), true, ""},
		{"image an untagged instance", createImage(prodInst, nil), false, ":instance/" + prodInst},
		{"register a dev snapshot", func(dry *bool) error {
			_, err := register(bob, "bob", devSnap, nil, dry)
			return err
		}, true, ""},
		{"register an untagged snapshot", func(dry *bool) error {
			_, err := register(bob, "bob", prodSnap, nil, dry)
			return err
		}, false, "::snapshot/" + prodSnap},
		{"register with tags, without ec2:CreateTags for it", func(dry *bool) error {
			_, err := register(bob, "bob", devSnap, []types.TagSpecification{{ResourceType: types.ResourceTypeImage, Tags: dev}}, dry)
			return err
		}, false, "::image/*"},
		{"copy an image of the account", copyImage(prodImg), true, ""},
		{"copy an image amazon owns", copyImage(ami), false, "::image/" + ami},
		{"deregister a dev image", func(dry *bool) error {
			_, err := bob.DeregisterImage(ctx, &ec2.DeregisterImageInput{ImageId: aws.String(devImg), DryRun: dry})
			return err
		}, true, ""},
		{"deregister an untagged image", func(dry *bool) error {
			_, err := bob.DeregisterImage(ctx, &ec2.DeregisterImageInput{ImageId: aws.String(prodImg), DryRun: dry})
			return err
		}, false, "::image/" + prodImg},
		{"share a dev image with an account", modify(devImg, share(types.LaunchPermission{UserId: aws.String("111122223333")})), true, ""},
		{"make a dev image public", modify(devImg, share(types.LaunchPermission{Group: types.PermissionGroupAll})), false, "::image/" + devImg},
		{"modify an untagged image", modify(prodImg, &ec2.ModifyImageAttributeInput{Description: &types.AttributeValue{Value: aws.String("x")}}), false, "::image/" + prodImg},
		{"describe a dev image's attribute", func(dry *bool) error {
			_, err := bob.DescribeImageAttribute(ctx, &ec2.DescribeImageAttributeInput{ImageId: aws.String(devImg), Attribute: types.ImageAttributeNameDescription, DryRun: dry})
			return err
		}, true, ""},
		{"reset an untagged image", func(dry *bool) error {
			_, err := bob.ResetImageAttribute(ctx, &ec2.ResetImageAttributeInput{ImageId: aws.String(prodImg), Attribute: types.ResetImageAttributeNameLaunchPermission, DryRun: dry})
			return err
		}, false, "::image/" + prodImg},
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
			if !strings.Contains(err.Error(), "on resource: arn:aws:ec2:us-east-1:") || !strings.Contains(err.Error(), tt.refusedOn) {
				t.Errorf("refusal %q does not name %s", err, tt.refusedOn)
			}
			wantCode(t, tt.call(nil), "UnauthorizedOperation")
		})
	}

	t.Run("an allowed image is made", func(t *testing.T) {
		before := len(snapshots(t, env, region))
		if err := createImage(devInst, nil)(nil); err != nil {
			t.Fatal(err)
		}
		if after := len(snapshots(t, env, region)); after != before+1 {
			t.Errorf("%d snapshots after CreateImage, want %d", after, before+1)
		}
	})
}
