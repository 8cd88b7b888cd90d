package images

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/awsquery/ec2api"
	"github.com/kumo-cloud/kumo/internal/ec2/ebs"
)

// device is one EBS volume of the instance CreateImage images.
type device struct {
	volumeID string
	sizeGiB  int32 // the volume's, the snapshot's size
	host     string
	root     bool
	excluded bool // NoDevice in the request
	mapping  Mapping
}

// instanceDevices lists the instance's EBS volumes, root first, then the
// attached data volumes by device name.
func (h *Handlers) instanceDevices(ctx context.Context, inst *loadedInstance) ([]*device, error) {
	vols, err := h.ebs().Volumes(ctx, inst.Region, inst.Account)
	if err != nil {
		return nil, err
	}
	rt := inst.Root
	root := &device{volumeID: rt.VolumeID, sizeGiB: rt.SizeGiB, host: inst.Host, root: true,
		mapping: Mapping{DeviceName: rt.DeviceName, EBS: &EBSMapping{VolumeSizeGiB: rt.SizeGiB, VolumeType: rt.VolumeType,
			DeleteOnTermination: rt.DeleteOnTermination}}}
	out := []*device{root}
	for _, v := range vols {
		if v.ID == rt.VolumeID { // the root's record (instances launched before EBS have none)
			root.sizeGiB, root.host = v.SizeGiB, v.Host
			e := root.mapping.EBS
			e.VolumeSizeGiB, e.VolumeType, e.IOPS, e.Throughput, e.Encrypted, e.KMSKeyID = v.SizeGiB, v.Type, v.IOPS, v.Throughput, v.Encrypted, v.KMSKeyID
			if v.Attachment != nil {
				e.DeleteOnTermination = v.Attachment.DeleteOnTermination
			}
			continue
		}
		a := v.Attachment
		if a == nil || a.InstanceID != inst.ID || a.State == ebs.Detaching {
			continue
		}
		out = append(out, &device{volumeID: v.ID, sizeGiB: v.SizeGiB, host: v.Host,
			mapping: Mapping{DeviceName: a.Device, EBS: &EBSMapping{VolumeSizeGiB: v.SizeGiB, VolumeType: v.Type, IOPS: v.IOPS,
				Throughput: v.Throughput, DeleteOnTermination: a.DeleteOnTermination, Encrypted: v.Encrypted, KMSKeyID: v.KMSKeyID}}})
	}
	slices.SortFunc(out[1:], func(a, b *device) int { return strings.Compare(a.mapping.DeviceName, b.mapping.DeviceName) })
	for _, d := range out {
		// Fills what records of older instances lack (gp3's baseline).
		if err := resolveShape(d.mapping.EBS, currentShape(d.mapping.EBS)); err != nil {
			return nil, fmt.Errorf("volume %s: %w", d.volumeID, err)
		}
	}
	return out, nil
}

// applyOverrides applies CreateImage's BlockDeviceMappings: for a device of
// the instance they change the new mapping (size, type, performance, delete
// on termination) or leave the volume out (NoDevice); other devices add
// mappings (an instance-store name, NoDevice, an empty volume or a volume
// from an existing snapshot), returned in request order.
func (h *Handlers) applyOverrides(ctx context.Context, r *api.Request, devs []*device, ws []ec2api.BlockDeviceMapping) ([]Mapping, error) {
	var extra []Mapping
	var snaps []ebs.Snapshot
	for _, w := range ws {
		dev := aws.ToString(w.DeviceName)
		i := slices.IndexFunc(devs, func(d *device) bool { return d.mapping.DeviceName == dev })
		if i < 0 {
			m, err := mappingFromWire(w)
			if err != nil {
				return nil, err
			}
			if m.EBS != nil {
				if snaps == nil {
					if snaps, err = h.ebs().RegionSnapshots(ctx, r.Region); err != nil {
						return nil, err
					}
				}
				if err := fillFromSnapshot(&m, snaps, r.AccountID); err != nil {
					return nil, err
				}
				if err := resolveShape(m.EBS, shapeRequest(w.Ebs)); err != nil {
					return nil, err
				}
			}
			extra = append(extra, m)
			continue
		}
		d := devs[i]
		switch {
		case w.NoDevice != nil && d.root:
			return nil, badMapping("The root device %s cannot be left out of the image.", dev)
		case w.NoDevice != nil:
			d.excluded = true
			continue
		case w.VirtualName != nil:
			return nil, badMapping("Device %s is an EBS volume of the instance, not an instance-store volume.", dev)
		case w.Ebs == nil:
			continue
		}
		e, o := d.mapping.EBS, w.Ebs
		switch {
		case o.SnapshotId != nil:
			return nil, badMapping("Device %s is a volume of the instance: the image takes a new snapshot of it, not %s.", dev, *o.SnapshotId)
		case o.Encrypted != nil && *o.Encrypted != e.Encrypted:
			return nil, awserr.InvalidParameterCombination("The encryption of %s cannot be changed by CreateImage.", dev)
		case o.VolumeSize != nil && *o.VolumeSize < d.sizeGiB:
			return nil, badMapping("Volume of size %dGB is smaller than the source volume %s, expect size >= %dGB", *o.VolumeSize, d.volumeID, d.sizeGiB)
		}
		req := currentShape(e)
		if o.VolumeType != nil && *o.VolumeType != e.VolumeType {
			req = ebs.ShapeRequest{Type: *o.VolumeType} // the new type's defaults
		}
		if o.Iops != nil {
			req.IOPS = o.Iops
		}
		if o.Throughput != nil {
			req.Throughput = o.Throughput
		}
		if o.VolumeSize != nil {
			e.VolumeSizeGiB = *o.VolumeSize
		}
		if o.DeleteOnTermination != nil {
			e.DeleteOnTermination = *o.DeleteOnTermination
		}
		if err := resolveShape(e, req); err != nil {
			return nil, err
		}
	}
	return extra, nil
}
