package ebs_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/kumo-cloud/kumo/internal/ec2/ebs"
	"github.com/kumo-cloud/kumo/internal/ec2/instances"
	"github.com/kumo-cloud/kumo/internal/testenv"
)

// No host agent runs in these tests: volumes stay creating and snapshots
// pending until the helpers below play the agent's part on the records.

// code is the AWS error code of err.
func code(err error) string { return testenv.Code(err) }

func wantCode(t *testing.T, err error, want string) {
	t.Helper()
	if code(err) != want {
		t.Fatalf("got %v, want %s", err, want)
	}
}

type fixture struct {
	env *testenv.Env
	c   *ec2.Client
	ctx context.Context
	ebs *ebs.Store
}

func start(t *testing.T, opts ...testenv.Option) *fixture {
	env := testenv.Start(t, opts...)
	return &fixture{env: env, c: env.EC2(), ctx: context.Background(), ebs: &ebs.Store{S: env.Daemon.Store}}
}

func (f *fixture) region() string { return f.env.Config.Regions[0] }

// volume creates a volume as the operator and, unless creating is wanted,
// has the agent's part done: its file made, the volume available.
func (f *fixture) volume(t *testing.T, in *ec2.CreateVolumeInput) string {
	t.Helper()
	if in.AvailabilityZone == nil {
		in.AvailabilityZone = aws.String("us-east-1a")
	}
	out, err := f.c.CreateVolume(f.ctx, in)
	if err != nil {
		t.Fatalf("create volume: %v", err)
	}
	id := aws.ToString(out.VolumeId)
	f.makeAvailable(t, f.env.AccountID, id)
	return id
}

func (f *fixture) makeAvailable(t *testing.T, account, id string) {
	t.Helper()
	if _, err := f.ebs.UpdateVolume(f.ctx, f.region(), account, id, func(v *ebs.Volume) error {
		v.State, v.File, v.FileSizeGiB = ebs.VolumeAvailable, "vol-file-"+v.ID, v.SizeGiB
		if v.Attachment != nil {
			v.State = ebs.VolumeInUse
		}
		return nil
	}); err != nil {
		t.Fatalf("make %s available: %v", id, err)
	}
}

// completeSnapshot plays the agent taking a pending snapshot.
func (f *fixture) completeSnapshot(t *testing.T, account, id string) {
	t.Helper()
	if _, err := f.ebs.UpdateSnapshot(f.ctx, f.region(), account, id, func(sn *ebs.Snapshot) error {
		sn.State, sn.Progress, sn.Layer = ebs.SnapshotCompleted, 100, "layer-"+sn.ID
		return nil
	}); err != nil {
		t.Fatalf("complete %s: %v", id, err)
	}
}

// agentDetached plays the agent unplugging a detaching volume.
func (f *fixture) agentDetached(t *testing.T, id, instanceID string) {
	t.Helper()
	if _, err := f.ebs.UpdateVolume(f.ctx, f.region(), f.env.AccountID, id, func(v *ebs.Volume) error {
		if a := v.AttachmentTo(instanceID); a == nil || a.State != ebs.Detaching {
			t.Errorf("%s to %s is not detaching: %+v", id, instanceID, a)
		}
		v.Detach(instanceID)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// agentAttached plays the agent hot-plugging an attaching volume.
func (f *fixture) agentAttached(t *testing.T, id, instanceID string) {
	t.Helper()
	if _, err := f.ebs.UpdateVolume(f.ctx, f.region(), f.env.AccountID, id, func(v *ebs.Volume) error {
		v.AttachmentTo(instanceID).State = ebs.Attached
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// instance launches an instance in a zone and sets its state directly.
func (f *fixture) instance(t *testing.T, zone string, state instances.State) string {
	t.Helper()
	imgs, err := f.c.DescribeImages(f.ctx, &ec2.DescribeImagesInput{Owners: []string{"amazon"}})
	if err != nil || len(imgs.Images) == 0 {
		t.Fatalf("images: %v", err)
	}
	out, err := f.c.RunInstances(f.ctx, &ec2.RunInstancesInput{ImageId: imgs.Images[0].ImageId, InstanceType: types.InstanceTypeT3Micro,
		MinCount: aws.Int32(1), MaxCount: aws.Int32(1), Placement: &types.Placement{AvailabilityZone: aws.String(zone)}})
	if err != nil {
		t.Fatalf("run instance: %v", err)
	}
	id := aws.ToString(out.Instances[0].InstanceId)
	f.setInstance(t, id, state)
	return id
}

func (f *fixture) setInstance(t *testing.T, id string, state instances.State) {
	t.Helper()
	st := &instances.Store{S: f.env.Daemon.Store}
	if _, err := st.Update(f.ctx, f.region(), f.env.AccountID, id, func(in *instances.Instance) error {
		in.State, in.Desired = state, state
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) describeVolume(t *testing.T, id string) types.Volume {
	t.Helper()
	out, err := f.c.DescribeVolumes(f.ctx, &ec2.DescribeVolumesInput{VolumeIds: []string{id}})
	if err != nil || len(out.Volumes) != 1 {
		t.Fatalf("describe %s: %+v %v", id, out, err)
	}
	return out.Volumes[0]
}

func (f *fixture) describeSnapshot(t *testing.T, c *ec2.Client, id string) types.Snapshot {
	t.Helper()
	out, err := c.DescribeSnapshots(f.ctx, &ec2.DescribeSnapshotsInput{SnapshotIds: []string{id}})
	if err != nil || len(out.Snapshots) != 1 {
		t.Fatalf("describe %s: %+v %v", id, out, err)
	}
	return out.Snapshots[0]
}

// records is every EBS record of the store, to check that failed calls
// change nothing.
type records struct {
	volumes   []ebs.Volume
	snapshots []ebs.Snapshot
}

func (f *fixture) records(t *testing.T) records {
	t.Helper()
	v, err := f.ebs.AllVolumes(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	s, err := f.ebs.AllSnapshots(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	return records{v, s}
}

// failsCleanly runs a call that must fail with code and change no record.
func (f *fixture) failsCleanly(t *testing.T, want string, call func() error) {
	t.Helper()
	before := f.records(t)
	wantCode(t, call(), want)
	if after := f.records(t); !reflect.DeepEqual(before, after) {
		t.Fatalf("a failed call changed the records:\nbefore %+v\nafter  %+v", before, after)
	}
}
