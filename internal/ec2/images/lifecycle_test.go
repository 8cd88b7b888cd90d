package images_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/kumo-cloud/kumo/internal/daemon"
	"github.com/kumo-cloud/kumo/internal/ec2/ebs"
	"github.com/kumo-cloud/kumo/internal/ec2/images"
	"github.com/kumo-cloud/kumo/internal/testenv"
)

func TestDeregisterImage(t *testing.T) {
	env := testenv.Start(t)
	c := env.EC2()
	ctx := context.Background()
	const region = "us-east-1"
	ami := registerFrom(t, env, c, env.AccountID, "retired")
	snap := aws.ToString(describeOne(t, c, ami).BlockDeviceMappings[0].Ebs.SnapshotId)
	svc := &images.Service{Store: env.Daemon.Store}
	if in, err := svc.SnapshotInUse(ctx, region, env.AccountID, snap); err != nil || in != ami {
		t.Fatalf("SnapshotInUse = %q %v, want %s", in, err, ami)
	}
	for _, tt := range []struct {
		name, id, code string
	}{
		{"built-in", builtin(t, c), "AuthFailure"},
		{"unknown", "ami-0123456789abcdef0", "InvalidAMIID.NotFound"},
		{"malformed", "ami-zz", "InvalidAMIID.Malformed"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.DeregisterImage(ctx, &ec2.DeregisterImageInput{ImageId: aws.String(tt.id)})
			wantCode(t, err, tt.code)
		})
	}
	_, err := c.DeregisterImage(ctx, &ec2.DeregisterImageInput{ImageId: aws.String(ami), DryRun: aws.Bool(true)})
	wantCode(t, err, "DryRunOperation")
	if _, err := c.DeregisterImage(ctx, &ec2.DeregisterImageInput{ImageId: aws.String(ami)}); err != nil {
		t.Fatal(err)
	}
	if s := describeOne(t, c, ami).State; s != types.ImageStateDeregistered {
		t.Errorf("state %s, want deregistered (listed a while)", s)
	}
	_, err = c.DeregisterImage(ctx, &ec2.DeregisterImageInput{ImageId: aws.String(ami)})
	wantCode(t, err, "InvalidAMIID.Unavailable")
	_, err = c.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String(ami), MinCount: aws.Int32(1), MaxCount: aws.Int32(1)})
	wantCode(t, err, "InvalidAMIID.Unavailable")
	if s := snapshot(t, env, region, snap); s.State != ebs.SnapshotCompleted {
		t.Errorf("the snapshot should stay: %+v", s)
	}
	if in, err := svc.SnapshotInUse(ctx, region, env.AccountID, snap); err != nil || in != "" {
		t.Errorf("SnapshotInUse after deregistration = %q %v", in, err)
	}
	// Later (the API's clock also checks signatures, so age the record).
	rec := imageRecord(t, env, region, env.AccountID, ami)
	rec.DeregisteredAt = rec.DeregisteredAt.Add(-images.DeregisteredListed - time.Minute)
	if err := env.Daemon.Store.Txn().Put(images.Kind.Key(region, env.AccountID, ami), &rec).Commit(ctx); err != nil {
		t.Fatal(err)
	}
	_, err = c.DescribeImages(ctx, &ec2.DescribeImagesInput{ImageIds: []string{ami}})
	wantCode(t, err, "InvalidAMIID.NotFound")
}

