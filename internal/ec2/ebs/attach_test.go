package ebs_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/kumo-cloud/kumo/internal/ec2/instances"
)

func TestAttachDetach(t *testing.T) {
	f := start(t)
	running := f.instance(t, "us-east-1a", instances.Running)
	stopped := f.instance(t, "us-east-1a", instances.Stopped)
	pending := f.instance(t, "us-east-1a", instances.Pending)
	elsewhere := f.instance(t, "us-east-1b", instances.Running)
	vol := f.volume(t, &ec2.CreateVolumeInput{Size: aws.Int32(4)})
	other := f.volume(t, &ec2.CreateVolumeInput{Size: aws.Int32(4)})
	creating, err := f.c.CreateVolume(f.ctx, &ec2.CreateVolumeInput{AvailabilityZone: aws.String("us-east-1a"), Size: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	desc, err := f.c.DescribeInstances(f.ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{running}})
	if err != nil {
		t.Fatal(err)
	}
	rootDevice := aws.ToString(desc.Reservations[0].Instances[0].RootDeviceName)
	attach := func(volume, instance, device string) func() error {
		return func() error {
			_, err := f.c.AttachVolume(f.ctx, &ec2.AttachVolumeInput{VolumeId: aws.String(volume), InstanceId: aws.String(instance), Device: aws.String(device)})
			return err
		}
	}
	detach := func(in *ec2.DetachVolumeInput) func() error {
		return func() error { _, err := f.c.DetachVolume(f.ctx, in); return err }
	}

	for _, tt := range []struct {
		name string
		call func() error
		code string
	}{
		{"unknown volume", attach("vol-0123456789abcdef0", running, "/dev/sdf"), "InvalidVolume.NotFound"},
		{"malformed volume", attach("vol-1", running, "/dev/sdf"), "InvalidVolumeID.Malformed"},
		{"unknown instance", attach(vol, "i-0123456789abcdef0", "/dev/sdf"), "InvalidInstanceID.NotFound"},
		{"malformed instance", attach(vol, "i-zz", "/dev/sdf"), "InvalidInstanceID.Malformed"},
		{"bad device", attach(vol, running, "/dev/sdk1"), "InvalidParameterValue"},
		{"root device", attach(vol, running, rootDevice), "InvalidParameterValue"},
		{"zone mismatch", attach(vol, elsewhere, "/dev/sdf"), "InvalidVolume.ZoneMismatch"},
		{"pending instance", attach(vol, pending, "/dev/sdf"), "IncorrectState"},
		{"creating volume", attach(aws.ToString(creating.VolumeId), running, "/dev/sdf"), "IncorrectState"},
		{"dry run", func() error {
			_, err := f.c.AttachVolume(f.ctx, &ec2.AttachVolumeInput{VolumeId: aws.String(vol), InstanceId: aws.String(running), Device: aws.String("/dev/sdf"), DryRun: aws.Bool(true)})
			return err
		}, "DryRunOperation"},
		{"detach unattached", detach(&ec2.DetachVolumeInput{VolumeId: aws.String(vol)}), "IncorrectState"},
	} {
		t.Run(tt.name, func(t *testing.T) { f.failsCleanly(t, tt.code, tt.call) })
	}

	t.Run("attach to a running instance", func(t *testing.T) {
		out, err := f.c.AttachVolume(f.ctx, &ec2.AttachVolumeInput{VolumeId: aws.String(vol), InstanceId: aws.String(running), Device: aws.String("/dev/sdf")})
		if err != nil || out.State != types.VolumeAttachmentStateAttaching || aws.ToString(out.Device) != "/dev/sdf" || aws.ToString(out.InstanceId) != running {
			t.Fatalf("attach %+v %v", out, err)
		}
		v := f.describeVolume(t, vol)
		if v.State != types.VolumeStateInUse || len(v.Attachments) != 1 || v.Attachments[0].State != types.VolumeAttachmentStateAttaching {
			t.Fatalf("volume %+v", v)
		}
		f.agentAttached(t, vol, running)
		if v := f.describeVolume(t, vol); v.Attachments[0].State != types.VolumeAttachmentStateAttached {
			t.Fatalf("after hot-plug %+v", v.Attachments)
		}
		att, err := f.ebs.AttachedTo(f.ctx, f.region(), f.env.AccountID, running)
		if err != nil || len(att) != 2 { // the root volume and this one
			t.Fatalf("AttachedTo = %d volumes, %v", len(att), err)
		}
	})
	for _, tt := range []struct {
		name string
		call func() error
		code string
	}{
		{"attached elsewhere", attach(vol, stopped, "/dev/sdg"), "VolumeInUse"},
		{"attached again", attach(vol, running, "/dev/sdg"), "VolumeInUse"},
		{"device taken", attach(other, running, "/dev/sdf"), "InvalidParameterValue"},
		{"delete attached", func() error {
			_, err := f.c.DeleteVolume(f.ctx, &ec2.DeleteVolumeInput{VolumeId: aws.String(vol)})
			return err
		}, "VolumeInUse"},
		{"detach from another instance", detach(&ec2.DetachVolumeInput{VolumeId: aws.String(vol), InstanceId: aws.String(stopped)}), "InvalidAttachment.NotFound"},
		{"detach at another device", detach(&ec2.DetachVolumeInput{VolumeId: aws.String(vol), Device: aws.String("/dev/sdg")}), "InvalidAttachment.NotFound"},
	} {
		t.Run(tt.name, func(t *testing.T) { f.failsCleanly(t, tt.code, tt.call) })
	}
	t.Run("the root volume of a running instance stays", func(t *testing.T) {
		root := aws.ToString(desc.Reservations[0].Instances[0].BlockDeviceMappings[0].Ebs.VolumeId)
		f.failsCleanly(t, "IncorrectState", detach(&ec2.DetachVolumeInput{VolumeId: aws.String(root)}))
	})
	t.Run("detach from a running instance", func(t *testing.T) {
		out, err := f.c.DetachVolume(f.ctx, &ec2.DetachVolumeInput{VolumeId: aws.String(vol), InstanceId: aws.String(running), Device: aws.String("/dev/sdf")})
		if err != nil || out.State != types.VolumeAttachmentStateDetaching {
			t.Fatalf("detach %+v %v", out, err)
		}
		if v := f.describeVolume(t, vol); v.State != types.VolumeStateInUse || v.Attachments[0].State != types.VolumeAttachmentStateDetaching {
			t.Fatalf("detaching %+v", v)
		}
		f.agentDetached(t, vol, running)
		if v := f.describeVolume(t, vol); v.State != types.VolumeStateAvailable || len(v.Attachments) != 0 {
			t.Fatalf("detached %+v", v)
		}
	})
	t.Run("a stopped instance gets it at once", func(t *testing.T) {
		out, err := f.c.AttachVolume(f.ctx, &ec2.AttachVolumeInput{VolumeId: aws.String(vol), InstanceId: aws.String(stopped), Device: aws.String("xvdh")})
		if err != nil || out.State != types.VolumeAttachmentStateAttaching {
			t.Fatalf("attach %+v %v", out, err)
		}
		if v := f.describeVolume(t, vol); v.Attachments[0].State != types.VolumeAttachmentStateAttached {
			t.Fatalf("attached to stopped %+v", v.Attachments)
		}
		if _, err := f.c.DetachVolume(f.ctx, &ec2.DetachVolumeInput{VolumeId: aws.String(vol)}); err != nil {
			t.Fatal(err)
		}
		if v := f.describeVolume(t, vol); v.State != types.VolumeStateAvailable || len(v.Attachments) != 0 {
			t.Fatalf("detached from stopped %+v", v)
		}
	})
	t.Run("the root volume of a stopped instance detaches and comes back", func(t *testing.T) {
		sd, err := f.c.DescribeInstances(f.ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{stopped}})
		if err != nil {
			t.Fatal(err)
		}
		root := aws.ToString(sd.Reservations[0].Instances[0].BlockDeviceMappings[0].Ebs.VolumeId)
		if _, err := f.c.DetachVolume(f.ctx, &ec2.DetachVolumeInput{VolumeId: aws.String(root)}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.c.AttachVolume(f.ctx, &ec2.AttachVolumeInput{VolumeId: aws.String(root), InstanceId: aws.String(stopped), Device: aws.String(rootDevice)}); err != nil {
			t.Fatalf("re-attach the root volume: %v", err)
		}
	})
}

func TestMultiAttach(t *testing.T) {
	f := start(t)
	a := f.instance(t, "us-east-1a", instances.Running)
	b := f.instance(t, "us-east-1a", instances.Running)
	vol := f.volume(t, &ec2.CreateVolumeInput{Size: aws.Int32(10), VolumeType: types.VolumeTypeIo2, Iops: aws.Int32(1000), MultiAttachEnabled: aws.Bool(true)})
	for _, inst := range []string{a, b} {
		if _, err := f.c.AttachVolume(f.ctx, &ec2.AttachVolumeInput{VolumeId: aws.String(vol), InstanceId: aws.String(inst), Device: aws.String("/dev/sdf")}); err != nil {
			t.Fatalf("attach to %s: %v", inst, err)
		}
	}
	f.failsCleanly(t, "VolumeInUse", func() error {
		_, err := f.c.AttachVolume(f.ctx, &ec2.AttachVolumeInput{VolumeId: aws.String(vol), InstanceId: aws.String(b), Device: aws.String("/dev/sdg")})
		return err
	})
	if v := f.describeVolume(t, vol); len(v.Attachments) != 2 {
		t.Fatalf("attachments %+v", v.Attachments)
	}
	f.failsCleanly(t, "InvalidParameterCombination", func() error {
		_, err := f.c.DetachVolume(f.ctx, &ec2.DetachVolumeInput{VolumeId: aws.String(vol)})
		return err
	})
	if _, err := f.c.DetachVolume(f.ctx, &ec2.DetachVolumeInput{VolumeId: aws.String(vol), InstanceId: aws.String(a)}); err != nil {
		t.Fatal(err)
	}
	f.agentDetached(t, vol, a)
	v := f.describeVolume(t, vol)
	if v.State != types.VolumeStateInUse || len(v.Attachments) != 1 || aws.ToString(v.Attachments[0].InstanceId) != b {
		t.Fatalf("after detaching %s: %+v", a, v)
	}
	got, err := f.c.DescribeVolumes(f.ctx, &ec2.DescribeVolumesInput{Filters: []types.Filter{{Name: aws.String("attachment.instance-id"), Values: []string{b}}}})
	if err != nil || len(got.Volumes) != 2 { // b's root volume and the shared one
		t.Fatalf("attached to %s: %+v %v", b, got, err)
	}
	rec, _, err := f.ebs.GetVolume(f.ctx, f.region(), f.env.AccountID, vol)
	if err != nil || rec.Attachment == nil || rec.Attachment.InstanceID != b || len(rec.MultiAttachments) != 0 {
		t.Fatalf("record %+v %v", rec, err)
	}
}
