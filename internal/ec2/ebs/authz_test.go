package ebs_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/kumo-cloud/kumo/internal/ec2/instances"
	"github.com/kumo-cloud/kumo/internal/testenv"
)

func envTag(v string) []types.Tag { return []types.Tag{{Key: aws.String("env"), Value: aws.String(v)}} }

func tagSpec(typ types.ResourceType, v string) []types.TagSpecification {
	return []types.TagSpecification{{ResourceType: typ, Tags: envTag(v)}}
}

// bobPolicy lets bob act on what is tagged env=dev, create small gp3
// volumes (from dev snapshots, tagged only on creation) and snapshots, and
// share snapshots with accounts but never publicly.
const bobPolicy = `{"Version":"2012-10-17","Statement":[
	{"Effect":"Allow","Action":["ec2:DeleteVolume","ec2:ModifyVolume","ec2:AttachVolume","ec2:DetachVolume","ec2:CreateSnapshot",
		"ec2:DeleteSnapshot","ec2:ModifySnapshotAttribute","ec2:ResetSnapshotAttribute","ec2:DescribeVolumeAttribute","ec2:CreateVolume"],
	 "Resource":["arn:aws:ec2:*:*:volume/*","arn:aws:ec2:*:*:instance/*","arn:aws:ec2:*::snapshot/*"],
	 "Condition":{"StringEquals":{"aws:ResourceTag/env":"dev"}}},
	{"Effect":"Allow","Action":"ec2:CreateVolume","Resource":"arn:aws:ec2:*:*:volume/*",
	 "Condition":{"StringEquals":{"ec2:VolumeType":"gp3"},"NumericLessThanEquals":{"ec2:VolumeSize":"10"}}},
	{"Effect":"Allow","Action":"ec2:CreateSnapshot","Resource":"arn:aws:ec2:*::snapshot/*","Condition":{"Null":{"aws:ResourceTag/env":"true"}}},
	{"Effect":"Allow","Action":"ec2:CreateTags","Resource":"*","Condition":{"StringEquals":{"ec2:CreateAction":["CreateVolume","CreateSnapshot"]}}},
	{"Effect":"Deny","Action":"ec2:ModifySnapshotAttribute","Resource":"*","Condition":{"StringEquals":{"ec2:Add/group":"all"}}}]}`

