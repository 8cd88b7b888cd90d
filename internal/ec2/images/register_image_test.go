package images_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/kumo-cloud/kumo/internal/ec2/ebs"
	"github.com/kumo-cloud/kumo/internal/ec2/images"
	"github.com/kumo-cloud/kumo/internal/testenv"
)

func rootMapping(snap string) []types.BlockDeviceMapping {
	return []types.BlockDeviceMapping{{DeviceName: aws.String("/dev/xvda"), Ebs: &types.EbsBlockDevice{SnapshotId: aws.String(snap)}}}
}

func TestRegisterImage(t *testing.T) {
	env := testenv.Start(t)
	c := env.EC2()
	ctx := context.Background()
	const region = "us-east-1"
	acct := env.AccountID
	mine := putSnapshot(t, env, ebs.Snapshot{Meta: newMeta(ebs.SnapshotKind, region, acct), VolumeID: "vol-0123456789abcdef0", VolumeSizeGiB: 4})
	_, other := account(t, env, "other")
	theirs := putSnapshot(t, env, ebs.Snapshot{Meta: newMeta(ebs.SnapshotKind, region, other), VolumeSizeGiB: 4})
	shared := putSnapshot(t, env, ebs.Snapshot{Meta: newMeta(ebs.SnapshotKind, region, other), VolumeSizeGiB: 4, CreateVolumePermissions: []string{acct}})
	broken := putSnapshot(t, env, ebs.Snapshot{Meta: newMeta(ebs.SnapshotKind, region, acct), State: ebs.SnapshotError})

	register := func(mod func(*ec2.RegisterImageInput)) (*ec2.RegisterImageOutput, error) {
		in := &ec2.RegisterImageInput{Name: aws.String("from-snap"), Architecture: types.ArchitectureValuesX8664,
			RootDeviceName: aws.String("/dev/xvda"), VirtualizationType: aws.String("hvm"), BlockDeviceMappings: rootMapping(mine)}
		if mod != nil {
			mod(in)
		}
		return c.RegisterImage(ctx, in)
	}
	for _, tt := range []struct {
		name string
		mod  func(*ec2.RegisterImageInput)
		code string
	}{
		{"arm64", func(in *ec2.RegisterImageInput) { in.Architecture = types.ArchitectureValuesArm64 }, "InvalidParameterValue"},
		{"i386", func(in *ec2.RegisterImageInput) { in.Architecture = types.ArchitectureValuesI386 }, "InvalidParameterValue"},
		{"paravirtual", func(in *ec2.RegisterImageInput) { in.VirtualizationType = aws.String("paravirtual") }, "InvalidParameterValue"},
		{"image location", func(in *ec2.RegisterImageInput) {
			in.ImageLocation, in.BlockDeviceMappings, in.RootDeviceName = aws.String("bucket/image.manifest.xml"), nil, nil
		}, "UnsupportedOperation"},
		{"kernel id", func(in *ec2.RegisterImageInput) { in.KernelId = aws.String("aki-12345678") }, "InvalidParameterValue"},
		{"ramdisk id", func(in *ec2.RegisterImageInput) { in.RamdiskId = aws.String("ari-12345678") }, "InvalidParameterValue"},
		{"no mappings", func(in *ec2.RegisterImageInput) { in.BlockDeviceMappings = nil }, "MissingParameter"},
		{"no root device name", func(in *ec2.RegisterImageInput) { in.RootDeviceName = nil }, "MissingParameter"},
		{"root not mapped", func(in *ec2.RegisterImageInput) { in.RootDeviceName = aws.String("/dev/sda1") }, "InvalidBlockDeviceMapping"},
		{"root without snapshot", func(in *ec2.RegisterImageInput) {
			in.BlockDeviceMappings = []types.BlockDeviceMapping{{DeviceName: aws.String("/dev/xvda"), Ebs: &types.EbsBlockDevice{VolumeSize: aws.Int32(8)}}}
		}, "InvalidBlockDeviceMapping"},
		{"unknown snapshot", func(in *ec2.RegisterImageInput) { in.BlockDeviceMappings = rootMapping("snap-0123456789abcdef0") }, "InvalidSnapshot.NotFound"},
		{"malformed snapshot", func(in *ec2.RegisterImageInput) { in.BlockDeviceMappings = rootMapping("snap-zz") }, "InvalidSnapshotID.Malformed"},
		{"another account's snapshot", func(in *ec2.RegisterImageInput) { in.BlockDeviceMappings = rootMapping(theirs) }, "InvalidSnapshot.NotFound"},
		{"failed snapshot", func(in *ec2.RegisterImageInput) { in.BlockDeviceMappings = rootMapping(broken) }, "IncorrectState"},
		{"smaller than the snapshot", func(in *ec2.RegisterImageInput) {
			in.BlockDeviceMappings[0].Ebs.VolumeSize = aws.Int32(2)
		}, "InvalidBlockDeviceMapping"},
		{"bad boot mode", func(in *ec2.RegisterImageInput) { in.BootMode = "bios" }, "InvalidParameterValue"},
		{"tpm", func(in *ec2.RegisterImageInput) { in.TpmSupport = types.TpmSupportValuesV20 }, "UnsupportedOperation"},
		{"snapshot tags", func(in *ec2.RegisterImageInput) {
			in.TagSpecifications = []types.TagSpecification{{ResourceType: types.ResourceTypeSnapshot, Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}}}
		}, "InvalidParameterValue"},
		{"bad name", func(in *ec2.RegisterImageInput) { in.Name = aws.String("a") }, "InvalidAMIName.Malformed"},
		{"dry run", func(in *ec2.RegisterImageInput) { in.DryRun = aws.Bool(true) }, "DryRunOperation"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := register(tt.mod)
			wantCode(t, err, tt.code)
		})
	}

	t.Run("from own snapshot: available at once", func(t *testing.T) {
		out, err := register(func(in *ec2.RegisterImageInput) {
			in.Description = aws.String("registered")
			in.BootMode = types.BootModeValuesUefi
			in.EnaSupport = aws.Bool(true)
			in.ImdsSupport = types.ImdsSupportValuesV20
			in.BlockDeviceMappings = append(in.BlockDeviceMappings,
				types.BlockDeviceMapping{DeviceName: aws.String("/dev/sdf"), Ebs: &types.EbsBlockDevice{SnapshotId: aws.String(shared), VolumeSize: aws.Int32(9), DeleteOnTermination: aws.Bool(false)}},
				types.BlockDeviceMapping{DeviceName: aws.String("/dev/sdb"), VirtualName: aws.String("ephemeral0")})
			in.TagSpecifications = []types.TagSpecification{{ResourceType: types.ResourceTypeImage, Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}}}
		})
		if err != nil {
			t.Fatal(err)
		}
		img := describeOne(t, c, aws.ToString(out.ImageId))
		if img.State != types.ImageStateAvailable || img.BootMode != types.BootModeValuesUefi || !aws.ToBool(img.EnaSupport) ||
			img.ImdsSupport != types.ImdsSupportValuesV20 || aws.ToString(img.Description) != "registered" || len(img.Tags) != 1 {
			t.Errorf("image %+v", img)
		}
		if len(img.BlockDeviceMappings) != 3 {
			t.Fatalf("mappings %+v", img.BlockDeviceMappings)
		}
		if r := img.BlockDeviceMappings[0].Ebs; aws.ToInt32(r.VolumeSize) != 4 || aws.ToString(r.SnapshotId) != mine || !aws.ToBool(r.DeleteOnTermination) {
			t.Errorf("root mapping takes the snapshot's size: %+v", r)
		}
		if d := img.BlockDeviceMappings[1].Ebs; aws.ToInt32(d.VolumeSize) != 9 || aws.ToBool(d.DeleteOnTermination) {
			t.Errorf("data mapping %+v", d)
		}
		launch(t, c, aws.ToString(out.ImageId))
	})
	t.Run("from pending snapshot: pending until it completes", func(t *testing.T) {
		pending := putSnapshot(t, env, ebs.Snapshot{Meta: newMeta(ebs.SnapshotKind, region, acct), State: ebs.SnapshotPending})
		out, err := register(func(in *ec2.RegisterImageInput) {
			in.Name = aws.String("later")
			in.BlockDeviceMappings = rootMapping(pending)
		})
		if err != nil {
			t.Fatal(err)
		}
		if s := describeOne(t, c, aws.ToString(out.ImageId)).State; s != types.ImageStatePending {
			t.Fatalf("state %s", s)
		}
		finishSnapshots(t, env, region, ebs.SnapshotCompleted)
		if s := describeOne(t, c, aws.ToString(out.ImageId)).State; s != types.ImageStateAvailable {
			t.Fatalf("state %s after the snapshot completed", s)
		}
	})
}

