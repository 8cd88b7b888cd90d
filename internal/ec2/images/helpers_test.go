package images_test

import (
	"context"
	"go/token"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/google/go-cmp/cmp"

	"github.com/kumo-cloud/kumo/internal/ec2/ebs"
	"github.com/kumo-cloud/kumo/internal/ec2/images"
	"github.com/kumo-cloud/kumo/internal/ec2/instances"
	"github.com/kumo-cloud/kumo/internal/ec2/resource"
	"github.com/kumo-cloud/kumo/internal/testenv"
)

// These tests run without the host agent: instances stay pending and
// snapshots pending unless a helper moves them on, as the agent would.

// code is the AWS error code of err.
func code(err error) string { return testenv.Code(err) }

func wantCode(t *testing.T, err error, want string) {
	t.Helper()
	if code(err) != want {
		t.Fatalf("got %v, want %s", err, want)
	}
}

// account makes another account and returns its client and id.
func account(t *testing.T, env *testenv.Env, name string) (*ec2.Client, string) {
	t.Helper()
	a, key, err := env.Daemon.Accounts.Create(context.Background(), name, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	return env.EC2As(key.ID, key.Secret), a.ID
}

// builtin returns the id of kumo-minimal in the client's region.
func builtin(t *testing.T, c *ec2.Client) string {
	t.Helper()
	out, err := c.DescribeImages(context.Background(), &ec2.DescribeImagesInput{Owners: []string{"amazon"},
		Filters: []types.Filter{{Name: aws.String("name"), Values: []string{images.MinimalName}}}})
	if err != nil || len(out.Images) != 1 {
		t.Fatalf("built-in image: %+v %v", out, err)
	}
	return aws.ToString(out.Images[0].ImageId)
}

// launch starts one instance of ami and returns its id.
func launch(t *testing.T, c *ec2.Client, ami string) string {
	t.Helper()
	out, err := c.RunInstances(context.Background(), &ec2.RunInstancesInput{ImageId: aws.String(ami),
		InstanceType: types.InstanceTypeT3Micro, MinCount: aws.Int32(1), MaxCount: aws.Int32(1)})
	if err != nil {
		t.Fatalf("launch %s: %v", ami, err)
	}
	return aws.ToString(out.Instances[0].InstanceId)
}

// setInstance changes an instance record as the agent would.
func setInstance(t *testing.T, env *testenv.Env, region, account, id string, change func(*instances.Instance)) *instances.Instance {
	t.Helper()
	in, err := (&instances.Store{S: env.Daemon.Store}).Update(context.Background(), region, account, id, func(in *instances.Instance) error {
		change(in)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return in
}

func running(in *instances.Instance) { in.State = instances.Running }

func getInstance(t *testing.T, env *testenv.Env, region, account, id string) *instances.Instance {
	t.Helper()
	in, _, err := (&instances.Store{S: env.Daemon.Store}).Get(context.Background(), region, account, id)
	if err != nil {
		t.Fatal(err)
	}
	return in
}

// snapshots returns the region's snapshot records of every account.
func snapshots(t *testing.T, env *testenv.Env, region string) []ebs.Snapshot {
	t.Helper()
	out, err := (&ebs.Store{S: env.Daemon.Store}).RegionSnapshots(context.Background(), region)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func snapshot(t *testing.T, env *testenv.Env, region, id string) ebs.Snapshot {
	t.Helper()
	for _, s := range snapshots(t, env, region) {
		if s.ID == id {
			return s
		}
	}
	t.Fatalf("no snapshot %s in %s", id, region)
	return ebs.Snapshot{}
}

// finishSnapshots moves the region's pending snapshots to state (completed
// or error), as the agent does when it took them, then runs Refresh.
func finishSnapshots(t *testing.T, env *testenv.Env, region, state string) {
	t.Helper()
	ctx := context.Background()
	es := &ebs.Store{S: env.Daemon.Store}
	for _, s := range snapshots(t, env, region) {
		if s.State != ebs.SnapshotPending {
			continue
		}
		if _, err := es.UpdateSnapshot(ctx, s.Region, s.Account, s.ID, func(x *ebs.Snapshot) error {
			x.State, x.Progress = state, 100
			if state == ebs.SnapshotCompleted {
				x.Layer = x.ID + ".qcow2"
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	refresh(t, env, region)
}

func refresh(t *testing.T, env *testenv.Env, region string) {
	t.Helper()
	if err := (&images.Service{Store: env.Daemon.Store}).Refresh(context.Background(), region); err != nil {
		t.Fatal(err)
	}
}

// putSnapshot writes a completed snapshot record directly (what
// CreateSnapshot and the agent would leave).
func putSnapshot(t *testing.T, env *testenv.Env, s ebs.Snapshot) string {
	t.Helper()
	if s.ID == "" {
		s.ID = ebs.SnapshotKind.NewID()
	}
	if s.Region == "" {
		s.Region = "us-east-1"
	}
	if s.State == "" {
		s.State, s.Progress = ebs.SnapshotCompleted, 100
	}
	if s.VolumeSizeGiB == 0 {
		s.VolumeSizeGiB = 4
	}
	s.CreatedAt, s.StartTime = time.Now().UTC(), time.Now().UTC()
	if err := env.Daemon.Store.Txn().Put(ebs.SnapshotKind.Key(s.Region, s.Account, s.ID), &s).Commit(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s.ID
}

// imageRecord reads an image record directly.
func imageRecord(t *testing.T, env *testenv.Env, region, account, id string) images.Image {
	t.Helper()
	var img images.Image
	if _, err := env.Daemon.Store.Get(context.Background(), images.Kind.Key(region, account, id), &img); err != nil {
		t.Fatalf("image %s: %v", id, err)
	}
	return img
}

// describeOne returns one image as the client sees it.
func describeOne(t *testing.T, c *ec2.Client, id string) types.Image {
	t.Helper()
	out, err := c.DescribeImages(context.Background(), &ec2.DescribeImagesInput{ImageIds: []string{id}})
	if err != nil || len(out.Images) != 1 {
		t.Fatalf("describe %s: %+v %v", id, out, err)
	}
	return out.Images[0]
}

// ids returns the image ids of a DescribeImages answer.
func ids(out *ec2.DescribeImagesOutput) []string {
	var s []string
	for _, img := range out.Images {
		s = append(s, aws.ToString(img.ImageId))
	}
	return s
}

// putVolume writes an attached data volume record directly.
func putVolume(t *testing.T, env *testenv.Env, v ebs.Volume) {
	t.Helper()
	if err := env.Daemon.Store.Txn().Put(ebs.VolumeKind.Key(v.Region, v.Account, v.ID), &v).Commit(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func newMeta(kind resource.Kind, region, account string) resource.Meta {
	return resource.Meta{ID: kind.NewID(), Account: account, Region: region, CreatedAt: time.Now().UTC()}
}

// ignoreUnexported lets cmp compare SDK types, which carry unexported
// serde markers.
var ignoreUnexported = cmp.FilterPath(func(p cmp.Path) bool {
	sf, ok := p.Last().(cmp.StructField)
	return ok && !token.IsExported(sf.Name())
}, cmp.Ignore())
