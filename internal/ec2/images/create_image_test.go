package images_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/google/go-cmp/cmp"

	"github.com/kumo-cloud/kumo/internal/ec2/ebs"
	"github.com/kumo-cloud/kumo/internal/ec2/images"
	"github.com/kumo-cloud/kumo/internal/ec2/instances"
	"github.com/kumo-cloud/kumo/internal/testenv"
)

func TestImageNames(t *testing.T) {
	env := testenv.Start(t)
	c := env.EC2()
	ctx := context.Background()
	inst := launch(t, c, builtin(t, c))
	setInstance(t, env, "us-east-1", env.AccountID, inst, running)
	create := func(name string) (string, error) {
		out, err := c.CreateImage(ctx, &ec2.CreateImageInput{InstanceId: aws.String(inst), Name: aws.String(name), NoReboot: aws.Bool(true)})
		if err != nil {
			return "", err
		}
		return aws.ToString(out.ImageId), nil
	}
	for _, tt := range []struct {
		name, ami, code string
	}{
		{"too short", "ab", "InvalidAMIName.Malformed"},
		{"too long", strings.Repeat("a", 129), "InvalidAMIName.Malformed"},
		{"star", "web*1", "InvalidAMIName.Malformed"},
		{"comma", "web,1", "InvalidAMIName.Malformed"},
		{"colon", "web:1", "InvalidAMIName.Malformed"},
		{"every allowed character", "Web server (v1.2) [prod] a/b-c 'x' @y_z", ""},
		{"longest", strings.Repeat("n", 128), ""},
		{"shortest", "abc", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := create(tt.ami)
			if code(err) != tt.code {
				t.Fatalf("got %v, want %q", err, tt.code)
			}
		})
	}
	t.Run("duplicate in the account", func(t *testing.T) {
		first, err := create("golden")
		if err != nil {
			t.Fatal(err)
		}
		_, err = create("golden")
		wantCode(t, err, "InvalidAMIName.Duplicate")
		if !strings.Contains(err.Error(), first) {
			t.Errorf("message should name %s: %v", first, err)
		}
		_, err = c.RegisterImage(ctx, &ec2.RegisterImageInput{Name: aws.String("golden"), RootDeviceName: aws.String("/dev/xvda"),
			BlockDeviceMappings: []types.BlockDeviceMapping{{DeviceName: aws.String("/dev/xvda"), Ebs: &types.EbsBlockDevice{VolumeSize: aws.Int32(8)}}}})
		wantCode(t, err, "InvalidAMIName.Duplicate")
		// Deregistering frees the name.
		if _, err := c.DeregisterImage(ctx, &ec2.DeregisterImageInput{ImageId: aws.String(first)}); err != nil {
			t.Fatal(err)
		}
		if _, err := create("golden"); err != nil {
			t.Fatalf("name not free after deregistration: %v", err)
		}
	})
	t.Run("same name in another account", func(t *testing.T) {
		b, bID := account(t, env, "b")
		bi := launch(t, b, builtin(t, b))
		setInstance(t, env, "us-east-1", bID, bi, running)
		if _, err := b.CreateImage(ctx, &ec2.CreateImageInput{InstanceId: aws.String(bi), Name: aws.String("golden")}); err != nil {
			t.Fatalf("another account's name: %v", err)
		}
	})
}