// TestRegisterImageKernel checks that a registered image boots with the
// kernel its root snapshot's data came with.
func TestRegisterImageKernel(t *testing.T) {
	env := testenv.Start(t)
	c := env.EC2()
	ctx := context.Background()
	const region = "us-east-1"
	acct := env.AccountID
	// A built-in image with another kernel stands for a second built-in.
	other := images.Image{Meta: newMeta(images.Kind, region, images.PlatformAccount), Name: "kumo-other", OwnerAlias: "amazon",
		Public: true, State: images.Available, Architecture: "x86_64", VirtualizationType: "hvm", RootDeviceName: "/dev/xvda",
		RootSnapshotID: "snap-00000000000000001", RootSizeGiB: 2, Builtin: "kumo-other", KernelFrom: "kumo-other",
		BlockDeviceMappings: []images.Mapping{{DeviceName: "/dev/xvda", EBS: &images.EBSMapping{SnapshotID: "snap-00000000000000001", VolumeSizeGiB: 2, VolumeType: "gp3"}}}}
	if err := env.Daemon.Store.Txn().Put(images.Kind.Key(region, images.PlatformAccount, other.ID), &other).Commit(ctx); err != nil {
		t.Fatal(err)
	}
	inst := launch(t, c, other.ID)
	in := getInstance(t, env, region, acct, inst)
	ofRoot := putSnapshot(t, env, ebs.Snapshot{Meta: newMeta(ebs.SnapshotKind, region, acct), VolumeID: in.Root.VolumeID})
	copied := putSnapshot(t, env, ebs.Snapshot{Meta: newMeta(ebs.SnapshotKind, region, acct), VolumeID: "vol-ffffffff",
		SourceSnapshotID: ofRoot, SourceRegion: region})
	// A volume made from the root's snapshot, and a snapshot of it.
	vol := ebs.Volume{Meta: newMeta(ebs.VolumeKind, region, acct), SizeGiB: 4, Type: "gp3", SnapshotID: ofRoot, State: ebs.VolumeAvailable}
	putVolume(t, env, vol)
	ofVolume := putSnapshot(t, env, ebs.Snapshot{Meta: newMeta(ebs.SnapshotKind, region, acct), VolumeID: vol.ID})
	builtinCopy := putSnapshot(t, env, ebs.Snapshot{Meta: newMeta(ebs.SnapshotKind, region, acct), Builtin: "kumo-other"})
	orphan := putSnapshot(t, env, ebs.Snapshot{Meta: newMeta(ebs.SnapshotKind, region, acct), VolumeID: "vol-0123456789abcdef0"})

	// The instance's image was deregistered long ago: the lineage holds.
	other.State, other.DeregisteredAt = images.Deregistered, time.Now().Add(-48*time.Hour)
	if err := env.Daemon.Store.Txn().Put(images.Kind.Key(region, images.PlatformAccount, other.ID), &other).Commit(ctx); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, snap, kernel string
	}{
		{"snapshot of an instance's root", ofRoot, "kumo-other"},
		{"copy of it", copied, "kumo-other"},
		{"snapshot of a volume made from it", ofVolume, "kumo-other"},
		{"snapshot of a built-in disk", builtinCopy, "kumo-other"},
		{"lineage gone", orphan, images.MinimalName},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out, err := c.RegisterImage(ctx, &ec2.RegisterImageInput{Name: aws.String("k-" + tt.snap), RootDeviceName: aws.String("/dev/xvda"),
				BlockDeviceMappings: rootMapping(tt.snap)})
			if err != nil {
				t.Fatal(err)
			}
			if got := imageRecord(t, env, region, acct, aws.ToString(out.ImageId)).KernelFrom; got != tt.kernel {
				t.Errorf("KernelFrom = %q, want %q", got, tt.kernel)
			}
		})
	}
	t.Run("image of a registered image's instance", func(t *testing.T) {
		out, err := c.RegisterImage(ctx, &ec2.RegisterImageInput{Name: aws.String("second"), RootDeviceName: aws.String("/dev/xvda"),
			BlockDeviceMappings: rootMapping(ofRoot)})
		if err != nil {
			t.Fatal(err)
		}
		// An instance of that image, imaged: the new image boots as its source.
		child := launch(t, c, aws.ToString(out.ImageId))
		setInstance(t, env, region, acct, child, running)
		made, err := c.CreateImage(ctx, &ec2.CreateImageInput{InstanceId: aws.String(child), Name: aws.String("third"), NoReboot: aws.Bool(true)})
		if err != nil {
			t.Fatal(err)
		}
		if got := imageRecord(t, env, region, acct, aws.ToString(made.ImageId)).KernelFrom; got != "kumo-other" {
			t.Errorf("KernelFrom = %q, want kumo-other", got)
		}
	})
}
