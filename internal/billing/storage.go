package billing

import "fmt"

func (r *rating) prepareStorage() error {
	for i := range r.u.Volumes {
		v := &r.u.Volumes[i]
		price, err := priceOf(r.prices.VolumeGBMonth(v.Region, v.VolumeType))
		if err != nil {
			return fmt.Errorf("rate volume %s (%s): %w", v.ID, v.VolumeType, err)
		}
		life, ok := lifetime(v.Created, v.Deleted, r.from, r.to)
		if !ok {
			continue
		}
		r.addFlat(flatCharge{
			source: SourceEBS,
			res: &Resource{
				Account: v.Account, Service: ServiceEC2Other,
				UsageType: volumeUsageType(v.Region, v.VolumeType), Operation: volumeOperation(v.VolumeType),
				Region: v.Region, Zone: v.Zone, ResourceID: v.ID, Tags: v.Tags, Unit: UnitGBMonths,
			},
			spans: volumeSizes(v, life), price: price, monthly: true,
		})
	}
	for i := range r.u.Snapshots {
		s := &r.u.Snapshots[i]
		price, err := priceOf(r.prices.SnapshotGBMonth(s.Region))
		if err != nil {
			return fmt.Errorf("rate snapshot %s: %w", s.ID, err)
		}
		life, ok := lifetime(s.Created, s.Deleted, r.from, r.to)
		if !ok {
			continue
		}
		r.addFlat(flatCharge{
			source: SourceSnapshot,
			res: &Resource{
				Account: s.Account, Service: ServiceEC2Other,
				UsageType: usageType(s.Region, "EBS:SnapshotUsage"), Operation: "CreateSnapshot",
				Region: s.Region, ResourceID: s.ID, Tags: s.Tags, Unit: UnitGBMonths,
			},
			spans: []sizedSpan{{life, s.StoredGiB}}, price: price, monthly: true,
		})
	}
	return nil
}

// volumeOperations are AWS's operation names for volume usage.
var volumeOperations = map[string]string{
	"standard": "CreateVolume", "gp2": "CreateVolume-Gp2", "gp3": "CreateVolume-Gp3",
	"io1": "CreateVolume-P-IOPS", "st1": "CreateVolume-St1", "sc1": "CreateVolume-Sc1",
}

func volumeOperation(volumeType string) string {
	if op, ok := volumeOperations[volumeType]; ok {
		return op
	}
	return "CreateVolume-" + volumeType
}

// volumeSizes cuts a volume's life at its resizes.
func volumeSizes(v *Volume, life span) []sizedSpan {
	size, from := v.SizeGiB, unix(v.Created)
	var out []sizedSpan
	for _, rz := range v.Resizes {
		at := unix(rz.At)
		if s, ok := clip(span{from, at}, life.from, life.to); ok {
			out = append(out, sizedSpan{s, size})
		}
		size, from = rz.SizeGiB, max(from, at)
	}
	if s, ok := clip(span{from, life.to}, life.from, life.to); ok {
		out = append(out, sizedSpan{s, size})
	}
	return out
}
