package ebs_test

import (
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

func TestSnapshotSharing(t *testing.T) {
	f := start(t)
	secondID, second := f.account(t, "second")
	_, third := f.account(t, "third")
	vol := f.volume(t, &ec2.CreateVolumeInput{Size: aws.Int32(8)})
	shared := f.snapshot(t, vol, types.Tag{Key: aws.String("owner-only"), Value: aws.String("yes")})
	private := f.snapshot(t, vol)
	f.completeSnapshot(t, f.env.AccountID, shared)
	f.completeSnapshot(t, f.env.AccountID, private)
	own := []string{private, shared}
	slices.Sort(own)

	if got := snapshotIDs(t, f.c, &ec2.DescribeSnapshotsInput{OwnerIds: []string{"self"}}); !slices.Equal(got, own) {
		t.Fatalf("own snapshots %v, want %v", got, own)
	}
	if got := snapshotIDs(t, second, &ec2.DescribeSnapshotsInput{}); len(got) != 0 {
		t.Fatalf("second sees %v before sharing", got)
	}
	for _, tt := range []struct {
		name string
		in   *ec2.ModifySnapshotAttributeInput
		code string
	}{
		{"bad account", &ec2.ModifySnapshotAttributeInput{SnapshotId: aws.String(shared), Attribute: types.SnapshotAttributeNameCreateVolumePermission,
			OperationType: types.OperationTypeAdd, UserIds: []string{"12345"}}, "InvalidUserID.Malformed"},
		{"bad group", &ec2.ModifySnapshotAttributeInput{SnapshotId: aws.String(shared), Attribute: types.SnapshotAttributeNameCreateVolumePermission,
			OperationType: types.OperationTypeAdd, GroupNames: []string{"friends"}}, "InvalidParameterValue"},
		{"product codes", &ec2.ModifySnapshotAttributeInput{SnapshotId: aws.String(shared), Attribute: types.SnapshotAttributeNameProductCodes,
			OperationType: types.OperationTypeAdd, UserIds: []string{secondID}}, "InvalidParameterValue"},
		{"nothing to change", &ec2.ModifySnapshotAttributeInput{SnapshotId: aws.String(shared), Attribute: types.SnapshotAttributeNameCreateVolumePermission}, "MissingParameter"},
		{"unknown snapshot", &ec2.ModifySnapshotAttributeInput{SnapshotId: aws.String("snap-0123456789abcdef0"), OperationType: types.OperationTypeAdd, UserIds: []string{secondID}}, "InvalidSnapshot.NotFound"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f.failsCleanly(t, tt.code, func() error { _, err := f.c.ModifySnapshotAttribute(f.ctx, tt.in); return err })
		})
	}
	if _, err := f.c.ModifySnapshotAttribute(f.ctx, &ec2.ModifySnapshotAttributeInput{SnapshotId: aws.String(shared),
		Attribute: types.SnapshotAttributeNameCreateVolumePermission, OperationType: types.OperationTypeAdd, UserIds: []string{secondID}}); err != nil {
		t.Fatal(err)
	}
	attr, err := f.c.DescribeSnapshotAttribute(f.ctx, &ec2.DescribeSnapshotAttributeInput{SnapshotId: aws.String(shared), Attribute: types.SnapshotAttributeNameCreateVolumePermission})
	if err != nil || len(attr.CreateVolumePermissions) != 1 || aws.ToString(attr.CreateVolumePermissions[0].UserId) != secondID {
		t.Fatalf("permissions %+v %v", attr, err)
	}

	t.Run("the second account sees and uses it", func(t *testing.T) {
		if got := snapshotIDs(t, second, &ec2.DescribeSnapshotsInput{}); !slices.Equal(got, []string{shared}) {
			t.Fatalf("second sees %v", got)
		}
		if s := f.describeSnapshot(t, second, shared); len(s.Tags) != 0 || aws.ToString(s.OwnerId) != f.env.AccountID {
			t.Fatalf("shared snapshot as the second sees it %+v", s)
		}
		for _, in := range []*ec2.DescribeSnapshotsInput{
			{RestorableByUserIds: []string{"self"}}, {OwnerIds: []string{f.env.AccountID}}, {RestorableByUserIds: []string{secondID}},
		} {
			if got := snapshotIDs(t, second, in); !slices.Equal(got, []string{shared}) {
				t.Errorf("%+v: %v", in, got)
			}
		}
		if got := snapshotIDs(t, second, &ec2.DescribeSnapshotsInput{OwnerIds: []string{"self"}}); len(got) != 0 {
			t.Errorf("second owns %v", got)
		}
		if got := snapshotIDs(t, f.c, &ec2.DescribeSnapshotsInput{RestorableByUserIds: []string{secondID}}); !slices.Equal(got, []string{shared}) {
			t.Errorf("owner's snapshots restorable by second: %v", got)
		}
		v, err := second.CreateVolume(f.ctx, &ec2.CreateVolumeInput{AvailabilityZone: aws.String("us-east-1a"), SnapshotId: aws.String(shared)})
		if err != nil || aws.ToString(v.SnapshotId) != shared {
			t.Fatalf("second's volume from the shared snapshot %+v %v", v, err)
		}
		_, err = second.DescribeSnapshots(f.ctx, &ec2.DescribeSnapshotsInput{SnapshotIds: []string{private}})
		wantCode(t, err, "InvalidSnapshot.NotFound")
		_, err = second.DeleteSnapshot(f.ctx, &ec2.DeleteSnapshotInput{SnapshotId: aws.String(shared)})
		wantCode(t, err, "InvalidSnapshot.NotFound")
		_, err = second.ModifySnapshotAttribute(f.ctx, &ec2.ModifySnapshotAttributeInput{SnapshotId: aws.String(shared),
			OperationType: types.OperationTypeAdd, UserIds: []string{secondID}})
		wantCode(t, err, "InvalidSnapshot.NotFound")
	})
	t.Run("a third account cannot", func(t *testing.T) {
		_, err := third.CreateVolume(f.ctx, &ec2.CreateVolumeInput{AvailabilityZone: aws.String("us-east-1a"), SnapshotId: aws.String(shared)})
		wantCode(t, err, "InvalidSnapshot.NotFound")
		_, err = third.DescribeSnapshots(f.ctx, &ec2.DescribeSnapshotsInput{SnapshotIds: []string{shared}})
		wantCode(t, err, "InvalidSnapshot.NotFound")
		_, err = third.CopySnapshot(f.ctx, &ec2.CopySnapshotInput{SourceRegion: aws.String(f.region()), SourceSnapshotId: aws.String(shared)})
		wantCode(t, err, "InvalidSnapshot.NotFound")
	})
	t.Run("public", func(t *testing.T) {
		if _, err := f.c.ModifySnapshotAttribute(f.ctx, &ec2.ModifySnapshotAttributeInput{SnapshotId: aws.String(private),
			CreateVolumePermission: &types.CreateVolumePermissionModifications{Add: []types.CreateVolumePermission{{Group: types.PermissionGroupAll}}}}); err != nil {
			t.Fatal(err)
		}
		if got := snapshotIDs(t, third, &ec2.DescribeSnapshotsInput{}); !slices.Equal(got, []string{private}) {
			t.Fatalf("third sees %v", got)
		}
		if got := snapshotIDs(t, third, &ec2.DescribeSnapshotsInput{RestorableByUserIds: []string{"all"}}); !slices.Equal(got, []string{private}) {
			t.Fatalf("public ones: %v", got)
		}
		if got := snapshotIDs(t, third, &ec2.DescribeSnapshotsInput{RestorableByUserIds: []string{"self"}}); len(got) != 0 {
			t.Fatalf("explicitly for third: %v", got)
		}
		if _, err := third.CreateVolume(f.ctx, &ec2.CreateVolumeInput{AvailabilityZone: aws.String("us-east-1a"), SnapshotId: aws.String(private)}); err != nil {
			t.Fatalf("volume from a public snapshot: %v", err)
		}
		attr, err := f.c.DescribeSnapshotAttribute(f.ctx, &ec2.DescribeSnapshotAttributeInput{SnapshotId: aws.String(private), Attribute: types.SnapshotAttributeNameCreateVolumePermission})
		if err != nil || len(attr.CreateVolumePermissions) != 1 || attr.CreateVolumePermissions[0].Group != types.PermissionGroupAll {
			t.Fatalf("public permissions %+v %v", attr, err)
		}
	})
	t.Run("reset and remove", func(t *testing.T) {
		if _, err := f.c.ResetSnapshotAttribute(f.ctx, &ec2.ResetSnapshotAttributeInput{SnapshotId: aws.String(private), Attribute: types.SnapshotAttributeNameCreateVolumePermission}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.c.ModifySnapshotAttribute(f.ctx, &ec2.ModifySnapshotAttributeInput{SnapshotId: aws.String(shared),
			Attribute: types.SnapshotAttributeNameCreateVolumePermission, OperationType: types.OperationTypeRemove, UserIds: []string{secondID}}); err != nil {
			t.Fatal(err)
		}
		for name, c := range map[string]*ec2.Client{"second": second, "third": third} {
			if got := snapshotIDs(t, c, &ec2.DescribeSnapshotsInput{}); len(got) != 0 {
				t.Errorf("%s still sees %v", name, got)
			}
		}
		_, err := f.c.ResetSnapshotAttribute(f.ctx, &ec2.ResetSnapshotAttributeInput{SnapshotId: aws.String(private), Attribute: types.SnapshotAttributeNameProductCodes})
		wantCode(t, err, "InvalidParameterValue")
	})
	t.Run("encrypted with the default key", func(t *testing.T) {
		ev := f.volume(t, &ec2.CreateVolumeInput{Size: aws.Int32(1), Encrypted: aws.Bool(true)})
		es := f.snapshot(t, ev)
		f.completeSnapshot(t, f.env.AccountID, es)
		for _, m := range []*types.CreateVolumePermissionModifications{
			{Add: []types.CreateVolumePermission{{Group: types.PermissionGroupAll}}},
			{Add: []types.CreateVolumePermission{{UserId: aws.String(secondID)}}},
		} {
			f.failsCleanly(t, "OperationNotPermitted", func() error {
				_, err := f.c.ModifySnapshotAttribute(f.ctx, &ec2.ModifySnapshotAttributeInput{SnapshotId: aws.String(es), CreateVolumePermission: m})
				return err
			})
		}
	})
}

func TestDescribeSnapshots(t *testing.T) {
	f := start(t)
	vol := f.volume(t, &ec2.CreateVolumeInput{Size: aws.Int32(3)})
	var ids []string
	for i := range 7 {
		id := f.snapshot(t, vol, types.Tag{Key: aws.String("i"), Value: aws.String(string(rune('0' + i)))})
		if i%2 == 0 {
			f.completeSnapshot(t, f.env.AccountID, id)
		}
		ids = append(ids, id)
	}
	flt := func(name string, values ...string) []types.Filter {
		return []types.Filter{{Name: aws.String(name), Values: values}}
	}
	for _, tt := range []struct {
		name string
		f    []types.Filter
		want int
	}{
		{"status", flt("status", "completed"), 4},
		{"progress", flt("progress", "0%"), 3},
		{"volume-id", flt("volume-id", vol), 7},
		{"volume-size", flt("volume-size", "3"), 7},
		{"owner-id", flt("owner-id", f.env.AccountID), 7},
		{"description", flt("description", "snap of *"), 7},
		{"tag", flt("tag:i", "1", "2"), 2},
		{"snapshot-id", flt("snapshot-id", ids[3]), 1},
		{"encrypted", flt("encrypted", "true"), 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := snapshotIDs(t, f.c, &ec2.DescribeSnapshotsInput{OwnerIds: []string{"self"}, Filters: tt.f}); len(got) != tt.want {
				t.Fatalf("got %d, want %d", len(got), tt.want)
			}
		})
	}
	t.Run("paging", func(t *testing.T) {
		var seen []string
		var token *string
		for pages := 0; ; pages++ {
			out, err := f.c.DescribeSnapshots(f.ctx, &ec2.DescribeSnapshotsInput{OwnerIds: []string{"self"}, MaxResults: aws.Int32(5), NextToken: token})
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range out.Snapshots {
				seen = append(seen, aws.ToString(s.SnapshotId))
			}
			if token = out.NextToken; token == nil {
				if pages != 1 {
					t.Fatalf("%d pages", pages+1)
				}
				break
			}
		}
		slices.Sort(seen)
		want := slices.Clone(ids)
		slices.Sort(want)
		if !slices.Equal(seen, want) {
			t.Fatalf("paged %v, want %v", seen, want)
		}
	})
	for _, tt := range []struct {
		name string
		in   *ec2.DescribeSnapshotsInput
		code string
	}{
		{"bad owner", &ec2.DescribeSnapshotsInput{OwnerIds: []string{"me"}}, "InvalidUserID.Malformed"},
		{"bad restorable-by", &ec2.DescribeSnapshotsInput{RestorableByUserIds: []string{"everyone"}}, "InvalidUserID.Malformed"},
		{"unknown filter", &ec2.DescribeSnapshotsInput{Filters: flt("size", "3")}, "InvalidParameterValue"},
		{"max results", &ec2.DescribeSnapshotsInput{MaxResults: aws.Int32(1001)}, "InvalidParameterValue"},
		{"malformed id", &ec2.DescribeSnapshotsInput{SnapshotIds: []string{"snap-x"}}, "InvalidSnapshotID.Malformed"},
		{"unknown id", &ec2.DescribeSnapshotsInput{SnapshotIds: []string{"snap-0123456789abcdef0"}}, "InvalidSnapshot.NotFound"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.c.DescribeSnapshots(f.ctx, tt.in)
			wantCode(t, err, tt.code)
		})
	}
	t.Run("tags through CreateTags", func(t *testing.T) {
		if _, err := f.c.CreateTags(f.ctx, &ec2.CreateTagsInput{Resources: []string{ids[0], vol},
			Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("db")}}}); err != nil {
			t.Fatal(err)
		}
		if got := snapshotIDs(t, f.c, &ec2.DescribeSnapshotsInput{Filters: flt("tag:team", "db")}); !slices.Equal(got, ids[:1]) {
			t.Fatalf("tagged snapshots %v", got)
		}
		out, err := f.c.DescribeVolumes(f.ctx, &ec2.DescribeVolumesInput{Filters: flt("tag:team", "db")})
		if err != nil || len(out.Volumes) != 1 {
			t.Fatalf("tagged volumes %+v %v", out, err)
		}
	})
}