func TestCopyImage(t *testing.T) {
	env := testenv.Start(t, testenv.WithConfig(func(c *daemon.Config) { c.Regions = []string{"us-east-1", "us-west-2"} }))
	east := env.EC2()
	west := env.EC2(func(o *ec2.Options) { o.Region = "us-west-2" })
	ctx := context.Background()
	acct := env.AccountID
	inst := launch(t, east, builtin(t, east))
	setInstance(t, env, "us-east-1", acct, inst, running)
	made, err := east.CreateImage(ctx, &ec2.CreateImageInput{InstanceId: aws.String(inst), Name: aws.String("golden"), NoReboot: aws.Bool(true),
		TagSpecifications: []types.TagSpecification{{ResourceType: types.ResourceTypeImage, Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("a")}}}}})
	if err != nil {
		t.Fatal(err)
	}
	src := aws.ToString(made.ImageId)
	copyIn := func(mod func(*ec2.CopyImageInput)) *ec2.CopyImageInput {
		in := &ec2.CopyImageInput{SourceRegion: aws.String("us-east-1"), SourceImageId: aws.String(src), Name: aws.String("golden-copy")}
		if mod != nil {
			mod(in)
		}
		return in
	}
	t.Run("pending source", func(t *testing.T) {
		_, err := west.CopyImage(ctx, copyIn(nil))
		wantCode(t, err, "InvalidAMIID.Unavailable")
	})
	finishSnapshots(t, env, "us-east-1", ebs.SnapshotCompleted)
	for _, tt := range []struct {
		name string
		mod  func(*ec2.CopyImageInput)
		code string
	}{
		{"unknown region", func(in *ec2.CopyImageInput) { in.SourceRegion = aws.String("eu-west-1") }, "InvalidParameterValue"},
		{"unknown image", func(in *ec2.CopyImageInput) { in.SourceImageId = aws.String("ami-0123456789abcdef0") }, "InvalidAMIID.NotFound"},
		{"image of the other region", func(in *ec2.CopyImageInput) { in.SourceRegion = aws.String("us-west-2") }, "InvalidAMIID.NotFound"},
		{"bad name", func(in *ec2.CopyImageInput) { in.Name = aws.String("no!") }, "InvalidAMIName.Malformed"},
		{"kms key without encryption", func(in *ec2.CopyImageInput) { in.KmsKeyId = aws.String("alias/x") }, "InvalidParameterCombination"},
		{"dry run", func(in *ec2.CopyImageInput) { in.DryRun = aws.Bool(true) }, "DryRunOperation"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := west.CopyImage(ctx, copyIn(tt.mod))
			wantCode(t, err, tt.code)
		})
	}
	t.Run("to another region", func(t *testing.T) {
		in := copyIn(func(in *ec2.CopyImageInput) {
			in.CopyImageTags, in.Encrypted, in.ClientToken = aws.Bool(true), aws.Bool(true), aws.String("copy-1")
			in.Description = aws.String("copied")
		})
		out, err := west.CopyImage(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		again, err := west.CopyImage(ctx, in)
		if err != nil || aws.ToString(again.ImageId) != aws.ToString(out.ImageId) {
			t.Fatalf("retry with the client token: %v %v", again, err)
		}
		id := aws.ToString(out.ImageId)
		img := describeOne(t, west, id)
		if img.State != types.ImageStatePending || aws.ToString(img.Description) != "copied" || len(img.Tags) != 1 {
			t.Errorf("copy %+v", img)
		}
		srcImg := imageRecord(t, env, "us-east-1", acct, src)
		rec := imageRecord(t, env, "us-west-2", acct, id)
		if rec.SourceImageID != src || rec.SourceRegion != "us-east-1" || rec.KernelFrom != images.MinimalName || len(rec.BlockDeviceMappings) != len(srcImg.BlockDeviceMappings) {
			t.Errorf("record %+v", rec)
		}
		from := snapshot(t, env, "us-east-1", srcImg.RootSnapshotID)
		s := snapshot(t, env, "us-west-2", rec.RootSnapshotID)
		if s.State != ebs.SnapshotPending || s.SourceSnapshotID != from.ID || s.SourceRegion != "us-east-1" || s.Host != from.Host ||
			!s.Encrypted || s.VolumeSizeGiB != from.VolumeSizeGiB || s.VolumeID != "vol-ffffffff" ||
			!strings.HasPrefix(s.Description, "Copied for DestinationAmi "+id+" from SourceAmi "+src+" for SourceSnapshot "+from.ID+". Task created on ") {
			t.Errorf("copied snapshot %+v", s)
		}
		if !aws.ToBool(img.BlockDeviceMappings[0].Ebs.Encrypted) {
			t.Errorf("copy's mapping not encrypted: %+v", img.BlockDeviceMappings[0].Ebs)
		}
		finishSnapshots(t, env, "us-west-2", ebs.SnapshotCompleted)
		if st := describeOne(t, west, id).State; st != types.ImageStateAvailable {
			t.Errorf("state %s after the copy completed", st)
		}
		if _, err := west.CopyImage(ctx, in); err != nil {
			t.Errorf("retry after completion: %v", err)
		}
		_, err = west.CopyImage(ctx, copyIn(nil))
		wantCode(t, err, "InvalidAMIName.Duplicate")
	})
	t.Run("built-in image: complete at once", func(t *testing.T) {
		out, err := east.CopyImage(ctx, &ec2.CopyImageInput{SourceRegion: aws.String("us-east-1"), SourceImageId: aws.String(builtin(t, east)), Name: aws.String("my-minimal")})
		if err != nil {
			t.Fatal(err)
		}
		img := describeOne(t, east, aws.ToString(out.ImageId))
		if img.State != types.ImageStateAvailable || aws.ToString(img.OwnerId) != acct || img.ImageOwnerAlias != nil || aws.ToBool(img.Public) {
			t.Errorf("copy %+v", img)
		}
		rec := imageRecord(t, env, "us-east-1", acct, aws.ToString(out.ImageId))
		if rec.Builtin != images.MinimalName || rec.KernelFrom != images.MinimalName {
			t.Errorf("copy of the built-in: builtin %q kernel %q", rec.Builtin, rec.KernelFrom)
		}
		if s := snapshot(t, env, "us-east-1", rec.RootSnapshotID); s.Builtin != images.MinimalName || s.State != ebs.SnapshotCompleted {
			t.Errorf("snapshot %+v", s)
		}
		launch(t, east, aws.ToString(out.ImageId))
	})
	t.Run("shared image without its storage", func(t *testing.T) {
		b, bID := account(t, env, "b")
		if _, err := east.ModifyImageAttribute(ctx, &ec2.ModifyImageAttributeInput{ImageId: aws.String(src),
			LaunchPermission: &types.LaunchPermissionModifications{Add: []types.LaunchPermission{{UserId: aws.String(bID)}}}}); err != nil {
			t.Fatal(err)
		}
		_, err := b.CopyImage(ctx, copyIn(nil))
		wantCode(t, err, "AuthFailure")
	})
}

