package images_test

import (
	"context"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/google/go-cmp/cmp"

	"github.com/kumo-cloud/kumo/internal/ec2/ebs"
	"github.com/kumo-cloud/kumo/internal/testenv"
)

// registerFrom registers an image of a fresh completed snapshot of the account.
func registerFrom(t *testing.T, env *testenv.Env, c *ec2.Client, account, name string) string {
	t.Helper()
	snap := putSnapshot(t, env, ebs.Snapshot{Meta: newMeta(ebs.SnapshotKind, "us-east-1", account)})
	out, err := c.RegisterImage(context.Background(), &ec2.RegisterImageInput{Name: aws.String(name), RootDeviceName: aws.String("/dev/xvda"),
		BlockDeviceMappings: rootMapping(snap),
		TagSpecifications:   []types.TagSpecification{{ResourceType: types.ResourceTypeImage, Tags: []types.Tag{{Key: aws.String("name"), Value: aws.String(name)}}}}})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.ImageId)
}

func TestLaunchPermissions(t *testing.T) {
	env := testenv.Start(t)
	a := env.EC2()
	ctx := context.Background()
	b, bID := account(t, env, "b")
	cc, _ := account(t, env, "c")
	ami := registerFrom(t, env, a, env.AccountID, "shared")
	mineOnly := registerFrom(t, env, a, env.AccountID, "private")
	minimal := builtin(t, a)

	describe := func(t *testing.T, c *ec2.Client, in *ec2.DescribeImagesInput) []string {
		t.Helper()
		out, err := c.DescribeImages(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		return ids(out)
	}
	modify := func(t *testing.T, in *ec2.ModifyImageAttributeInput) {
		t.Helper()
		in.ImageId = aws.String(ami)
		if _, err := a.ModifyImageAttribute(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("private: only the owner sees it", func(t *testing.T) {
		if got := describe(t, b, &ec2.DescribeImagesInput{}); !slices.Equal(got, []string{minimal}) {
			t.Errorf("b sees %v", got)
		}
		_, err := b.DescribeImages(ctx, &ec2.DescribeImagesInput{ImageIds: []string{ami}})
		wantCode(t, err, "InvalidAMIID.NotFound")
		_, err = b.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String(ami), MinCount: aws.Int32(1), MaxCount: aws.Int32(1)})
		wantCode(t, err, "InvalidAMIID.NotFound")
	})
	t.Run("shared with b", func(t *testing.T) {
		modify(t, &ec2.ModifyImageAttributeInput{LaunchPermission: &types.LaunchPermissionModifications{Add: []types.LaunchPermission{{UserId: aws.String(bID)}}}})
		for _, tt := range []struct {
			name string
			in   *ec2.DescribeImagesInput
			want []string
		}{
			{"everything b may launch", &ec2.DescribeImagesInput{}, sorted(ami, minimal)},
			{"by id", &ec2.DescribeImagesInput{ImageIds: []string{ami}}, []string{ami}},
			{"executable by self", &ec2.DescribeImagesInput{ExecutableUsers: []string{"self"}}, []string{ami}},
			{"executable by all", &ec2.DescribeImagesInput{ExecutableUsers: []string{"all"}}, []string{minimal}},
			{"owned by self", &ec2.DescribeImagesInput{Owners: []string{"self"}}, nil},
			{"owned by a", &ec2.DescribeImagesInput{Owners: []string{env.AccountID}}, []string{ami}},
			{"owned by amazon", &ec2.DescribeImagesInput{Owners: []string{"amazon"}}, []string{minimal}},
			{"public filter", &ec2.DescribeImagesInput{Filters: []types.Filter{{Name: aws.String("is-public"), Values: []string{"false"}}}}, []string{ami}},
		} {
			t.Run(tt.name, func(t *testing.T) {
				if got := describe(t, b, tt.in); !slices.Equal(got, tt.want) {
					t.Errorf("got %v, want %v", got, tt.want)
				}
			})
		}
		if got := describe(t, a, &ec2.DescribeImagesInput{ExecutableUsers: []string{bID}}); !slices.Equal(got, []string{ami}) {
			t.Errorf("a's images executable by b: %v", got)
		}
		if got := describe(t, a, &ec2.DescribeImagesInput{ExecutableUsers: []string{"self"}}); len(got) != 0 {
			t.Errorf("nothing is shared with a, yet %v", got)
		}
		// b can launch it; c still cannot see it.
		launch(t, b, ami)
		_, err := cc.DescribeImages(ctx, &ec2.DescribeImagesInput{ImageIds: []string{ami}})
		wantCode(t, err, "InvalidAMIID.NotFound")
		_, err = cc.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String(ami), MinCount: aws.Int32(1), MaxCount: aws.Int32(1)})
		wantCode(t, err, "InvalidAMIID.NotFound")
		attr, err := a.DescribeImageAttribute(ctx, &ec2.DescribeImageAttributeInput{ImageId: aws.String(ami), Attribute: types.ImageAttributeNameLaunchPermission})
		if err != nil || len(attr.LaunchPermissions) != 1 || aws.ToString(attr.LaunchPermissions[0].UserId) != bID {
			t.Errorf("launch permissions %+v %v", attr, err)
		}
	})
	t.Run("b may not change or read a's image", func(t *testing.T) {
		_, err := b.DeregisterImage(ctx, &ec2.DeregisterImageInput{ImageId: aws.String(ami)})
		wantCode(t, err, "AuthFailure")
		_, err = b.ModifyImageAttribute(ctx, &ec2.ModifyImageAttributeInput{ImageId: aws.String(ami), Description: &types.AttributeValue{Value: aws.String("x")}})
		wantCode(t, err, "AuthFailure")
		_, err = b.DescribeImageAttribute(ctx, &ec2.DescribeImageAttributeInput{ImageId: aws.String(ami), Attribute: types.ImageAttributeNameLaunchPermission})
		wantCode(t, err, "AuthFailure")
		_, err = b.ResetImageAttribute(ctx, &ec2.ResetImageAttributeInput{ImageId: aws.String(ami), Attribute: types.ResetImageAttributeNameLaunchPermission})
		wantCode(t, err, "AuthFailure")
		_, err = a.ModifyImageAttribute(ctx, &ec2.ModifyImageAttributeInput{ImageId: aws.String(minimal), Description: &types.AttributeValue{Value: aws.String("x")}})
		wantCode(t, err, "AuthFailure")
	})
	t.Run("bad permissions", func(t *testing.T) {
		for _, lp := range []types.LaunchPermission{{UserId: aws.String("12345")}, {Group: "everyone"}} {
			_, err := a.ModifyImageAttribute(ctx, &ec2.ModifyImageAttributeInput{ImageId: aws.String(ami),
				LaunchPermission: &types.LaunchPermissionModifications{Add: []types.LaunchPermission{lp}}})
			wantCode(t, err, "InvalidAMIAttributeItemValue")
		}
		_, err := a.ModifyImageAttribute(ctx, &ec2.ModifyImageAttributeInput{ImageId: aws.String(ami), Attribute: aws.String("productCodes"), ProductCodes: []string{"abc"}})
		wantCode(t, err, "UnsupportedOperation")
		_, err = b.DescribeImages(ctx, &ec2.DescribeImagesInput{ExecutableUsers: []string{"someone"}})
		wantCode(t, err, "InvalidUserID.Malformed")
	})
	t.Run("public: everyone sees it", func(t *testing.T) {
		modify(t, &ec2.ModifyImageAttributeInput{Attribute: aws.String("launchPermission"), OperationType: types.OperationTypeAdd, UserGroups: []string{"all"}})
		if got := describe(t, cc, &ec2.DescribeImagesInput{ExecutableUsers: []string{"all"}}); !slices.Equal(got, sorted(ami, minimal)) {
			t.Errorf("c sees public %v", got)
		}
		if img := describeOne(t, cc, ami); !aws.ToBool(img.Public) {
			t.Errorf("not public: %+v", img)
		}
		launch(t, cc, ami)
		if got := describe(t, cc, &ec2.DescribeImagesInput{}); slices.Contains(got, mineOnly) {
			t.Errorf("c sees a's private image: %v", got)
		}
	})
	t.Run("remove and reset", func(t *testing.T) {
		modify(t, &ec2.ModifyImageAttributeInput{LaunchPermission: &types.LaunchPermissionModifications{Remove: []types.LaunchPermission{{Group: types.PermissionGroupAll}}}})
		if _, err := cc.DescribeImages(ctx, &ec2.DescribeImagesInput{ImageIds: []string{ami}}); code(err) != "InvalidAMIID.NotFound" {
			t.Errorf("c still sees it: %v", err)
		}
		describeOne(t, b, ami)
		if _, err := a.ResetImageAttribute(ctx, &ec2.ResetImageAttributeInput{ImageId: aws.String(ami), Attribute: types.ResetImageAttributeNameLaunchPermission}); err != nil {
			t.Fatal(err)
		}
		if _, err := b.DescribeImages(ctx, &ec2.DescribeImagesInput{ImageIds: []string{ami}}); code(err) != "InvalidAMIID.NotFound" {
			t.Errorf("b still sees it after reset: %v", err)
		}
		attr, err := a.DescribeImageAttribute(ctx, &ec2.DescribeImageAttributeInput{ImageId: aws.String(ami), Attribute: types.ImageAttributeNameLaunchPermission})
		if err != nil || len(attr.LaunchPermissions) != 0 {
			t.Errorf("launch permissions after reset %+v %v", attr, err)
		}
	})
}

