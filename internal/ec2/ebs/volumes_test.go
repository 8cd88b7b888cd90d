package ebs_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/kumo-cloud/kumo/internal/ec2/ebs"
)

func TestCreateVolumeErrors(t *testing.T) {
	f := start(t)
	az := aws.String("us-east-1a")
	vol := func(mod func(*ec2.CreateVolumeInput)) func() error {
		return func() error {
			in := &ec2.CreateVolumeInput{AvailabilityZone: az, Size: aws.Int32(8)}
			mod(in)
			_, err := f.c.CreateVolume(f.ctx, in)
			return err
		}
	}
	tests := []struct {
		name string
		call func() error
		code string
	}{
		{"no zone", vol(func(in *ec2.CreateVolumeInput) { in.AvailabilityZone = nil }), "MissingParameter"},
		{"unknown zone", vol(func(in *ec2.CreateVolumeInput) { in.AvailabilityZone = aws.String("us-east-1z") }), "InvalidZone.NotFound"},
		{"zone of another region", vol(func(in *ec2.CreateVolumeInput) { in.AvailabilityZone = aws.String("eu-west-1a") }), "InvalidZone.NotFound"},
		{"no size nor snapshot", vol(func(in *ec2.CreateVolumeInput) { in.Size = nil }), "MissingParameter"},
		{"size zero", vol(func(in *ec2.CreateVolumeInput) { in.Size = aws.Int32(0) }), "InvalidParameterValue"},
		{"gp2 too large", vol(func(in *ec2.CreateVolumeInput) { in.Size = aws.Int32(16385) }), "InvalidParameterValue"},
		{"standard too large", vol(func(in *ec2.CreateVolumeInput) { in.VolumeType, in.Size = "standard", aws.Int32(1025) }), "InvalidParameterValue"},
		{"st1 too small", vol(func(in *ec2.CreateVolumeInput) { in.VolumeType = "st1" }), "InvalidParameterValue"},
		{"io1 too small", vol(func(in *ec2.CreateVolumeInput) { in.VolumeType, in.Size, in.Iops = "io1", aws.Int32(3), aws.Int32(100) }), "InvalidParameterValue"},
		{"unknown type", vol(func(in *ec2.CreateVolumeInput) { in.VolumeType = "gp9" }), "InvalidParameterValue"},
		{"iops on gp2", vol(func(in *ec2.CreateVolumeInput) { in.Iops = aws.Int32(100) }), "InvalidParameterCombination"},
		{"io2 without iops", vol(func(in *ec2.CreateVolumeInput) { in.VolumeType = "io2" }), "InvalidParameterCombination"},
		{"io1 ratio", vol(func(in *ec2.CreateVolumeInput) { in.VolumeType, in.Iops = "io1", aws.Int32(401) }), "InvalidParameterValue"},
		{"gp3 iops too low", vol(func(in *ec2.CreateVolumeInput) { in.VolumeType, in.Iops = "gp3", aws.Int32(2000) }), "InvalidParameterValue"},
		{"gp3 throughput ratio", vol(func(in *ec2.CreateVolumeInput) { in.VolumeType, in.Throughput = "gp3", aws.Int32(1000) }), "InvalidParameterValue"},
		{"throughput on io1", vol(func(in *ec2.CreateVolumeInput) {
			in.VolumeType, in.Iops, in.Throughput = "io1", aws.Int32(100), aws.Int32(200)
		}), "InvalidParameterCombination"},
		{"multi-attach gp3", vol(func(in *ec2.CreateVolumeInput) { in.VolumeType, in.MultiAttachEnabled = "gp3", aws.Bool(true) }), "InvalidParameterCombination"},
		{"kms key unencrypted", vol(func(in *ec2.CreateVolumeInput) { in.KmsKeyId = aws.String("alias/mine") }), "InvalidParameterDependency"},
		{"malformed snapshot", vol(func(in *ec2.CreateVolumeInput) { in.SnapshotId = aws.String("snap-zz") }), "InvalidSnapshotID.Malformed"},
		{"unknown snapshot", vol(func(in *ec2.CreateVolumeInput) { in.SnapshotId = aws.String("snap-0123456789abcdef0") }), "InvalidSnapshot.NotFound"},
		{"tags for another type", vol(func(in *ec2.CreateVolumeInput) {
			in.TagSpecifications = []types.TagSpecification{{ResourceType: types.ResourceTypeInstance, Tags: []types.Tag{{Key: aws.String("a"), Value: aws.String("b")}}}}
		}), "InvalidParameterValue"},
		{"reserved tag key", vol(func(in *ec2.CreateVolumeInput) {
			in.TagSpecifications = []types.TagSpecification{{ResourceType: types.ResourceTypeVolume, Tags: []types.Tag{{Key: aws.String("aws:x"), Value: aws.String("b")}}}}
		}), "InvalidParameterValue"},
		{"dry run", vol(func(in *ec2.CreateVolumeInput) { in.DryRun = aws.Bool(true) }), "DryRunOperation"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { f.failsCleanly(t, tt.code, tt.call) })
	}
}