func TestCreateImage(t *testing.T) {
	env := testenv.Start(t)
	c := env.EC2()
	ctx := context.Background()
	const region = "us-east-1"
	acct := env.AccountID
	inst := launch(t, c, builtin(t, c))

	t.Run("pending instance", func(t *testing.T) {
		_, err := c.CreateImage(ctx, &ec2.CreateImageInput{InstanceId: aws.String(inst), Name: aws.String("too-early")})
		wantCode(t, err, "IncorrectInstanceState")
	})
	setInstance(t, env, region, acct, inst, running)
	data := ebs.Volume{Meta: newMeta(ebs.VolumeKind, region, acct), AvailabilityZone: "us-east-1a", SizeGiB: 10, Type: "gp2",
		State: ebs.VolumeInUse, Host: "other-host", File: "data.qcow2",
		Attachment: &ebs.Attachment{InstanceID: inst, Device: "/dev/sdf", State: ebs.Attached}}
	putVolume(t, env, data)
	leaving := ebs.Volume{Meta: newMeta(ebs.VolumeKind, region, acct), SizeGiB: 1, Type: "gp3", State: ebs.VolumeInUse,
		Attachment: &ebs.Attachment{InstanceID: inst, Device: "/dev/sdg", State: ebs.Detaching}}
	putVolume(t, env, leaving)

	errorCases := []struct {
		name string
		mod  func(*ec2.CreateImageInput)
		code string
	}{
		{"unknown instance", func(in *ec2.CreateImageInput) { in.InstanceId = aws.String("i-0123456789abcdef0") }, "InvalidInstanceID.NotFound"},
		{"malformed instance", func(in *ec2.CreateImageInput) { in.InstanceId = aws.String("i-xyz") }, "InvalidInstanceID.Malformed"},
		{"root left out", func(in *ec2.CreateImageInput) {
			in.BlockDeviceMappings = []types.BlockDeviceMapping{{DeviceName: aws.String("/dev/xvda"), NoDevice: aws.String("")}}
		}, "InvalidBlockDeviceMapping"},
		{"root shrunk", func(in *ec2.CreateImageInput) {
			in.BlockDeviceMappings = []types.BlockDeviceMapping{{DeviceName: aws.String("/dev/xvda"), Ebs: &types.EbsBlockDevice{VolumeSize: aws.Int32(1)}}}
		}, "InvalidBlockDeviceMapping"},
		{"snapshot for an instance volume", func(in *ec2.CreateImageInput) {
			in.BlockDeviceMappings = []types.BlockDeviceMapping{{DeviceName: aws.String("/dev/sdf"), Ebs: &types.EbsBlockDevice{SnapshotId: aws.String("snap-0123456789abcdef0")}}}
		}, "InvalidBlockDeviceMapping"},
		{"new volume without size or snapshot", func(in *ec2.CreateImageInput) {
			in.BlockDeviceMappings = []types.BlockDeviceMapping{{DeviceName: aws.String("/dev/sdh"), Ebs: &types.EbsBlockDevice{VolumeType: types.VolumeTypeGp3}}}
		}, "InvalidBlockDeviceMapping"},
		{"new volume from an unknown snapshot", func(in *ec2.CreateImageInput) {
			in.BlockDeviceMappings = []types.BlockDeviceMapping{{DeviceName: aws.String("/dev/sdh"), Ebs: &types.EbsBlockDevice{SnapshotId: aws.String("snap-0123456789abcdef0")}}}
		}, "InvalidSnapshot.NotFound"},
		{"bad device name", func(in *ec2.CreateImageInput) {
			in.BlockDeviceMappings = []types.BlockDeviceMapping{{DeviceName: aws.String("sdh"), VirtualName: aws.String("ephemeral1")}}
		}, "InvalidBlockDeviceMapping"},
		{"bad volume type", func(in *ec2.CreateImageInput) {
			in.BlockDeviceMappings = []types.BlockDeviceMapping{{DeviceName: aws.String("/dev/xvda"), Ebs: &types.EbsBlockDevice{VolumeType: "gp9"}}}
		}, "InvalidParameterValue"},
		{"io1 without iops", func(in *ec2.CreateImageInput) {
			in.BlockDeviceMappings = []types.BlockDeviceMapping{{DeviceName: aws.String("/dev/xvda"), Ebs: &types.EbsBlockDevice{VolumeType: types.VolumeTypeIo1}}}
		}, "InvalidParameterCombination"},
		{"gp3 above its limits", func(in *ec2.CreateImageInput) {
			in.BlockDeviceMappings = []types.BlockDeviceMapping{{DeviceName: aws.String("/dev/xvda"), Ebs: &types.EbsBlockDevice{Throughput: aws.Int32(5000)}}}
		}, "InvalidParameterValue"},
		{"device twice", func(in *ec2.CreateImageInput) {
			in.BlockDeviceMappings = []types.BlockDeviceMapping{{DeviceName: aws.String("/dev/sdh"), NoDevice: aws.String("")}, {DeviceName: aws.String("/dev/sdh"), NoDevice: aws.String("")}}
		}, "InvalidBlockDeviceMapping"},
		{"instance tags", func(in *ec2.CreateImageInput) {
			in.TagSpecifications = []types.TagSpecification{{ResourceType: types.ResourceTypeInstance, Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}}}
		}, "InvalidParameterValue"},
		{"description too long", func(in *ec2.CreateImageInput) { in.Description = aws.String(strings.Repeat("d", 256)) }, "InvalidParameterValue"},
		{"dry run", func(in *ec2.CreateImageInput) { in.DryRun = aws.Bool(true) }, "DryRunOperation"},
	}
	for _, tt := range errorCases {
		t.Run(tt.name, func(t *testing.T) {
			in := &ec2.CreateImageInput{InstanceId: aws.String(inst), Name: aws.String("web")}
			tt.mod(in)
			_, err := c.CreateImage(ctx, in)
			wantCode(t, err, tt.code)
		})
	}
	if n := len(snapshots(t, env, region)); n != 0 {
		t.Fatalf("failed calls left %d snapshots", n)
	}
	if seq := getInstance(t, env, region, acct, inst).RebootSeq; seq != 0 {
		t.Fatalf("failed calls asked for %d reboots", seq)
	}

	var ami string
	t.Run("records: image, snapshots, reboot", func(t *testing.T) {
		out, err := c.CreateImage(ctx, &ec2.CreateImageInput{InstanceId: aws.String(inst), Name: aws.String("web"), Description: aws.String("web server"),
			BlockDeviceMappings: []types.BlockDeviceMapping{
				{DeviceName: aws.String("/dev/xvda"), Ebs: &types.EbsBlockDevice{VolumeSize: aws.Int32(20)}},
				{DeviceName: aws.String("/dev/sdb"), VirtualName: aws.String("ephemeral0")},
				{DeviceName: aws.String("/dev/sdc"), NoDevice: aws.String("")},
				{DeviceName: aws.String("/dev/sdh"), Ebs: &types.EbsBlockDevice{VolumeSize: aws.Int32(5), VolumeType: types.VolumeTypeGp2}},
			},
			TagSpecifications: []types.TagSpecification{
				{ResourceType: types.ResourceTypeImage, Tags: []types.Tag{{Key: aws.String("app"), Value: aws.String("web")}}},
				{ResourceType: types.ResourceTypeSnapshot, Tags: []types.Tag{{Key: aws.String("of"), Value: aws.String("web")}}},
			}})
		if err != nil {
			t.Fatal(err)
		}
		ami = aws.ToString(out.ImageId)
		in := getInstance(t, env, region, acct, inst)
		if in.RebootSeq != 1 {
			t.Errorf("RebootSeq = %d, want 1 (CreateImage reboots)", in.RebootSeq)
		}
		snaps := snapshots(t, env, region)
		if len(snaps) != 2 {
			t.Fatalf("%d snapshots, want 2 (root and /dev/sdf): %+v", len(snaps), snaps)
		}
		byVol := map[string]ebs.Snapshot{}
		for _, s := range snaps {
			byVol[s.VolumeID] = s
		}
		root, vol := byVol[in.Root.VolumeID], byVol[data.ID]
		for _, tc := range []struct {
			s          ebs.Snapshot
			volume     string
			size       int32
			host       string
			wantReboot int
		}{{root, in.Root.VolumeID, 2, in.Host, 1}, {vol, data.ID, 10, "other-host", 1}} {
			s := tc.s
			if s.State != ebs.SnapshotPending || s.Account != acct || s.VolumeSizeGiB != tc.size || s.Host != tc.host || s.AfterReboot != tc.wantReboot {
				t.Errorf("snapshot of %s: %+v", tc.volume, s)
			}
			if want := "Created by CreateImage(" + inst + ") for " + ami + " from " + tc.volume; s.Description != want {
				t.Errorf("description %q, want %q", s.Description, want)
			}
			if s.Tags["of"] != "web" {
				t.Errorf("snapshot tags %v", s.Tags)
			}
		}
		img := describeOne(t, c, ami)
		if img.State != types.ImageStatePending || aws.ToString(img.Name) != "web" || aws.ToString(img.Description) != "web server" ||
			aws.ToString(img.SourceInstanceId) != inst || aws.ToString(img.RootDeviceName) != "/dev/xvda" || img.Architecture != types.ArchitectureValuesX8664 ||
			img.BootMode != types.BootModeValuesUefiPreferred || aws.ToBool(img.Public) || aws.ToString(img.OwnerId) != acct || img.ImageOwnerAlias != nil {
			t.Errorf("image %+v", img)
		}
		want := []types.BlockDeviceMapping{
			{DeviceName: aws.String("/dev/xvda"), Ebs: &types.EbsBlockDevice{SnapshotId: aws.String(root.ID), VolumeSize: aws.Int32(20), VolumeType: types.VolumeTypeGp3,
				Iops: aws.Int32(3000), Throughput: aws.Int32(125), DeleteOnTermination: aws.Bool(true), Encrypted: aws.Bool(false)}},
			{DeviceName: aws.String("/dev/sdf"), Ebs: &types.EbsBlockDevice{SnapshotId: aws.String(vol.ID), VolumeSize: aws.Int32(10), VolumeType: types.VolumeTypeGp2,
				DeleteOnTermination: aws.Bool(false), Encrypted: aws.Bool(false)}},
			{DeviceName: aws.String("/dev/sdb"), VirtualName: aws.String("ephemeral0")},
			{DeviceName: aws.String("/dev/sdc"), NoDevice: aws.String("")},
			{DeviceName: aws.String("/dev/sdh"), Ebs: &types.EbsBlockDevice{VolumeSize: aws.Int32(5), VolumeType: types.VolumeTypeGp2,
				DeleteOnTermination: aws.Bool(true), Encrypted: aws.Bool(false)}},
		}
		if diff := cmp.Diff(want, img.BlockDeviceMappings, ignoreUnexported); diff != "" {
			t.Errorf("mappings (-want +got):\n%s", diff)
		}
		if len(img.Tags) != 1 || aws.ToString(img.Tags[0].Key) != "app" {
			t.Errorf("image tags %+v", img.Tags)
		}
		rec := imageRecord(t, env, region, acct, ami)
		if rec.KernelFrom != images.MinimalName || rec.Builtin != "" || rec.RebootSeq != 1 || rec.RootSnapshotID != root.ID || rec.RootSizeGiB != 20 {
			t.Errorf("record: kernel %q builtin %q reboot %d root %s/%d", rec.KernelFrom, rec.Builtin, rec.RebootSeq, rec.RootSnapshotID, rec.RootSizeGiB)
		}
	})
	t.Run("pending image cannot be launched", func(t *testing.T) {
		_, err := c.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String(ami), MinCount: aws.Int32(1), MaxCount: aws.Int32(1)})
		wantCode(t, err, "InvalidAMIID.Unavailable")
	})
	t.Run("refresh: snapshots completed, image available", func(t *testing.T) {
		refresh(t, env, region)
		if s := describeOne(t, c, ami).State; s != types.ImageStatePending {
			t.Fatalf("state %s before the snapshots completed", s)
		}
		finishSnapshots(t, env, region, ebs.SnapshotCompleted)
		if s := describeOne(t, c, ami).State; s != types.ImageStateAvailable {
			t.Fatalf("state %s, want available", s)
		}
		child := launch(t, c, ami)
		if got := getInstance(t, env, region, acct, child); got.Root.SizeGiB != 20 || got.ImageID != ami {
			t.Errorf("launched from the new image: root %+v image %s", got.Root, got.ImageID)
		}
	})
	t.Run("no reboot", func(t *testing.T) {
		out, err := c.CreateImage(ctx, &ec2.CreateImageInput{InstanceId: aws.String(inst), Name: aws.String("web-noreboot"), NoReboot: aws.Bool(true)})
		if err != nil {
			t.Fatal(err)
		}
		if seq := getInstance(t, env, region, acct, inst).RebootSeq; seq != 1 {
			t.Errorf("RebootSeq = %d, want still 1", seq)
		}
		rec := imageRecord(t, env, region, acct, aws.ToString(out.ImageId))
		for _, id := range rec.Snapshots() {
			if s := snapshot(t, env, region, id); s.AfterReboot != 0 {
				t.Errorf("snapshot %s waits for reboot %d", id, s.AfterReboot)
			}
		}
	})
	t.Run("stopped instance is not rebooted", func(t *testing.T) {
		setInstance(t, env, region, acct, inst, func(in *instances.Instance) { in.State = instances.Stopped })
		if _, err := c.CreateImage(ctx, &ec2.CreateImageInput{InstanceId: aws.String(inst), Name: aws.String("web-stopped")}); err != nil {
			t.Fatal(err)
		}
		if seq := getInstance(t, env, region, acct, inst).RebootSeq; seq != 1 {
			t.Errorf("RebootSeq = %d, want still 1", seq)
		}
	})
	t.Run("refresh: a failed snapshot fails the image", func(t *testing.T) {
		finishSnapshots(t, env, region, ebs.SnapshotError)
		out, err := c.DescribeImages(ctx, &ec2.DescribeImagesInput{Owners: []string{"self"},
			Filters: []types.Filter{{Name: aws.String("name"), Values: []string{"web-*"}}}})
		if err != nil || len(out.Images) != 2 {
			t.Fatalf("%+v %v", out, err)
		}
		for _, img := range out.Images {
			if img.State != types.ImageStateFailed || img.StateReason == nil || aws.ToString(img.StateReason.Code) != "Server.InternalError" {
				t.Errorf("%s: state %s reason %+v", aws.ToString(img.Name), img.State, img.StateReason)
			}
		}
	})
}

