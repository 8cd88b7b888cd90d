package ebs_test

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/kumo-cloud/kumo/internal/ec2/ebs"
)

func TestModifyVolume(t *testing.T) {
	f := start(t)
	vol := f.volume(t, &ec2.CreateVolumeInput{Size: aws.Int32(100)})
	creating, err := f.c.CreateVolume(f.ctx, &ec2.CreateVolumeInput{AvailabilityZone: aws.String("us-east-1a"), Size: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	modify := func(in *ec2.ModifyVolumeInput) func() error {
		return func() error {
			if in.VolumeId == nil {
				in.VolumeId = aws.String(vol)
			}
			_, err := f.c.ModifyVolume(f.ctx, in)
			return err
		}
	}
	for _, tt := range []struct {
		name string
		call func() error
		code string
	}{
		{"shrink", modify(&ec2.ModifyVolumeInput{Size: aws.Int32(99)}), "InvalidParameterValue"},
		{"beyond the type", modify(&ec2.ModifyVolumeInput{Size: aws.Int32(16385)}), "InvalidParameterValue"},
		{"iops on gp2", modify(&ec2.ModifyVolumeInput{Iops: aws.Int32(500)}), "InvalidParameterCombination"},
		{"throughput on gp2", modify(&ec2.ModifyVolumeInput{Throughput: aws.Int32(500)}), "InvalidParameterCombination"},
		{"io1 ratio", modify(&ec2.ModifyVolumeInput{VolumeType: types.VolumeTypeIo1, Iops: aws.Int32(5001)}), "InvalidParameterValue"},
		{"st1 too small", modify(&ec2.ModifyVolumeInput{VolumeType: types.VolumeTypeSt1}), "InvalidParameterValue"},
		{"unknown type", modify(&ec2.ModifyVolumeInput{VolumeType: "gp9"}), "InvalidParameterValue"},
		{"multi-attach on gp2", modify(&ec2.ModifyVolumeInput{MultiAttachEnabled: aws.Bool(true)}), "InvalidParameterCombination"},
		{"nothing to change", modify(&ec2.ModifyVolumeInput{Size: aws.Int32(100)}), "InvalidParameterCombination"},
		{"creating volume", modify(&ec2.ModifyVolumeInput{VolumeId: creating.VolumeId, Size: aws.Int32(2)}), "IncorrectState"},
		{"unknown volume", modify(&ec2.ModifyVolumeInput{VolumeId: aws.String("vol-0123456789abcdef0"), Size: aws.Int32(2)}), "InvalidVolume.NotFound"},
		{"dry run", modify(&ec2.ModifyVolumeInput{Size: aws.Int32(200), DryRun: aws.Bool(true)}), "DryRunOperation"},
	} {
		t.Run(tt.name, func(t *testing.T) { f.failsCleanly(t, tt.code, tt.call) })
	}

	// gp2 100 GiB -> gp3 200 GiB takes gp3's baseline.
	out, err := f.c.ModifyVolume(f.ctx, &ec2.ModifyVolumeInput{VolumeId: aws.String(vol), Size: aws.Int32(200), VolumeType: types.VolumeTypeGp3})
	if err != nil {
		t.Fatal(err)
	}
	m := out.VolumeModification
	switch {
	case m.ModificationState != types.VolumeModificationStateModifying, aws.ToInt32(m.OriginalSize) != 100, aws.ToInt32(m.TargetSize) != 200,
		m.OriginalVolumeType != types.VolumeTypeGp2, m.TargetVolumeType != types.VolumeTypeGp3, aws.ToInt32(m.OriginalIops) != 300,
		aws.ToInt32(m.TargetIops) != 3000, aws.ToInt32(m.TargetThroughput) != 125, m.OriginalThroughput != nil, m.StartTime == nil:
		t.Fatalf("modification %+v", m)
	}
	if v := f.describeVolume(t, vol); aws.ToInt32(v.Size) != 200 || v.VolumeType != types.VolumeTypeGp3 || aws.ToInt32(v.Iops) != 3000 {
		t.Fatalf("the volume shows its new shape at once: %+v", v)
	}
	f.failsCleanly(t, "IncorrectModificationState", modify(&ec2.ModifyVolumeInput{Size: aws.Int32(300)}))

	// The agent grows the file and completes the modification.
	if _, err := f.ebs.UpdateVolume(f.ctx, f.region(), f.env.AccountID, vol, func(v *ebs.Volume) error {
		v.Modification.State, v.Modification.Progress, v.Modification.EndTime, v.FileSizeGiB = ebs.ModCompleted, 100, time.Now(), v.SizeGiB
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	f.failsCleanly(t, "VolumeModificationRateExceeded", modify(&ec2.ModifyVolumeInput{Size: aws.Int32(300)}))
	// Six hours pass. (The request signatures hold the server to the real
	// clock, so the modification is moved back instead.)
	if _, err := f.ebs.UpdateVolume(f.ctx, f.region(), f.env.AccountID, vol, func(v *ebs.Volume) error {
		v.Modification.StartTime = v.Modification.StartTime.Add(-ebs.DefaultModifyCooldown)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	out, err = f.c.ModifyVolume(f.ctx, &ec2.ModifyVolumeInput{VolumeId: aws.String(vol), Iops: aws.Int32(6000), Throughput: aws.Int32(500)})
	if err != nil {
		t.Fatalf("after the cooldown: %v", err)
	}
	if m := out.VolumeModification; aws.ToInt32(m.OriginalIops) != 3000 || aws.ToInt32(m.TargetIops) != 6000 || aws.ToInt32(m.TargetThroughput) != 500 ||
		aws.ToInt32(m.TargetSize) != 200 || m.TargetVolumeType != types.VolumeTypeGp3 {
		t.Fatalf("second modification %+v", m)
	}

	t.Run("describe modifications", func(t *testing.T) {
		plain := f.volume(t, &ec2.CreateVolumeInput{Size: aws.Int32(1)})
		all, err := f.c.DescribeVolumesModifications(f.ctx, &ec2.DescribeVolumesModificationsInput{})
		if err != nil || len(all.VolumesModifications) != 1 || aws.ToString(all.VolumesModifications[0].VolumeId) != vol {
			t.Fatalf("modifications %+v %v", all, err)
		}
		for _, tt := range []struct {
			name, value string
			want        int
		}{
			{"modification-state", "modifying", 1}, {"modification-state", "completed", 0}, {"target-iops", "6000", 1},
			{"original-iops", "3000", 1}, {"target-volume-type", "gp3", 1}, {"volume-id", plain, 0}, {"start-time", "20*", 1},
			{"start-time", "1999-*", 0},
		} {
			got, err := f.c.DescribeVolumesModifications(f.ctx, &ec2.DescribeVolumesModificationsInput{
				Filters: []types.Filter{{Name: aws.String(tt.name), Values: []string{tt.value}}}})
			if err != nil || len(got.VolumesModifications) != tt.want {
				t.Errorf("%s=%s: %+v %v", tt.name, tt.value, got, err)
			}
		}
		_, err = f.c.DescribeVolumesModifications(f.ctx, &ec2.DescribeVolumesModificationsInput{VolumeIds: []string{plain}})
		wantCode(t, err, "InvalidVolumeModification.NotFound")
		_, err = f.c.DescribeVolumesModifications(f.ctx, &ec2.DescribeVolumesModificationsInput{VolumeIds: []string{"vol-0123456789abcdef0"}})
		wantCode(t, err, "InvalidVolume.NotFound")
	})
}

func TestModifyVolumeDefaults(t *testing.T) {
	f := start(t)
	for _, tt := range []struct {
		name   string
		create *ec2.CreateVolumeInput
		modify *ec2.ModifyVolumeInput
		typ    types.VolumeType
		iops   int32
		thr    int32
	}{
		{"io1 keeps its iops when growing", &ec2.CreateVolumeInput{Size: aws.Int32(10), VolumeType: types.VolumeTypeIo1, Iops: aws.Int32(400)},
			&ec2.ModifyVolumeInput{Size: aws.Int32(20)}, types.VolumeTypeIo1, 400, 0},
		{"gp3 keeps its throughput", &ec2.CreateVolumeInput{Size: aws.Int32(100), VolumeType: types.VolumeTypeGp3, Iops: aws.Int32(4000), Throughput: aws.Int32(300)},
			&ec2.ModifyVolumeInput{Size: aws.Int32(200)}, types.VolumeTypeGp3, 4000, 300},
		{"io2 to gp3 takes the baseline", &ec2.CreateVolumeInput{Size: aws.Int32(100), VolumeType: types.VolumeTypeIo2, Iops: aws.Int32(10000)},
			&ec2.ModifyVolumeInput{VolumeType: types.VolumeTypeGp3}, types.VolumeTypeGp3, 3000, 125},
		{"gp3 to gp2 drops provisioning", &ec2.CreateVolumeInput{Size: aws.Int32(100), VolumeType: types.VolumeTypeGp3},
			&ec2.ModifyVolumeInput{VolumeType: types.VolumeTypeGp2}, types.VolumeTypeGp2, 300, 0},
		{"gp2 to io1 at 3000", &ec2.CreateVolumeInput{Size: aws.Int32(100)},
			&ec2.ModifyVolumeInput{VolumeType: types.VolumeTypeIo1}, types.VolumeTypeIo1, 3000, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			id := f.volume(t, tt.create)
			tt.modify.VolumeId = aws.String(id)
			if _, err := f.c.ModifyVolume(f.ctx, tt.modify); err != nil {
				t.Fatal(err)
			}
			v := f.describeVolume(t, id)
			if v.VolumeType != tt.typ || aws.ToInt32(v.Iops) != tt.iops || aws.ToInt32(v.Throughput) != tt.thr {
				t.Fatalf("got %s %d IOPS %d MiB/s", v.VolumeType, aws.ToInt32(v.Iops), aws.ToInt32(v.Throughput))
			}
		})
	}
}