func TestCreateVolume(t *testing.T) {
	f := start(t)
	t.Run("defaults", func(t *testing.T) {
		out, err := f.c.CreateVolume(f.ctx, &ec2.CreateVolumeInput{AvailabilityZone: aws.String("us-east-1b"), Size: aws.Int32(8),
			TagSpecifications: []types.TagSpecification{{ResourceType: types.ResourceTypeVolume, Tags: []types.Tag{{Key: aws.String("Name"), Value: aws.String("data")}}}}})
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case out.State != types.VolumeStateCreating, out.VolumeType != types.VolumeTypeGp2, aws.ToInt32(out.Size) != 8,
			aws.ToInt32(out.Iops) != 100, out.Throughput != nil, aws.ToString(out.AvailabilityZone) != "us-east-1b",
			aws.ToBool(out.Encrypted), aws.ToBool(out.MultiAttachEnabled), len(out.Attachments) != 0, len(out.Tags) != 1,
			out.CreateTime == nil, !strings.HasPrefix(aws.ToString(out.VolumeId), "vol-"):
			t.Fatalf("created %+v", out)
		}
		v, _, err := f.ebs.GetVolume(f.ctx, f.region(), f.env.AccountID, aws.ToString(out.VolumeId))
		if err != nil || v.Host != f.env.Config.HostName || v.State != ebs.VolumeCreating {
			t.Fatalf("record %+v %v", v, err)
		}
	})
	t.Run("gp3 baseline", func(t *testing.T) {
		out, err := f.c.CreateVolume(f.ctx, &ec2.CreateVolumeInput{AvailabilityZone: aws.String("us-east-1a"), Size: aws.Int32(1), VolumeType: types.VolumeTypeGp3})
		if err != nil || aws.ToInt32(out.Iops) != 3000 || aws.ToInt32(out.Throughput) != 125 {
			t.Fatalf("gp3 %+v %v", out, err)
		}
	})
	t.Run("io2 multi-attach", func(t *testing.T) {
		out, err := f.c.CreateVolume(f.ctx, &ec2.CreateVolumeInput{AvailabilityZone: aws.String("us-east-1a"), Size: aws.Int32(10),
			VolumeType: types.VolumeTypeIo2, Iops: aws.Int32(10000), MultiAttachEnabled: aws.Bool(true)})
		if err != nil || aws.ToInt32(out.Iops) != 10000 || !aws.ToBool(out.MultiAttachEnabled) {
			t.Fatalf("io2 %+v %v", out, err)
		}
	})
	t.Run("encrypted with the default key", func(t *testing.T) {
		out, err := f.c.CreateVolume(f.ctx, &ec2.CreateVolumeInput{AvailabilityZone: aws.String("us-east-1a"), Size: aws.Int32(1), Encrypted: aws.Bool(true)})
		if err != nil || !aws.ToBool(out.Encrypted) || !strings.HasPrefix(aws.ToString(out.KmsKeyId), "arn:aws:kms:us-east-1:"+f.env.AccountID+":key/") {
			t.Fatalf("encrypted %+v %v", out, err)
		}
	})
	t.Run("client token", func(t *testing.T) {
		in := &ec2.CreateVolumeInput{AvailabilityZone: aws.String("us-east-1a"), Size: aws.Int32(2), ClientToken: aws.String("tok-1")}
		a, err := f.c.CreateVolume(f.ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		b, err := f.c.CreateVolume(f.ctx, in)
		if err != nil || aws.ToString(b.VolumeId) != aws.ToString(a.VolumeId) {
			t.Fatalf("retry gave %v %v, want %s", b.VolumeId, err, aws.ToString(a.VolumeId))
		}
		f.failsCleanly(t, "IdempotentParameterMismatch", func() error {
			_, err := f.c.CreateVolume(f.ctx, &ec2.CreateVolumeInput{AvailabilityZone: aws.String("us-east-1a"), Size: aws.Int32(3), ClientToken: aws.String("tok-1")})
			return err
		})
	})
}

