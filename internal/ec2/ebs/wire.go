package ebs

import (
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/awsquery/ec2api"
	"github.com/kumo-cloud/kumo/internal/ec2/tags"
)

// timeFormat is how time filters match: EC2's ISO 8601 with milliseconds.
const timeFormat = "2006-01-02T15:04:05.000Z"

// CopiedVolumeID is the volume id AWS gives snapshots made by CopySnapshot.
const CopiedVolumeID = "vol-ffffffff"

func attachmentWire(volumeID string, a *Attachment) ec2api.VolumeAttachment {
	return ec2api.VolumeAttachment{AttachTime: aws.Time(a.AttachTime), Device: aws.String(a.Device), InstanceId: aws.String(a.InstanceID),
		State: aws.String(a.State), VolumeId: aws.String(volumeID), DeleteOnTermination: aws.Bool(a.DeleteOnTermination)}
}

// volumeWire renders a volume as DescribeVolumes shows it.
func volumeWire(v *Volume) ec2api.Volume {
	w := ec2api.Volume{
		Attachments: []ec2api.VolumeAttachment{}, AvailabilityZone: aws.String(v.AvailabilityZone), CreateTime: aws.Time(v.CreatedAt),
		Encrypted: aws.Bool(v.Encrypted), Size: aws.Int32(v.SizeGiB), SnapshotId: aws.String(v.SnapshotID), State: aws.String(v.State),
		VolumeId: aws.String(v.ID), Tags: tags.ToWire(v.Tags), VolumeType: aws.String(v.Type), MultiAttachEnabled: aws.Bool(v.MultiAttach),
	}
	for _, a := range v.Attachments() {
		w.Attachments = append(w.Attachments, attachmentWire(v.ID, &a))
	}
	if v.Encrypted {
		w.KmsKeyId = aws.String(v.KMSKeyID)
	}
	if iops, ok := v.ShownIOPS(); ok {
		w.Iops = aws.Int32(iops)
	}
	if t, ok := v.ShownThroughput(); ok {
		w.Throughput = aws.Int32(t)
	}
	return w
}

func progress(p int) *string { return aws.String(fmt.Sprintf("%d%%", p)) }

// snapshotWire renders a snapshot for account: tags are the owner's and
// shown to the owner only.
func snapshotWire(sn *Snapshot, account string) ec2api.Snapshot {
	w := ec2api.Snapshot{
		Description: aws.String(sn.Description), Encrypted: aws.Bool(sn.Encrypted), OwnerId: aws.String(sn.Account),
		Progress: progress(sn.Progress), SnapshotId: aws.String(sn.ID), StartTime: aws.Time(sn.StartTime), State: aws.String(sn.State),
		VolumeId: aws.String(sn.VolumeID), VolumeSize: aws.Int32(sn.VolumeSizeGiB), StorageTier: aws.String("standard"),
	}
	if sn.Encrypted {
		w.KmsKeyId = aws.String(sn.KMSKeyID)
	}
	if sn.OwnerAlias != "" {
		w.OwnerAlias = aws.String(sn.OwnerAlias)
	}
	if sn.Account == account {
		w.Tags = tags.ToWire(sn.Tags)
	}
	if sn.State == SnapshotError {
		w.StateMessage = aws.String("The snapshot could not be taken.")
	}
	return w
}

// modificationWire renders a volume's latest modification.
func modificationWire(v *Volume) ec2api.VolumeModification {
	m := v.Modification
	w := ec2api.VolumeModification{
		VolumeId: aws.String(v.ID), ModificationState: aws.String(m.State), Progress: aws.Int64(int64(m.Progress)), StartTime: aws.Time(m.StartTime),
		TargetSize: aws.Int32(m.Target.SizeGiB), TargetVolumeType: aws.String(m.Target.Type), TargetMultiAttachEnabled: aws.Bool(m.Target.MultiAttach),
		OriginalSize: aws.Int32(m.Original.SizeGiB), OriginalVolumeType: aws.String(m.Original.Type), OriginalMultiAttachEnabled: aws.Bool(m.Original.MultiAttach),
	}
	if iops, ok := shownIOPS(m.Target); ok {
		w.TargetIops = aws.Int32(iops)
	}
	if iops, ok := shownIOPS(m.Original); ok {
		w.OriginalIops = aws.Int32(iops)
	}
	if m.Target.Type == GP3 {
		w.TargetThroughput = aws.Int32(m.Target.Throughput)
	}
	if m.Original.Type == GP3 {
		w.OriginalThroughput = aws.Int32(m.Original.Throughput)
	}
	if !m.EndTime.IsZero() {
		w.EndTime = aws.Time(m.EndTime)
	}
	return w
}

func shownIOPS(s VolumeShape) (int32, bool) {
	v := Volume{}
	v.SetShape(s)
	return v.ShownIOPS()
}