func TestNextState(t *testing.T) {
	snaps := []ebs.Snapshot{
		{Meta: newMeta(ebs.SnapshotKind, "r", "a"), State: ebs.SnapshotCompleted},
		{Meta: newMeta(ebs.SnapshotKind, "r", "a"), State: ebs.SnapshotPending},
		{Meta: newMeta(ebs.SnapshotKind, "r", "a"), State: ebs.SnapshotError},
	}
	done, pending, failed := snaps[0].ID, snaps[1].ID, snaps[2].ID
	img := func(ids ...string) *images.Image {
		i := &images.Image{}
		for _, id := range ids {
			i.BlockDeviceMappings = append(i.BlockDeviceMappings, images.Mapping{DeviceName: "/dev/sd" + id[len(id)-1:], EBS: &images.EBSMapping{SnapshotID: id}})
		}
		i.BlockDeviceMappings = append(i.BlockDeviceMappings, images.Mapping{DeviceName: "/dev/sdz", VirtualName: "ephemeral0"})
		return i
	}
	for _, tt := range []struct {
		name   string
		img    *images.Image
		state  string
		reason string
	}{
		{"all completed", img(done), images.Available, ""},
		{"one pending", img(done, pending), images.Pending, ""},
		{"one failed", img(pending, failed), images.Failed, "Server.InternalError"},
		{"one gone", img(done, "snap-0123456789abcdef0"), images.Failed, "Client.InvalidSnapshot.NotFound"},
		{"no snapshots", img(), images.Available, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			state, reason := images.NextState(tt.img, snaps)
			code := ""
			if reason != nil {
				code = reason.Code
			}
			if state != tt.state || code != tt.reason {
				t.Errorf("got %s %q, want %s %q", state, code, tt.state, tt.reason)
			}
		})
	}
}