func TestDeleteVolume(t *testing.T) {
	f := start(t)
	id := f.volume(t, &ec2.CreateVolumeInput{Size: aws.Int32(1)})
	f.failsCleanly(t, "InvalidVolume.NotFound", func() error {
		_, err := f.c.DeleteVolume(f.ctx, &ec2.DeleteVolumeInput{VolumeId: aws.String("vol-0123456789abcdef0")})
		return err
	})
	f.failsCleanly(t, "InvalidVolumeID.Malformed", func() error {
		_, err := f.c.DeleteVolume(f.ctx, &ec2.DeleteVolumeInput{VolumeId: aws.String("vol-x")})
		return err
	})
	f.failsCleanly(t, "DryRunOperation", func() error {
		_, err := f.c.DeleteVolume(f.ctx, &ec2.DeleteVolumeInput{VolumeId: aws.String(id), DryRun: aws.Bool(true)})
		return err
	})
	if _, err := f.c.DeleteVolume(f.ctx, &ec2.DeleteVolumeInput{VolumeId: aws.String(id)}); err != nil {
		t.Fatal(err)
	}
	if v := f.describeVolume(t, id); v.State != types.VolumeStateDeleting {
		t.Fatalf("state %s, want deleting", v.State)
	}
	if _, err := f.c.DeleteVolume(f.ctx, &ec2.DeleteVolumeInput{VolumeId: aws.String(id)}); err != nil {
		t.Fatalf("deleting again: %v", err)
	}
	// The agent removes the record once the file is gone.
	if err := f.ebs.DeleteVolume(f.ctx, f.region(), f.env.AccountID, id); err != nil {
		t.Fatal(err)
	}
	_, err := f.c.DescribeVolumes(f.ctx, &ec2.DescribeVolumesInput{VolumeIds: []string{id}})
	wantCode(t, err, "InvalidVolume.NotFound")
}

func TestDescribeVolumes(t *testing.T) {
	f := start(t)
	tag := func(k, v string) []types.TagSpecification {
		return []types.TagSpecification{{ResourceType: types.ResourceTypeVolume, Tags: []types.Tag{{Key: aws.String(k), Value: aws.String(v)}}}}
	}
	var ids []string
	for i := range 7 {
		in := &ec2.CreateVolumeInput{Size: aws.Int32(int32(i + 1)), TagSpecifications: tag("n", string(rune('a'+i)))}
		if i%2 == 1 {
			in.VolumeType, in.AvailabilityZone = types.VolumeTypeGp3, aws.String("us-east-1c")
		}
		ids = append(ids, f.volume(t, in))
	}
	other := f.env.NewAccount(t, "other")
	if _, err := other.CreateVolume(f.ctx, &ec2.CreateVolumeInput{AvailabilityZone: aws.String("us-east-1a"), Size: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	count := func(t *testing.T, filters ...types.Filter) int {
		t.Helper()
		out, err := f.c.DescribeVolumes(f.ctx, &ec2.DescribeVolumesInput{Filters: filters})
		if err != nil {
			t.Fatal(err)
		}
		return len(out.Volumes)
	}
	flt := func(name string, values ...string) types.Filter {
		return types.Filter{Name: aws.String(name), Values: values}
	}
	for _, tt := range []struct {
		name string
		f    []types.Filter
		want int
	}{
		{"all of the account", nil, 7},
		{"volume-type", []types.Filter{flt("volume-type", "gp3")}, 3},
		{"availability-zone", []types.Filter{flt("availability-zone", "us-east-1a")}, 4},
		{"size", []types.Filter{flt("size", "1", "2", "3")}, 3},
		{"status", []types.Filter{flt("status", "available")}, 7},
		{"status creating", []types.Filter{flt("status", "creating")}, 0},
		{"tag", []types.Filter{flt("tag:n", "a", "c")}, 2},
		{"tag-key", []types.Filter{flt("tag-key", "n")}, 7},
		{"volume-id", []types.Filter{flt("volume-id", ids[0])}, 1},
		{"encrypted", []types.Filter{flt("encrypted", "false")}, 7},
		{"multi-attach-enabled", []types.Filter{flt("multi-attach-enabled", "true")}, 0},
		{"create-time wildcard", []types.Filter{flt("create-time", "20*")}, 7},
		{"attachment.status", []types.Filter{flt("attachment.status", "attached")}, 0},
		{"two filters", []types.Filter{flt("volume-type", "gp2"), flt("size", "1")}, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := count(t, tt.f...); got != tt.want {
				t.Fatalf("got %d volumes, want %d", got, tt.want)
			}
		})
	}
	t.Run("paging", func(t *testing.T) {
		var seen []string
		var token *string
		for {
			out, err := f.c.DescribeVolumes(f.ctx, &ec2.DescribeVolumesInput{MaxResults: aws.Int32(5), NextToken: token})
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range out.Volumes {
				seen = append(seen, aws.ToString(v.VolumeId))
			}
			if token = out.NextToken; token == nil {
				break
			}
		}
		if len(seen) != 7 {
			t.Fatalf("paged %d volumes, want 7", len(seen))
		}
	})
	for _, tt := range []struct {
		name string
		in   *ec2.DescribeVolumesInput
		code string
	}{
		{"unknown filter", &ec2.DescribeVolumesInput{Filters: []types.Filter{flt("colour", "red")}}, "InvalidParameterValue"},
		{"max results too small", &ec2.DescribeVolumesInput{MaxResults: aws.Int32(4)}, "InvalidParameterValue"},
		{"max results too large", &ec2.DescribeVolumesInput{MaxResults: aws.Int32(501)}, "InvalidParameterValue"},
		{"ids with max results", &ec2.DescribeVolumesInput{VolumeIds: ids[:1], MaxResults: aws.Int32(5)}, "InvalidParameterCombination"},
		{"unknown id", &ec2.DescribeVolumesInput{VolumeIds: []string{ids[0], "vol-0123456789abcdef0"}}, "InvalidVolume.NotFound"},
		{"malformed id", &ec2.DescribeVolumesInput{VolumeIds: []string{"vol-nope"}}, "InvalidVolumeID.Malformed"},
		{"bad token", &ec2.DescribeVolumesInput{NextToken: aws.String("junk")}, "InvalidPaginationToken"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.c.DescribeVolumes(f.ctx, tt.in)
			wantCode(t, err, tt.code)
		})
	}
}

