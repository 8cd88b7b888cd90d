package ebs_test

import (
	"context"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awsquery/ec2api"
	"github.com/kumo-cloud/kumo/internal/ec2/ebs"
	"github.com/kumo-cloud/kumo/internal/ec2/instances"
)

// account makes another account and returns its id and an EC2 client.
func (f *fixture) account(t *testing.T, name string) (string, *ec2.Client) {
	t.Helper()
	a, key, err := f.env.Daemon.Accounts.Create(f.ctx, name, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	return a.ID, f.env.EC2As(key.ID, key.Secret)
}

func (f *fixture) snapshot(t *testing.T, volume string, tags ...types.Tag) string {
	t.Helper()
	in := &ec2.CreateSnapshotInput{VolumeId: aws.String(volume), Description: aws.String("snap of " + volume)}
	if len(tags) > 0 {
		in.TagSpecifications = []types.TagSpecification{{ResourceType: types.ResourceTypeSnapshot, Tags: tags}}
	}
	out, err := f.c.CreateSnapshot(f.ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.SnapshotId)
}

func snapshotIDs(t *testing.T, c *ec2.Client, in *ec2.DescribeSnapshotsInput) []string {
	t.Helper()
	out, err := c.DescribeSnapshots(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, s := range out.Snapshots {
		ids = append(ids, aws.ToString(s.SnapshotId))
	}
	slices.Sort(ids)
	return ids
}

func TestCreateSnapshot(t *testing.T) {
	f := start(t)
	vol := f.volume(t, &ec2.CreateVolumeInput{Size: aws.Int32(20), Encrypted: aws.Bool(true)})
	creating, err := f.c.CreateVolume(f.ctx, &ec2.CreateVolumeInput{AvailabilityZone: aws.String("us-east-1a"), Size: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	snap := func(id string, mod func(*ec2.CreateSnapshotInput)) func() error {
		return func() error {
			in := &ec2.CreateSnapshotInput{VolumeId: aws.String(id)}
			if mod != nil {
				mod(in)
			}
			_, err := f.c.CreateSnapshot(f.ctx, in)
			return err
		}
	}
	for _, tt := range []struct {
		name string
		call func() error
		code string
	}{
		{"creating volume", snap(aws.ToString(creating.VolumeId), nil), "IncorrectState"},
		{"unknown volume", snap("vol-0123456789abcdef0", nil), "InvalidVolume.NotFound"},
		{"malformed volume", snap("volume-1", nil), "InvalidVolumeID.Malformed"},
		{"tags for volumes", snap(vol, func(in *ec2.CreateSnapshotInput) {
			in.TagSpecifications = []types.TagSpecification{{ResourceType: types.ResourceTypeVolume, Tags: []types.Tag{{Key: aws.String("a"), Value: aws.String("b")}}}}
		}), "InvalidParameterValue"},
		{"dry run", snap(vol, func(in *ec2.CreateSnapshotInput) { in.DryRun = aws.Bool(true) }), "DryRunOperation"},
	} {
		t.Run(tt.name, func(t *testing.T) { f.failsCleanly(t, tt.code, tt.call) })
	}
	out, err := f.c.CreateSnapshot(f.ctx, &ec2.CreateSnapshotInput{VolumeId: aws.String(vol), Description: aws.String("nightly"),
		TagSpecifications: []types.TagSpecification{{ResourceType: types.ResourceTypeSnapshot, Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}}}})
	if err != nil {
		t.Fatal(err)
	}
	switch {
	case out.State != types.SnapshotStatePending, aws.ToString(out.VolumeId) != vol, aws.ToInt32(out.VolumeSize) != 20,
		aws.ToString(out.OwnerId) != f.env.AccountID, aws.ToString(out.Description) != "nightly", !aws.ToBool(out.Encrypted),
		aws.ToString(out.KmsKeyId) == "", len(out.Tags) != 1, out.StartTime == nil:
		t.Fatalf("snapshot %+v", out)
	}
	rec, _, err := f.ebs.GetSnapshot(f.ctx, f.region(), f.env.AccountID, aws.ToString(out.SnapshotId))
	if err != nil || rec.Host != f.env.Config.HostName || rec.State != ebs.SnapshotPending {
		t.Fatalf("record %+v %v", rec, err)
	}
	t.Run("pending snapshots per volume", func(t *testing.T) {
		for range ebs.MaxPendingSnapshots - 1 {
			f.snapshot(t, vol)
		}
		f.failsCleanly(t, "SnapshotCreationPerVolumeRateExceeded", snap(vol, nil))
	})
	t.Run("a pending snapshot stays", func(t *testing.T) {
		f.failsCleanly(t, "IncorrectState", func() error {
			_, err := f.c.DeleteSnapshot(f.ctx, &ec2.DeleteSnapshotInput{SnapshotId: out.SnapshotId})
			return err
		})
	})
	t.Run("volumes of a pending snapshot wait", func(t *testing.T) {
		f.failsCleanly(t, "IncorrectState", func() error {
			_, err := f.c.CreateVolume(f.ctx, &ec2.CreateVolumeInput{AvailabilityZone: aws.String("us-east-1a"), SnapshotId: out.SnapshotId})
			return err
		})
	})
	t.Run("volume from the completed snapshot", func(t *testing.T) {
		f.completeSnapshot(t, f.env.AccountID, aws.ToString(out.SnapshotId))
		if s := f.describeSnapshot(t, f.c, aws.ToString(out.SnapshotId)); s.State != types.SnapshotStateCompleted || aws.ToString(s.Progress) != "100%" {
			t.Fatalf("completed %+v", s)
		}
		f.failsCleanly(t, "InvalidParameterValue", func() error {
			_, err := f.c.CreateVolume(f.ctx, &ec2.CreateVolumeInput{AvailabilityZone: aws.String("us-east-1a"), SnapshotId: out.SnapshotId, Size: aws.Int32(19)})
			return err
		})
		v, err := f.c.CreateVolume(f.ctx, &ec2.CreateVolumeInput{AvailabilityZone: aws.String("us-east-1a"), SnapshotId: out.SnapshotId, VolumeType: types.VolumeTypeGp3})
		if err != nil || aws.ToInt32(v.Size) != 20 || aws.ToString(v.SnapshotId) != aws.ToString(out.SnapshotId) || !aws.ToBool(v.Encrypted) ||
			aws.ToString(v.KmsKeyId) != aws.ToString(out.KmsKeyId) {
			t.Fatalf("volume from snapshot %+v %v", v, err)
		}
		v, err = f.c.CreateVolume(f.ctx, &ec2.CreateVolumeInput{AvailabilityZone: aws.String("us-east-1a"), SnapshotId: out.SnapshotId, Size: aws.Int32(50)})
		if err != nil || aws.ToInt32(v.Size) != 50 {
			t.Fatalf("larger volume from snapshot %+v %v", v, err)
		}
	})
}

func TestDeleteSnapshot(t *testing.T) {
	f := start(t)
	vol := f.volume(t, &ec2.CreateVolumeInput{Size: aws.Int32(1)})
	id := f.snapshot(t, vol)
	f.completeSnapshot(t, f.env.AccountID, id)

	// The AMI hook, as the lead wires it: a handler built on the same store.
	h := &ebs.Handlers{Store: f.ebs, InUseByImage: func(_ context.Context, region, account, snap string) (string, error) {
		if snap == id {
			return "ami-0123456789abcdef0", nil
		}
		return "", nil
	}}
	r := &api.Request{Region: f.region(), AccountID: f.env.AccountID}
	_, err := h.DeleteSnapshot(f.ctx, r, &ec2api.DeleteSnapshotRequest{SnapshotId: aws.String(id)})
	if errCode(err) != "InvalidSnapshot.InUse" {
		t.Fatalf("delete a snapshot an AMI uses: %v", err)
	}
	f.failsCleanly(t, "InvalidSnapshot.NotFound", func() error {
		_, err := f.c.DeleteSnapshot(f.ctx, &ec2.DeleteSnapshotInput{SnapshotId: aws.String("snap-0123456789abcdef0")})
		return err
	})
	f.failsCleanly(t, "DryRunOperation", func() error {
		_, err := f.c.DeleteSnapshot(f.ctx, &ec2.DeleteSnapshotInput{SnapshotId: aws.String(id), DryRun: aws.Bool(true)})
		return err
	})
	if _, err := f.c.DeleteSnapshot(f.ctx, &ec2.DeleteSnapshotInput{SnapshotId: aws.String(id)}); err != nil {
		t.Fatal(err)
	}
	_, err = f.c.DescribeSnapshots(f.ctx, &ec2.DescribeSnapshotsInput{SnapshotIds: []string{id}})
	wantCode(t, err, "InvalidSnapshot.NotFound")
}

func TestCopySnapshot(t *testing.T) {
	f := start(t)
	otherID, other := f.account(t, "other")
	vol := f.volume(t, &ec2.CreateVolumeInput{Size: aws.Int32(6)})
	src := f.snapshot(t, vol)
	copyOf := func(c *ec2.Client, in *ec2.CopySnapshotInput) func() error {
		return func() error { _, err := c.CopySnapshot(f.ctx, in); return err }
	}
	f.failsCleanly(t, "IncorrectState", copyOf(f.c, &ec2.CopySnapshotInput{SourceRegion: aws.String(f.region()), SourceSnapshotId: aws.String(src)}))
	f.completeSnapshot(t, f.env.AccountID, src)
	for _, tt := range []struct {
		name string
		in   *ec2.CopySnapshotInput
		code string
	}{
		{"unknown", &ec2.CopySnapshotInput{SourceRegion: aws.String(f.region()), SourceSnapshotId: aws.String("snap-0123456789abcdef0")}, "InvalidSnapshot.NotFound"},
		{"other region", &ec2.CopySnapshotInput{SourceRegion: aws.String("eu-west-1"), SourceSnapshotId: aws.String(src)}, "InvalidSnapshot.NotFound"},
		{"kms key unencrypted", &ec2.CopySnapshotInput{SourceRegion: aws.String(f.region()), SourceSnapshotId: aws.String(src), KmsKeyId: aws.String("k")}, "InvalidParameterDependency"},
		{"dry run", &ec2.CopySnapshotInput{SourceRegion: aws.String(f.region()), SourceSnapshotId: aws.String(src), DryRun: aws.Bool(true)}, "DryRunOperation"},
	} {
		t.Run(tt.name, func(t *testing.T) { f.failsCleanly(t, tt.code, copyOf(f.c, tt.in)) })
	}
	out, err := f.c.CopySnapshot(f.ctx, &ec2.CopySnapshotInput{SourceRegion: aws.String(f.region()), SourceSnapshotId: aws.String(src), Encrypted: aws.Bool(true),
		TagSpecifications: []types.TagSpecification{{ResourceType: types.ResourceTypeSnapshot, Tags: []types.Tag{{Key: aws.String("copy"), Value: aws.String("1")}}}}})
	if err != nil || len(out.Tags) != 1 {
		t.Fatalf("copy %+v %v", out, err)
	}
	cp := f.describeSnapshot(t, f.c, aws.ToString(out.SnapshotId))
	if cp.State != types.SnapshotStatePending || aws.ToString(cp.VolumeId) != ebs.CopiedVolumeID || aws.ToInt32(cp.VolumeSize) != 6 ||
		!aws.ToBool(cp.Encrypted) || aws.ToString(cp.Description) != "[Copied "+src+" from "+f.region()+"]" {
		t.Fatalf("copy %+v", cp)
	}
	rec, _, err := f.ebs.GetSnapshot(f.ctx, f.region(), f.env.AccountID, aws.ToString(out.SnapshotId))
	if err != nil || rec.SourceSnapshotID != src || rec.SourceRegion != f.region() || rec.Host != f.env.Config.HostName {
		t.Fatalf("copy record %+v %v", rec, err)
	}
	t.Run("a shared snapshot copies into the other account", func(t *testing.T) {
		wantCode(t, copyOf(other, &ec2.CopySnapshotInput{SourceRegion: aws.String(f.region()), SourceSnapshotId: aws.String(src)})(), "InvalidSnapshot.NotFound")
		if _, err := f.c.ModifySnapshotAttribute(f.ctx, &ec2.ModifySnapshotAttributeInput{SnapshotId: aws.String(src),
			OperationType: types.OperationTypeAdd, UserIds: []string{otherID}}); err != nil {
			t.Fatal(err)
		}
		out, err := other.CopySnapshot(f.ctx, &ec2.CopySnapshotInput{SourceRegion: aws.String(f.region()), SourceSnapshotId: aws.String(src), Description: aws.String("mine")})
		if err != nil {
			t.Fatal(err)
		}
		cp := f.describeSnapshot(t, other, aws.ToString(out.SnapshotId))
		if aws.ToString(cp.OwnerId) != otherID || aws.ToString(cp.Description) != "mine" {
			t.Fatalf("other's copy %+v", cp)
		}
	})
}

func TestCreateSnapshots(t *testing.T) {
	f := start(t)
	inst := f.instance(t, "us-east-1a", instances.Running)
	data := f.volume(t, &ec2.CreateVolumeInput{Size: aws.Int32(2), TagSpecifications: []types.TagSpecification{{ResourceType: types.ResourceTypeVolume,
		Tags: []types.Tag{{Key: aws.String("role"), Value: aws.String("data")}}}}})
	if _, err := f.c.AttachVolume(f.ctx, &ec2.AttachVolumeInput{VolumeId: aws.String(data), InstanceId: aws.String(inst), Device: aws.String("/dev/sdf")}); err != nil {
		t.Fatal(err)
	}
	// The agent made the root volume's file at the first boot.
	desc, err := f.c.DescribeInstances(f.ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{inst}})
	if err != nil {
		t.Fatal(err)
	}
	root := aws.ToString(desc.Reservations[0].Instances[0].BlockDeviceMappings[0].Ebs.VolumeId)
	f.makeAvailable(t, f.env.AccountID, root)

	f.failsCleanly(t, "InvalidInstanceID.NotFound", func() error {
		_, err := f.c.CreateSnapshots(f.ctx, &ec2.CreateSnapshotsInput{InstanceSpecification: &types.InstanceSpecification{InstanceId: aws.String("i-0123456789abcdef0")}})
		return err
	})
	f.failsCleanly(t, "InvalidParameterValue", func() error {
		_, err := f.c.CreateSnapshots(f.ctx, &ec2.CreateSnapshotsInput{InstanceSpecification: &types.InstanceSpecification{InstanceId: aws.String(inst)}, CopyTagsFromSource: "instance"})
		return err
	})
	out, err := f.c.CreateSnapshots(f.ctx, &ec2.CreateSnapshotsInput{InstanceSpecification: &types.InstanceSpecification{InstanceId: aws.String(inst)},
		Description: aws.String("both"), CopyTagsFromSource: types.CopyTagsFromSourceVolume,
		TagSpecifications: []types.TagSpecification{{ResourceType: types.ResourceTypeSnapshot, Tags: []types.Tag{{Key: aws.String("set"), Value: aws.String("1")}}}}})
	if err != nil || len(out.Snapshots) != 2 {
		t.Fatalf("snapshots %+v %v", out, err)
	}
	var group string
	for _, s := range out.Snapshots {
		rec, _, err := f.ebs.GetSnapshot(f.ctx, f.region(), f.env.AccountID, aws.ToString(s.SnapshotId))
		if err != nil || rec.GroupID == "" || (group != "" && rec.GroupID != group) {
			t.Fatalf("group of %+v %v", rec, err)
		}
		group = rec.GroupID
		if aws.ToString(s.VolumeId) == data && len(s.Tags) != 2 {
			t.Fatalf("data volume snapshot tags %+v", s.Tags)
		}
	}
	out, err = f.c.CreateSnapshots(f.ctx, &ec2.CreateSnapshotsInput{InstanceSpecification: &types.InstanceSpecification{InstanceId: aws.String(inst), ExcludeBootVolume: aws.Bool(true)}})
	if err != nil || len(out.Snapshots) != 1 || aws.ToString(out.Snapshots[0].VolumeId) != data {
		t.Fatalf("without the boot volume %+v %v", out, err)
	}
	out, err = f.c.CreateSnapshots(f.ctx, &ec2.CreateSnapshotsInput{InstanceSpecification: &types.InstanceSpecification{InstanceId: aws.String(inst), ExcludeDataVolumeIds: []string{data}}})
	if err != nil || len(out.Snapshots) != 1 || aws.ToString(out.Snapshots[0].VolumeId) != root {
		t.Fatalf("without the data volume %+v %v", out, err)
	}
}
