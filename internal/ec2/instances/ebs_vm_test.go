package instances_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	iamsdk "github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/kumo-cloud/kumo/internal/testenv"
)

// devOf is a guest shell expression naming the block device whose serial is
// the volume id without its dash (how the guest finds an EBS volume).
func devOf(volID string) string {
	return fmt.Sprintf(`$(for d in /sys/block/vd*; do [ "$(cat $d/serial 2>/dev/null)" = %s ] && echo /dev/${d##*/}; done)`, strings.ReplaceAll(volID, "-", ""))
}

func waitVolume(t *testing.T, c *ec2.Client, id string, state types.VolumeState, attach types.VolumeAttachmentState) types.Volume {
	t.Helper()
	var last types.Volume
	eventually(t, 2*time.Minute, func() string {
		out, err := c.DescribeVolumes(context.Background(), &ec2.DescribeVolumesInput{VolumeIds: []string{id}})
		if err != nil {
			return err.Error()
		}
		last = out.Volumes[0]
		if last.State != state {
			return fmt.Sprintf("volume %s is %s, want %s", id, last.State, state)
		}
		if attach != "" && (len(last.Attachments) == 0 || last.Attachments[0].State != attach) {
			return fmt.Sprintf("volume %s attachments %+v, want %s", id, last.Attachments, attach)
		}
		return ""
	})
	return last
}

func waitSnapshot(t *testing.T, c *ec2.Client, id string) types.Snapshot {
	t.Helper()
	var last types.Snapshot
	eventually(t, 2*time.Minute, func() string {
		out, err := c.DescribeSnapshots(context.Background(), &ec2.DescribeSnapshotsInput{SnapshotIds: []string{id}})
		if err != nil {
			return err.Error()
		}
		last = out.Snapshots[0]
		if last.State != types.SnapshotStateCompleted {
			return fmt.Sprintf("snapshot %s is %s", id, last.State)
		}
		return ""
	})
	return last
}

