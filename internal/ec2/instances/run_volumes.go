package instances

import (
	"context"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/awsquery/ec2api"
	"github.com/kumo-cloud/kumo/internal/ec2/ebs"
	"github.com/kumo-cloud/kumo/internal/ec2/images"
	"github.com/kumo-cloud/kumo/internal/ec2/resource"
)

// dataVolume is an EBS volume a launch attaches besides the root: from the
// AMI's block device mappings, changed or added by the request's.
type dataVolume struct {
	device              string
	shape               ebs.VolumeShape
	snapshotID          string
	deleteOnTermination bool
	encrypted           bool
}

// dataVolumes resolves the non-root EBS mappings of a launch. Instance store
// names (ephemeralN) need nothing: the type's local disks come anyway.
func (h *Handlers) dataVolumes(ctx context.Context, region, account string, bdms []ec2api.BlockDeviceMapping, img *images.Image) ([]dataVolume, error) {
	type want struct {
		snapshotID, typ     string
		size                int32
		iops, throughput    *int32
		deleteOnTermination bool
		encrypted           bool
		// requested: the snapshot comes from the request, not the AMI; a
		// launch permission covers the AMI's own snapshots, as on AWS.
		requested bool
	}
	byDev := map[string]*want{}
	var order []string
	for _, m := range img.BlockDeviceMappings {
		if m.DeviceName == img.RootDeviceName || m.EBS == nil || m.NoDevice {
			continue
		}
		w := &want{snapshotID: m.EBS.SnapshotID, typ: m.EBS.VolumeType, size: m.EBS.VolumeSizeGiB,
			deleteOnTermination: m.EBS.DeleteOnTermination, encrypted: m.EBS.Encrypted}
		if m.EBS.IOPS > 0 {
			w.iops = aws.Int32(m.EBS.IOPS)
		}
		if m.EBS.Throughput > 0 {
			w.throughput = aws.Int32(m.EBS.Throughput)
		}
		byDev[m.DeviceName], order = w, append(order, m.DeviceName)
	}
	for _, m := range bdms {
		dev := aws.ToString(m.DeviceName)
		if dev == img.RootDeviceName {
			continue
		}
		if !ebs.ValidDevice(dev) {
			return nil, awserr.InvalidParameterValue("Value (%s) for parameter device is invalid. %s is not a valid EBS device name.", dev, dev)
		}
		switch {
		case m.NoDevice != nil:
			delete(byDev, dev)
			continue
		case m.VirtualName != nil || m.Ebs == nil:
			continue
		}
		w := byDev[dev]
		if w == nil {
			w = &want{deleteOnTermination: true}
			byDev[dev], order = w, append(order, dev)
		}
		e := m.Ebs
		if e.SnapshotId != nil {
			w.snapshotID, w.requested = *e.SnapshotId, true
		}
		if e.VolumeSize != nil {
			w.size = *e.VolumeSize
		}
		if e.VolumeType != nil {
			w.typ = *e.VolumeType
		}
		if e.Iops != nil {
			w.iops = e.Iops
		}
		if e.Throughput != nil {
			w.throughput = e.Throughput
		}
		if e.DeleteOnTermination != nil {
			w.deleteOnTermination = *e.DeleteOnTermination
		}
		if e.Encrypted != nil {
			w.encrypted = *e.Encrypted
		}
	}
	st := &ebs.Store{S: h.Raw}
	var out []dataVolume
	for _, dev := range order {
		w := byDev[dev]
		if w == nil || slices.ContainsFunc(out, func(d dataVolume) bool { return d.device == dev }) {
			continue
		}
		if w.snapshotID != "" {
			snap, err := st.FindSnapshot(ctx, region, w.snapshotID)
			if err != nil {
				return nil, err
			}
			if snap == nil || w.requested && !snap.Usable(account) {
				return nil, awserr.BadRequest(ebs.SnapshotKind.NotFound, "The snapshot '%s' does not exist.", w.snapshotID)
			}
			if w.size == 0 {
				w.size = snap.VolumeSizeGiB
			}
			if w.size < snap.VolumeSizeGiB {
				return nil, awserr.BadRequest("InvalidBlockDeviceMapping", "Volume of size %dGB is smaller than snapshot '%s', expect size >= %dGB", w.size, snap.ID, snap.VolumeSizeGiB)
			}
		} else if w.size == 0 {
			return nil, awserr.MissingParameter("BlockDeviceMapping.Ebs.VolumeSize (or SnapshotId) for " + dev)
		}
		shape, err := ebs.ResolveShape(ebs.ShapeRequest{Type: w.typ, SizeGiB: w.size, IOPS: w.iops, Throughput: w.throughput})
		if err != nil {
			return nil, err
		}
		out = append(out, dataVolume{device: dev, shape: shape, snapshotID: w.snapshotID,
			deleteOnTermination: w.deleteOnTermination, encrypted: w.encrypted})
	}
	return out, nil
}

// dataVolumeRecord is the record of a launch's data volume for one instance.
func dataVolumeRecord(inst *Instance, d dataVolume, tags map[string]string) *ebs.Volume {
	return &ebs.Volume{
		Meta:             resource.Meta{ID: VolumeKind.NewID(), Account: inst.Account, Region: inst.Region, Tags: tags, CreatedAt: inst.LaunchTime},
		AvailabilityZone: inst.AvailabilityZone, SizeGiB: d.shape.SizeGiB, Type: d.shape.Type, IOPS: d.shape.IOPS,
		Throughput: d.shape.Throughput, SnapshotID: d.snapshotID, Encrypted: d.encrypted, State: ebs.VolumeCreating, Host: inst.Host,
		Attachment: &ebs.Attachment{InstanceID: inst.ID, Device: d.device, State: ebs.Attached, AttachTime: inst.LaunchTime,
			DeleteOnTermination: d.deleteOnTermination},
	}
}