func TestImageAttributes(t *testing.T) {
	env := testenv.Start(t)
	c := env.EC2()
	ctx := context.Background()
	ami := registerFrom(t, env, c, env.AccountID, "attrs")
	describe := func(t *testing.T, name types.ImageAttributeName) *ec2.DescribeImageAttributeOutput {
		t.Helper()
		out, err := c.DescribeImageAttribute(ctx, &ec2.DescribeImageAttributeInput{ImageId: aws.String(ami), Attribute: name})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return out
	}
	t.Run("description", func(t *testing.T) {
		if _, err := c.ModifyImageAttribute(ctx, &ec2.ModifyImageAttributeInput{ImageId: aws.String(ami), Description: &types.AttributeValue{Value: aws.String("one")}}); err != nil {
			t.Fatal(err)
		}
		if got := aws.ToString(describe(t, types.ImageAttributeNameDescription).Description.Value); got != "one" {
			t.Errorf("description %q", got)
		}
		if _, err := c.ModifyImageAttribute(ctx, &ec2.ModifyImageAttributeInput{ImageId: aws.String(ami), Attribute: aws.String("description"), Value: aws.String("two")}); err != nil {
			t.Fatal(err)
		}
		if got := aws.ToString(describeOne(t, c, ami).Description); got != "two" {
			t.Errorf("description %q", got)
		}
	})
	t.Run("imds support", func(t *testing.T) {
		if _, err := c.ModifyImageAttribute(ctx, &ec2.ModifyImageAttributeInput{ImageId: aws.String(ami), ImdsSupport: &types.AttributeValue{Value: aws.String("v2.0")}}); err != nil {
			t.Fatal(err)
		}
		if got := aws.ToString(describe(t, types.ImageAttributeNameImdsSupport).ImdsSupport.Value); got != "v2.0" {
			t.Errorf("imdsSupport %q", got)
		}
		_, err := c.ModifyImageAttribute(ctx, &ec2.ModifyImageAttributeInput{ImageId: aws.String(ami), ImdsSupport: &types.AttributeValue{Value: aws.String("v1.0")}})
		wantCode(t, err, "InvalidParameterValue")
	})
	t.Run("read-only attributes", func(t *testing.T) {
		if m := describe(t, types.ImageAttributeNameBlockDeviceMapping).BlockDeviceMappings; len(m) != 1 || aws.ToString(m[0].DeviceName) != "/dev/xvda" {
			t.Errorf("blockDeviceMapping %+v", m)
		}
		if k := describe(t, types.ImageAttributeNameKernel).KernelId; k != nil && k.Value != nil {
			t.Errorf("kernel %+v", k)
		}
		if p := describe(t, types.ImageAttributeNameProductCodes).ProductCodes; len(p) != 0 {
			t.Errorf("productCodes %+v", p)
		}
		if d := describe(t, types.ImageAttributeNameDeregistrationProtection).DeregistrationProtection; aws.ToString(d.Value) != "disabled" {
			t.Errorf("deregistrationProtection %+v", d)
		}
		launch(t, c, ami)
		if l := describe(t, types.ImageAttributeNameLastLaunchedTime).LastLaunchedTime; l == nil || aws.ToString(l.Value) == "" {
			t.Errorf("lastLaunchedTime %+v", l)
		}
	})
	t.Run("errors", func(t *testing.T) {
		_, err := c.DescribeImageAttribute(ctx, &ec2.DescribeImageAttributeInput{ImageId: aws.String(ami), Attribute: "color"})
		wantCode(t, err, "InvalidParameterValue")
		_, err = c.ResetImageAttribute(ctx, &ec2.ResetImageAttributeInput{ImageId: aws.String(ami), Attribute: "description"})
		wantCode(t, err, "InvalidParameterValue")
		_, err = c.ModifyImageAttribute(ctx, &ec2.ModifyImageAttributeInput{ImageId: aws.String(ami), Attribute: aws.String("launchPermission"), UserIds: []string{"123456789012"}})
		wantCode(t, err, "MissingParameter")
		_, err = c.ModifyImageAttribute(ctx, &ec2.ModifyImageAttributeInput{ImageId: aws.String(ami)})
		wantCode(t, err, "MissingParameter")
		_, err = c.DescribeImageAttribute(ctx, &ec2.DescribeImageAttributeInput{ImageId: aws.String("ami-0123456789abcdef0"), Attribute: types.ImageAttributeNameDescription})
		wantCode(t, err, "InvalidAMIID.NotFound")
	})
}