func sorted(s ...string) []string {
	slices.Sort(s)
	return s
}

func TestDescribeImagesFilters(t *testing.T) {
	env := testenv.Start(t)
	c := env.EC2()
	ctx := context.Background()
	web := registerFrom(t, env, c, env.AccountID, "web-1")
	db := registerFrom(t, env, c, env.AccountID, "db-1")
	minimal := builtin(t, c)
	webImg := describeOne(t, c, web)
	webSnap := aws.ToString(webImg.BlockDeviceMappings[0].Ebs.SnapshotId)
	for _, tt := range []struct {
		name   string
		in     ec2.DescribeImagesInput
		want   []string
		errors string
	}{
		{"name wildcard", ec2.DescribeImagesInput{Filters: []types.Filter{{Name: aws.String("name"), Values: []string{"web-*"}}}}, []string{web}, ""},
		{"snapshot id", ec2.DescribeImagesInput{Filters: []types.Filter{{Name: aws.String("block-device-mapping.snapshot-id"), Values: []string{webSnap}}}}, []string{web}, ""},
		{"tag", ec2.DescribeImagesInput{Filters: []types.Filter{{Name: aws.String("tag:name"), Values: []string{"db-1"}}}}, []string{db}, ""},
		{"owner alias", ec2.DescribeImagesInput{Filters: []types.Filter{{Name: aws.String("owner-alias"), Values: []string{"amazon"}}}}, []string{minimal}, ""},
		{"state and owner", ec2.DescribeImagesInput{Owners: []string{"self"}, Filters: []types.Filter{{Name: aws.String("state"), Values: []string{"available"}}}}, sorted(web, db), ""},
		{"volume size", ec2.DescribeImagesInput{Filters: []types.Filter{{Name: aws.String("block-device-mapping.volume-size"), Values: []string{"2"}}}}, []string{minimal}, ""},
		{"source instance", ec2.DescribeImagesInput{Filters: []types.Filter{{Name: aws.String("source-instance-id"), Values: []string{"i-*"}}}}, nil, ""},
		{"unknown filter", ec2.DescribeImagesInput{Filters: []types.Filter{{Name: aws.String("color"), Values: []string{"red"}}}}, nil, "InvalidParameterValue"},
		{"unknown id", ec2.DescribeImagesInput{ImageIds: []string{web, "ami-0123456789abcdef0"}}, nil, "InvalidAMIID.NotFound"},
		{"malformed id", ec2.DescribeImagesInput{ImageIds: []string{"ami-x"}}, nil, "InvalidAMIID.Malformed"},
		{"bad owner", ec2.DescribeImagesInput{Owners: []string{"me"}}, nil, "InvalidUserID.Malformed"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out, err := c.DescribeImages(ctx, &tt.in)
			if tt.errors != "" {
				wantCode(t, err, tt.errors)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, ids(out)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	t.Run("built-in image rendered fully", func(t *testing.T) {
		img := describeOne(t, c, minimal)
		want := []types.BlockDeviceMapping{{DeviceName: aws.String("/dev/xvda"), Ebs: &types.EbsBlockDevice{
			SnapshotId: img.BlockDeviceMappings[0].Ebs.SnapshotId, VolumeSize: aws.Int32(2), VolumeType: types.VolumeTypeGp3,
			Iops: aws.Int32(3000), Throughput: aws.Int32(125), DeleteOnTermination: aws.Bool(true), Encrypted: aws.Bool(false)}}}
		if diff := cmp.Diff(want, img.BlockDeviceMappings, ignoreUnexported); diff != "" {
			t.Errorf("mappings (-want +got):\n%s", diff)
		}
		if aws.ToString(img.ImageOwnerAlias) != "amazon" || aws.ToString(img.ImageLocation) != "amazon/kumo-minimal" || !aws.ToBool(img.EnaSupport) ||
			img.ImdsSupport != types.ImdsSupportValuesV20 || aws.ToString(img.SriovNetSupport) != "simple" {
			t.Errorf("built-in %+v", img)
		}
	})
	t.Run("pages", func(t *testing.T) {
		var got []string
		p := ec2.NewDescribeImagesPaginator(c, &ec2.DescribeImagesInput{MaxResults: aws.Int32(5)})
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, ids(out)...)
		}
		if !slices.Equal(got, sorted(web, db, minimal)) {
			t.Errorf("paged %v", got)
		}
	})
}