// TestEBSOnRealVMs walks the EBS and AMI workflow of the EC2 user guide with
// real guests: a volume is attached, formatted and written in the guest,
// snapshotted while being written, restored into a new volume that another
// instance reads back byte for byte; a volume grows online; an image of a
// configured instance launches instances with that configuration.
func TestEBSOnRealVMs(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Fatal("this test runs VMs and network namespaces: run it as root (make test does)")
	}
	env := testenv.Start(t, testenv.WithAgent())
	c := env.EC2()
	ctx := context.Background()
	signer := keyPair(t, c, "ebs")
	image := minimalImage(t, c)
	groups, err := c.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupNames: []string{"default"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: groups.SecurityGroups[0].GroupId,
		IpPermissions: []types.IpPermission{{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(22), ToPort: aws.Int32(22),
			IpRanges: []types.IpRange{{CidrIp: aws.String("169.254.0.0/16")}}}}}); err != nil {
		t.Fatal(err)
	}
	// The instance also gets a role, whose credentials the guest reads from
	// the metadata service.
	iamc := env.IAM()
	if _, err := iamc.CreateRole(ctx, &iamsdk.CreateRoleInput{RoleName: aws.String("describer"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := iamc.PutRolePolicy(ctx, &iamsdk.PutRolePolicyInput{RoleName: aws.String("describer"), PolicyName: aws.String("describe"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:DescribeRegions","Resource":"*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := iamc.CreateInstanceProfile(ctx, &iamsdk.CreateInstanceProfileInput{InstanceProfileName: aws.String("describer")}); err != nil {
		t.Fatal(err)
	}
	if _, err := iamc.AddRoleToInstanceProfile(ctx, &iamsdk.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String("describer"), RoleName: aws.String("describer")}); err != nil {
		t.Fatal(err)
	}
	run, err := c.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String(image), InstanceType: types.InstanceTypeT2Micro,
		MinCount: aws.Int32(1), MaxCount: aws.Int32(1), KeyName: aws.String("ebs"),
		IamInstanceProfile: &types.IamInstanceProfileSpecification{Name: aws.String("describer")},
		Placement:          &types.Placement{AvailabilityZone: aws.String("us-east-1a")}})
	if err != nil {
		t.Fatal(err)
	}
	a := aws.ToString(run.Instances[0].InstanceId)
	ipA := aws.ToString(waitState(t, c, a, types.InstanceStateNameRunning, 5*time.Minute).PublicIpAddress)
	inA := func(cmd string) string { return sshRun(t, ipA, signer, cmd, 3*time.Minute) }

	t.Run("the guest's role credentials work for what the role allows", func(t *testing.T) {
		fetch := `tok=$(printf 'PUT /latest/api/token HTTP/1.0\r\nX-aws-ec2-metadata-token-ttl-seconds: 60\r\n\r\n' | nc 169.254.169.254 80 | tail -n 1)
printf 'GET /latest/meta-data/iam/security-credentials/describer HTTP/1.0\r\nX-aws-ec2-metadata-token: %s\r\n\r\n' "$tok" | nc 169.254.169.254 80 | sed '1,/^\r$/d'`
		var creds struct{ Code, AccessKeyId, SecretAccessKey, Token, Type string }
		eventually(t, 30*time.Second, func() string {
			out := inA(fetch)
			if err := json.Unmarshal([]byte(out), &creds); err != nil || creds.Code != "Success" {
				return fmt.Sprintf("role credentials from the metadata service: %q", out)
			}
			return ""
		})
		role := env.EC2WithSession(creds.AccessKeyId, creds.SecretAccessKey, creds.Token)
		if _, err := role.DescribeRegions(ctx, &ec2.DescribeRegionsInput{}); err != nil {
			t.Fatalf("an action the role allows: %v", err)
		}
		if _, err := role.CreateKeyPair(ctx, &ec2.CreateKeyPairInput{KeyName: aws.String("nope")}); code(err) != "UnauthorizedOperation" {
			t.Fatalf("an action the role does not allow: %v", err)
		}
	})

	vol, err := c.CreateVolume(ctx, &ec2.CreateVolumeInput{AvailabilityZone: aws.String("us-east-1a"), Size: aws.Int32(1), VolumeType: types.VolumeTypeGp3})
	if err != nil {
		t.Fatal(err)
	}
	volID := aws.ToString(vol.VolumeId)
	waitVolume(t, c, volID, types.VolumeStateAvailable, "")

	var sum string
	t.Run("attach, mkfs and write in the guest", func(t *testing.T) {
		if _, err := c.AttachVolume(ctx, &ec2.AttachVolumeInput{VolumeId: aws.String(volID), InstanceId: aws.String(a), Device: aws.String("/dev/sdf")}); err != nil {
			t.Fatal(err)
		}
		waitVolume(t, c, volID, types.VolumeStateInUse, types.VolumeAttachmentStateAttached)
		sum = strings.TrimSpace(inA("dev=" + devOf(volID) + "; sudo mke2fs -q $dev >/dev/null && sudo mkdir -p /data && sudo mount $dev /data && " +
			"sudo dd if=/dev/urandom of=/data/blob bs=1M count=8 2>/dev/null && sync && md5sum < /data/blob"))
		if len(sum) < 32 {
			t.Fatalf("writing in the guest: %q", sum)
		}
	})

	var snapID string
	t.Run("snapshot while the guest writes", func(t *testing.T) {
		inA("sudo sh -c '(while true; do dd if=/dev/urandom of=/data/noise bs=64k count=16 conv=fsync 2>/dev/null; done) >/dev/null 2>&1 & echo $! > /tmp/writer.pid'")
		snap, err := c.CreateSnapshot(ctx, &ec2.CreateSnapshotInput{VolumeId: aws.String(volID), Description: aws.String("while writing")})
		if err != nil {
			t.Fatal(err)
		}
		snapID = aws.ToString(snap.SnapshotId)
		s := waitSnapshot(t, c, snapID)
		if aws.ToInt32(s.VolumeSize) != 1 || aws.ToString(s.VolumeId) != volID {
			t.Errorf("snapshot %+v", s)
		}
		inA("sudo kill $(cat /tmp/writer.pid); sleep 0.5")
	})

	t.Run("CreateSnapshots takes every volume of the instance at once", func(t *testing.T) {
		out, err := c.CreateSnapshots(ctx, &ec2.CreateSnapshotsInput{InstanceSpecification: &types.InstanceSpecification{InstanceId: aws.String(a)}})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Snapshots) != 2 {
			t.Fatalf("CreateSnapshots made %d snapshots, want the root and the data volume", len(out.Snapshots))
		}
		for _, s := range out.Snapshots {
			waitSnapshot(t, c, aws.ToString(s.SnapshotId))
		}
	})

	t.Run("every wrong call gets the AWS error", func(t *testing.T) {
		other, err := c.CreateVolume(ctx, &ec2.CreateVolumeInput{AvailabilityZone: aws.String("us-east-1b"), Size: aws.Int32(1)})
		if err != nil {
			t.Fatal(err)
		}
		waitVolume(t, c, aws.ToString(other.VolumeId), types.VolumeStateAvailable, "")
		for _, tc := range []struct {
			name string
			call func() error
			want string
		}{
			{"attach across zones", func() error {
				_, err := c.AttachVolume(ctx, &ec2.AttachVolumeInput{VolumeId: other.VolumeId, InstanceId: aws.String(a), Device: aws.String("/dev/sdh")})
				return err
			}, "InvalidVolume.ZoneMismatch"},
			{"delete in use", func() error {
				_, err := c.DeleteVolume(ctx, &ec2.DeleteVolumeInput{VolumeId: aws.String(volID)})
				return err
			}, "VolumeInUse"},
			{"snapshot of a missing volume", func() error {
				_, err := c.CreateSnapshot(ctx, &ec2.CreateSnapshotInput{VolumeId: aws.String("vol-0123456789abcdef0")})
				return err
			}, "InvalidVolume.NotFound"},
		} {
			if err := tc.call(); code(err) != tc.want {
				t.Errorf("%s: %v, want %s", tc.name, err, tc.want)
			}
		}
		if _, err := c.DeleteVolume(ctx, &ec2.DeleteVolumeInput{VolumeId: other.VolumeId}); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("grow online", func(t *testing.T) {
		if _, err := c.ModifyVolume(ctx, &ec2.ModifyVolumeInput{VolumeId: aws.String(volID), Size: aws.Int32(2)}); err != nil {
			t.Fatal(err)
		}
		eventually(t, time.Minute, func() string {
			got := strings.TrimSpace(inA("cat /sys/block/$(basename " + devOf(volID) + ")/size"))
			if got != fmt.Sprint(2<<30/512) {
				return "the guest sees " + got + " sectors"
			}
			return ""
		})
	})

	var ami, b, ipB string
	t.Run("create an image of a configured instance", func(t *testing.T) {
		inA("echo configured-by-test | sudo tee /etc/kumo-test-config >/dev/null")
		img, err := c.CreateImage(ctx, &ec2.CreateImageInput{InstanceId: aws.String(a), Name: aws.String("configured")})
		if err != nil {
			t.Fatal(err)
		}
		ami = aws.ToString(img.ImageId)
		eventually(t, 3*time.Minute, func() string {
			out, err := c.DescribeImages(ctx, &ec2.DescribeImagesInput{ImageIds: []string{ami}})
			if err != nil {
				return err.Error()
			}
			if st := out.Images[0].State; st != types.ImageStateAvailable {
				return "image " + string(st)
			}
			return ""
		})
		// The reboot for the image did not lose the volume's data.
		ipA = aws.ToString(waitState(t, c, a, types.InstanceStateNameRunning, time.Minute).PublicIpAddress)
	})

	t.Run("an instance from the image has the configuration and reads the restored volume", func(t *testing.T) {
		// A type with an instance store disk, and one more volume at launch.
		run, err := c.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String(ami), InstanceType: types.InstanceTypeC5dLarge,
			MinCount: aws.Int32(1), MaxCount: aws.Int32(1), KeyName: aws.String("ebs"),
			Placement:           &types.Placement{AvailabilityZone: aws.String("us-east-1a")},
			BlockDeviceMappings: []types.BlockDeviceMapping{{DeviceName: aws.String("/dev/sdh"), Ebs: &types.EbsBlockDevice{VolumeSize: aws.Int32(1)}}}})
		if err != nil {
			t.Fatal(err)
		}
		b = aws.ToString(run.Instances[0].InstanceId)
		ipB = aws.ToString(waitState(t, c, b, types.InstanceStateNameRunning, 5*time.Minute).PublicIpAddress)
		if got := strings.TrimSpace(sshRun(t, ipB, signer, "cat /etc/kumo-test-config", 3*time.Minute)); got != "configured-by-test" {
			t.Fatalf("configuration on the new instance: %q", got)
		}
		restored, err := c.CreateVolume(ctx, &ec2.CreateVolumeInput{AvailabilityZone: aws.String("us-east-1a"), SnapshotId: aws.String(snapID)})
		if err != nil {
			t.Fatal(err)
		}
		rid := aws.ToString(restored.VolumeId)
		waitVolume(t, c, rid, types.VolumeStateAvailable, "")
		if _, err := c.AttachVolume(ctx, &ec2.AttachVolumeInput{VolumeId: aws.String(rid), InstanceId: aws.String(b), Device: aws.String("/dev/sdg")}); err != nil {
			t.Fatal(err)
		}
		waitVolume(t, c, rid, types.VolumeStateInUse, types.VolumeAttachmentStateAttached)
		got := strings.TrimSpace(sshRun(t, ipB, signer, "sudo mkdir -p /restored && sudo mount "+devOf(rid)+" /restored && md5sum < /restored/blob", time.Minute))
		if got != sum {
			t.Fatalf("restored file checksum %q, want %q", got, sum)
		}
	})

	t.Run("instance store: kept across reboot, blank after stop and start", func(t *testing.T) {
		out, err := c.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{b}})
		if err != nil {
			t.Fatal(err)
		}
		var launchVol string
		for _, m := range out.Reservations[0].Instances[0].BlockDeviceMappings {
			if aws.ToString(m.DeviceName) == "/dev/sdh" {
				launchVol = aws.ToString(m.Ebs.VolumeId)
			}
		}
		if launchVol == "" {
			t.Fatalf("the launch's /dev/sdh volume is not in the block device mappings: %+v", out.Reservations[0].Instances[0].BlockDeviceMappings)
		}
		if got := strings.TrimSpace(sshRun(t, ipB, signer, "echo "+devOf(launchVol), time.Minute)); got == "" {
			t.Errorf("the guest has no disk for %s", launchVol)
		}
		inB := func(cmd string) string { return strings.TrimSpace(sshRun(t, ipB, signer, cmd, 3*time.Minute)) }
		if got := inB("cat /sys/block/nvme0n1/device/model 2>/dev/null || ls /sys/block"); !strings.Contains(got, "NVMe") && !strings.Contains(got, "QEMU") {
			t.Fatalf("no NVMe instance store disk in the guest: %q", got)
		}
		inB("echo kept | sudo dd of=/dev/nvme0n1 conv=fsync 2>/dev/null")
		boot := inB("cat /proc/sys/kernel/random/boot_id")
		if _, err := c.RebootInstances(ctx, &ec2.RebootInstancesInput{InstanceIds: []string{b}}); err != nil {
			t.Fatal(err)
		}
		eventually(t, 3*time.Minute, func() string {
			if inB("cat /proc/sys/kernel/random/boot_id") == boot {
				return "the guest has not rebooted"
			}
			return ""
		})
		if got := inB("sudo head -c 4 /dev/nvme0n1"); got != "kept" {
			t.Errorf("instance store after a reboot: %q, want kept", got)
		}
		if _, err := c.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{b}}); err != nil {
			t.Fatal(err)
		}
		waitState(t, c, b, types.InstanceStateNameStopped, 3*time.Minute)
		if _, err := c.StartInstances(ctx, &ec2.StartInstancesInput{InstanceIds: []string{b}}); err != nil {
			t.Fatal(err)
		}
		ipB = aws.ToString(waitState(t, c, b, types.InstanceStateNameRunning, 3*time.Minute).PublicIpAddress)
		if got := inB("sudo head -c 4 /dev/nvme0n1 | od -An -c | tr -d ' '"); got != `\0\0\0\0` {
			t.Errorf("instance store after stop and start: %q, want zeros", got)
		}
	})

	t.Run("the image can be shared with another account", func(t *testing.T) {
		other, friend := env.NewAccountWithID(t, "friend")
		if _, err := other.DescribeImages(ctx, &ec2.DescribeImagesInput{ImageIds: []string{ami}}); code(err) != "InvalidAMIID.NotFound" {
			t.Fatalf("before sharing: %v", err)
		}
		if _, err := c.ModifyImageAttribute(ctx, &ec2.ModifyImageAttributeInput{ImageId: aws.String(ami),
			LaunchPermission: &types.LaunchPermissionModifications{Add: []types.LaunchPermission{{UserId: aws.String(friend)}}}}); err != nil {
			t.Fatal(err)
		}
		run, err := other.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String(ami), InstanceType: types.InstanceTypeT2Micro,
			MinCount: aws.Int32(1), MaxCount: aws.Int32(1)})
		if err != nil {
			t.Fatalf("launch of the shared image: %v", err)
		}
		if _, err := other.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{aws.ToString(run.Instances[0].InstanceId)}}); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("stop and start keep the volume's data", func(t *testing.T) {
		inA("sudo umount /data 2>/dev/null; true")
		if _, err := c.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{a}}); err != nil {
			t.Fatal(err)
		}
		waitState(t, c, a, types.InstanceStateNameStopped, 3*time.Minute)
		if _, err := c.StartInstances(ctx, &ec2.StartInstancesInput{InstanceIds: []string{a}}); err != nil {
			t.Fatal(err)
		}
		ipA = aws.ToString(waitState(t, c, a, types.InstanceStateNameRunning, 3*time.Minute).PublicIpAddress)
		got := strings.TrimSpace(sshRun(t, ipA, signer, "sudo mkdir -p /data && sudo mount "+devOf(volID)+" /data && md5sum < /data/blob", 3*time.Minute))
		if got != sum {
			t.Fatalf("after stop/start the file's checksum is %q, want %q", got, sum)
		}
		inA("sudo umount /data")
	})

	t.Run("detach and delete", func(t *testing.T) {
		if _, err := c.DetachVolume(ctx, &ec2.DetachVolumeInput{VolumeId: aws.String(volID)}); err != nil {
			t.Fatal(err)
		}
		waitVolume(t, c, volID, types.VolumeStateAvailable, "")
		if got := strings.TrimSpace(inA("echo " + devOf(volID))); got != "" {
			t.Errorf("the guest still has the volume: %q", got)
		}
		if _, err := c.DeleteVolume(ctx, &ec2.DeleteVolumeInput{VolumeId: aws.String(volID)}); err != nil {
			t.Fatal(err)
		}
	})
}