func TestVolumeStatusAndAttribute(t *testing.T) {
	f := start(t)
	ready := f.volume(t, &ec2.CreateVolumeInput{Size: aws.Int32(10), VolumeType: types.VolumeTypeIo1, Iops: aws.Int32(500)})
	creating, err := f.c.CreateVolume(f.ctx, &ec2.CreateVolumeInput{AvailabilityZone: aws.String("us-east-1a"), Size: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	out, err := f.c.DescribeVolumeStatus(f.ctx, &ec2.DescribeVolumeStatusInput{})
	if err != nil || len(out.VolumeStatuses) != 2 {
		t.Fatalf("status %+v %v", out, err)
	}
	byID := map[string]types.VolumeStatusItem{}
	for _, s := range out.VolumeStatuses {
		byID[aws.ToString(s.VolumeId)] = s
	}
	ok := byID[ready].VolumeStatus
	if ok.Status != types.VolumeStatusInfoStatusOk || len(ok.Details) != 2 || ok.Details[0].Name != types.VolumeStatusNameIoEnabled ||
		aws.ToString(ok.Details[0].Status) != "passed" || aws.ToString(ok.Details[1].Status) != "normal" {
		t.Fatalf("ready volume status %+v", ok)
	}
	if s := byID[aws.ToString(creating.VolumeId)].VolumeStatus; s.Status != types.VolumeStatusInfoStatusInsufficientData {
		t.Fatalf("creating volume status %+v", s)
	}
	flt, err := f.c.DescribeVolumeStatus(f.ctx, &ec2.DescribeVolumeStatusInput{Filters: []types.Filter{{Name: aws.String("volume-status.status"), Values: []string{"ok"}}}})
	if err != nil || len(flt.VolumeStatuses) != 1 {
		t.Fatalf("filtered %+v %v", flt, err)
	}
	_, err = f.c.DescribeVolumeStatus(f.ctx, &ec2.DescribeVolumeStatusInput{VolumeIds: []string{"vol-0123456789abcdef0"}})
	wantCode(t, err, "InvalidVolume.NotFound")

	attr, err := f.c.DescribeVolumeAttribute(f.ctx, &ec2.DescribeVolumeAttributeInput{VolumeId: aws.String(ready), Attribute: types.VolumeAttributeNameAutoEnableIO})
	if err != nil || attr.AutoEnableIO == nil || aws.ToBool(attr.AutoEnableIO.Value) || aws.ToString(attr.VolumeId) != ready {
		t.Fatalf("autoEnableIO %+v %v", attr, err)
	}
	attr, err = f.c.DescribeVolumeAttribute(f.ctx, &ec2.DescribeVolumeAttributeInput{VolumeId: aws.String(ready), Attribute: types.VolumeAttributeNameProductCodes})
	if err != nil || len(attr.ProductCodes) != 0 {
		t.Fatalf("productCodes %+v %v", attr, err)
	}
	_, err = f.c.DescribeVolumeAttribute(f.ctx, &ec2.DescribeVolumeAttributeInput{VolumeId: aws.String(ready), Attribute: "size"})
	wantCode(t, err, "InvalidParameterValue")
}