// TestResourcePermissions: the volume and snapshot actions are authorized
// on the volumes, snapshots and instances they touch, with their tags and
// condition keys; a dry run answers as the call would be authorized.
func TestResourcePermissions(t *testing.T) {
	f := start(t)
	zone := "us-east-1a"
	devVol := f.volume(t, &ec2.CreateVolumeInput{Size: aws.Int32(8), VolumeType: types.VolumeTypeGp3, TagSpecifications: tagSpec(types.ResourceTypeVolume, "dev")})
	prodVol := f.volume(t, &ec2.CreateVolumeInput{Size: aws.Int32(8), VolumeType: types.VolumeTypeGp3})
	devOnDev := f.volume(t, &ec2.CreateVolumeInput{Size: aws.Int32(8), TagSpecifications: tagSpec(types.ResourceTypeVolume, "dev")})
	devOnProd := f.volume(t, &ec2.CreateVolumeInput{Size: aws.Int32(8), TagSpecifications: tagSpec(types.ResourceTypeVolume, "dev")})
	devInst, prodInst := f.instance(t, zone, instances.Stopped), f.instance(t, zone, instances.Stopped)
	if _, err := f.c.CreateTags(f.ctx, &ec2.CreateTagsInput{Resources: []string{devInst}, Tags: envTag("dev")}); err != nil {
		t.Fatal(err)
	}
	for vol, inst := range map[string]string{devOnDev: devInst, devOnProd: prodInst} {
		if _, err := f.c.AttachVolume(f.ctx, &ec2.AttachVolumeInput{VolumeId: aws.String(vol), InstanceId: aws.String(inst), Device: aws.String("/dev/sdf")}); err != nil {
			t.Fatal(err)
		}
	}
	snapshot := func(vol string, tags []types.TagSpecification) string {
		out, err := f.c.CreateSnapshot(f.ctx, &ec2.CreateSnapshotInput{VolumeId: aws.String(vol), TagSpecifications: tags})
		if err != nil {
			t.Fatal(err)
		}
		f.completeSnapshot(t, f.env.AccountID, aws.ToString(out.SnapshotId))
		return aws.ToString(out.SnapshotId)
	}
	devSnap, prodSnap := snapshot(devVol, tagSpec(types.ResourceTypeSnapshot, "dev")), snapshot(prodVol, nil)
	bob := f.env.User(t, "bob", bobPolicy)

	newVolume := func(typ types.VolumeType, size int32, snap string, tags []types.TagSpecification) func(*bool) error {
		return func(dry *bool) error {
			in := &ec2.CreateVolumeInput{AvailabilityZone: aws.String(zone), VolumeType: typ, TagSpecifications: tags, DryRun: dry}
			if size > 0 {
				in.Size = aws.Int32(size)
			}
			if snap != "" {
				in.SnapshotId = aws.String(snap)
			}
			_, err := bob.CreateVolume(f.ctx, in)
			return err
		}
	}
	share := func(snap string, perm types.CreateVolumePermission) func(*bool) error {
		return func(dry *bool) error {
			_, err := bob.ModifySnapshotAttribute(f.ctx, &ec2.ModifySnapshotAttributeInput{SnapshotId: aws.String(snap), DryRun: dry,
				CreateVolumePermission: &types.CreateVolumePermissionModifications{Add: []types.CreateVolumePermission{perm}}})
			return err
		}
	}
	tests := []struct {
		name    string
		call    func(dry *bool) error
		allowed bool
		// refusedOn is part of the ARN a refusal names.
		refusedOn string
	}{
		{"delete a dev volume", func(dry *bool) error {
			_, err := bob.DeleteVolume(f.ctx, &ec2.DeleteVolumeInput{VolumeId: aws.String(devVol), DryRun: dry})
			return err
		}, true, ""},
		{"delete an untagged volume", func(dry *bool) error {
			_, err := bob.DeleteVolume(f.ctx, &ec2.DeleteVolumeInput{VolumeId: aws.String(prodVol), DryRun: dry})
			return err
		}, false, ":volume/" + prodVol},
		{"modify a dev volume", func(dry *bool) error {
			_, err := bob.ModifyVolume(f.ctx, &ec2.ModifyVolumeInput{VolumeId: aws.String(devVol), Size: aws.Int32(9), DryRun: dry})
			return err
		}, true, ""},
		{"modify an untagged volume", func(dry *bool) error {
			_, err := bob.ModifyVolume(f.ctx, &ec2.ModifyVolumeInput{VolumeId: aws.String(prodVol), Size: aws.Int32(9), DryRun: dry})
			return err
		}, false, ":volume/" + prodVol},
		{"describe a dev volume's attribute", func(dry *bool) error {
			_, err := bob.DescribeVolumeAttribute(f.ctx, &ec2.DescribeVolumeAttributeInput{VolumeId: aws.String(devVol), Attribute: types.VolumeAttributeNameAutoEnableIO, DryRun: dry})
			return err
		}, true, ""},
		{"attach a dev volume to a dev instance", func(dry *bool) error {
			_, err := bob.AttachVolume(f.ctx, &ec2.AttachVolumeInput{VolumeId: aws.String(devVol), InstanceId: aws.String(devInst), Device: aws.String("/dev/sdg"), DryRun: dry})
			return err
		}, true, ""},
		{"attach a dev volume to an untagged instance", func(dry *bool) error {
			_, err := bob.AttachVolume(f.ctx, &ec2.AttachVolumeInput{VolumeId: aws.String(devVol), InstanceId: aws.String(prodInst), Device: aws.String("/dev/sdg"), DryRun: dry})
			return err
		}, false, ":instance/" + prodInst},
		{"detach from a dev instance", func(dry *bool) error {
			_, err := bob.DetachVolume(f.ctx, &ec2.DetachVolumeInput{VolumeId: aws.String(devOnDev), DryRun: dry})
			return err
		}, true, ""},
		{"detach from an untagged instance", func(dry *bool) error {
			_, err := bob.DetachVolume(f.ctx, &ec2.DetachVolumeInput{VolumeId: aws.String(devOnProd), DryRun: dry})
			return err
		}, false, ":instance/" + prodInst},
		{"create a small gp3 volume", newVolume(types.VolumeTypeGp3, 10, "", nil), true, ""},
		{"create a gp2 volume", newVolume(types.VolumeTypeGp2, 10, "", nil), false, ":volume/*"},
		{"create a large gp3 volume", newVolume(types.VolumeTypeGp3, 11, "", nil), false, ":volume/*"},
		{"create a tagged volume", newVolume(types.VolumeTypeGp3, 10, "", tagSpec(types.ResourceTypeVolume, "x")), true, ""},
		{"create a volume of a dev snapshot", newVolume(types.VolumeTypeGp3, 0, devSnap, nil), true, ""},
		{"create a volume of an untagged snapshot", newVolume(types.VolumeTypeGp3, 0, prodSnap, nil), false, "::snapshot/" + prodSnap},
		{"snapshot a dev volume", func(dry *bool) error {
			_, err := bob.CreateSnapshot(f.ctx, &ec2.CreateSnapshotInput{VolumeId: aws.String(devVol), TagSpecifications: tagSpec(types.ResourceTypeSnapshot, "x"), DryRun: dry})
			return err
		}, true, ""},
		{"snapshot an untagged volume", func(dry *bool) error {
			_, err := bob.CreateSnapshot(f.ctx, &ec2.CreateSnapshotInput{VolumeId: aws.String(prodVol), DryRun: dry})
			return err
		}, false, ":volume/" + prodVol},
		{"delete a dev snapshot", func(dry *bool) error {
			_, err := bob.DeleteSnapshot(f.ctx, &ec2.DeleteSnapshotInput{SnapshotId: aws.String(devSnap), DryRun: dry})
			return err
		}, true, ""},
		{"delete an untagged snapshot", func(dry *bool) error {
			_, err := bob.DeleteSnapshot(f.ctx, &ec2.DeleteSnapshotInput{SnapshotId: aws.String(prodSnap), DryRun: dry})
			return err
		}, false, "::snapshot/" + prodSnap},
		{"share a dev snapshot with an account", share(devSnap, types.CreateVolumePermission{UserId: aws.String("111122223333")}), true, ""},
		{"share a dev snapshot publicly", share(devSnap, types.CreateVolumePermission{Group: types.PermissionGroupAll}), false, "::snapshot/" + devSnap},
		{"reset an untagged snapshot", func(dry *bool) error {
			_, err := bob.ResetSnapshotAttribute(f.ctx, &ec2.ResetSnapshotAttributeInput{SnapshotId: aws.String(prodSnap),
				Attribute: types.SnapshotAttributeNameCreateVolumePermission, DryRun: dry})
			return err
		}, false, "::snapshot/" + prodSnap},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := "DryRunOperation"
			if !tt.allowed {
				want = "UnauthorizedOperation"
			}
			err := tt.call(aws.Bool(true))
			if testenv.Code(err) != want {
				t.Fatalf("dry run: %v, want %s", err, want)
			}
			if tt.allowed {
				return
			}
			if !strings.Contains(err.Error(), "on resource: arn:aws:ec2:us-east-1:") || !strings.Contains(err.Error(), tt.refusedOn) {
				t.Errorf("refusal %q does not name %s", err, tt.refusedOn)
			}
			f.failsCleanly(t, "UnauthorizedOperation", func() error { return tt.call(nil) })
		})
	}

	t.Run("allowed calls take effect", func(t *testing.T) {
		out, err := bob.CreateVolume(f.ctx, &ec2.CreateVolumeInput{AvailabilityZone: aws.String(zone), VolumeType: types.VolumeTypeGp3, Size: aws.Int32(4),
			TagSpecifications: tagSpec(types.ResourceTypeVolume, "dev")})
		if err != nil {
			t.Fatal(err)
		}
		f.makeAvailable(t, f.env.AccountID, aws.ToString(out.VolumeId))
		if _, err := bob.DeleteVolume(f.ctx, &ec2.DeleteVolumeInput{VolumeId: out.VolumeId}); err != nil {
			t.Fatalf("delete the volume bob made: %v", err)
		}
	})

	t.Run("tags on create need ec2:CreateTags", func(t *testing.T) {
		dave := f.env.User(t, "dave", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:CreateVolume","Resource":"*"}]}`)
		_, err := dave.CreateVolume(f.ctx, &ec2.CreateVolumeInput{AvailabilityZone: aws.String(zone), Size: aws.Int32(1), DryRun: aws.Bool(true),
			TagSpecifications: tagSpec(types.ResourceTypeVolume, "dev")})
		if testenv.Code(err) != "UnauthorizedOperation" || !strings.Contains(err.Error(), "ec2:CreateTags") {
			t.Fatalf("tagged volume without ec2:CreateTags: %v", err)
		}
	})
}
