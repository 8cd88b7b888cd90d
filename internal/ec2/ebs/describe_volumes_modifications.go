package ebs

import (
	"context"
	"strconv"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/awsquery/ec2api"
	"github.com/kumo-cloud/kumo/internal/ec2/describe"
	"github.com/kumo-cloud/kumo/internal/ec2/filter"
	"github.com/kumo-cloud/kumo/internal/ec2/paging"
)

var modificationFilters = []string{"modification-state", "original-iops", "original-size", "original-volume-type",
	"original-multi-attach-enabled", "original-throughput", "start-time", "target-iops", "target-size",
	"target-volume-type", "target-multi-attach-enabled", "target-throughput", "volume-id"}

func modificationFields(v *Volume) filter.Fields {
	m := v.Modification
	f := map[string][]string{
		"modification-state": {m.State}, "start-time": {m.StartTime.UTC().Format(timeFormat)}, "volume-id": {v.ID},
		"original-size": {strconv.Itoa(int(m.Original.SizeGiB))}, "original-volume-type": {m.Original.Type},
		"original-multi-attach-enabled": {strconv.FormatBool(m.Original.MultiAttach)},
		"target-size":                   {strconv.Itoa(int(m.Target.SizeGiB))}, "target-volume-type": {m.Target.Type},
		"target-multi-attach-enabled": {strconv.FormatBool(m.Target.MultiAttach)},
	}
	if iops, ok := shownIOPS(m.Original); ok {
		f["original-iops"] = []string{strconv.Itoa(int(iops))}
	}
	if iops, ok := shownIOPS(m.Target); ok {
		f["target-iops"] = []string{strconv.Itoa(int(iops))}
	}
	if m.Original.Type == GP3 {
		f["original-throughput"] = []string{strconv.Itoa(int(m.Original.Throughput))}
	}
	if m.Target.Type == GP3 {
		f["target-throughput"] = []string{strconv.Itoa(int(m.Target.Throughput))}
	}
	return filter.Values(f)
}

// DescribeVolumesModifications lists the latest modification of the
// account's volumes, in progress or done.
func (h *Handlers) DescribeVolumesModifications(ctx context.Context, r *api.Request, in *ec2api.DescribeVolumesModificationsRequest) (*ec2api.DescribeVolumesModificationsResult, error) {
	fs, err := filter.FromWire(in.Filters, modificationFilters, false)
	if err != nil {
		return nil, err
	}
	q := describe.Query[Volume]{Kind: VolumeKind, IDs: in.VolumeIds, Filters: fs, MinPage: 5, MaxPage: 500,
		Page: paging.Request{Op: "DescribeVolumesModifications", MaxResults: in.MaxResults, NextToken: in.NextToken}, Fields: modificationFields}
	if err := q.CheckIDs(); err != nil {
		return nil, err
	}
	if err := r.Authorize(in.DryRun); err != nil {
		return nil, err
	}
	all, err := h.Store.Volumes(ctx, r.Region, r.AccountID)
	if err != nil {
		return nil, err
	}
	if id := firstMissing(in.VolumeIds, all, volumeID); id != "" {
		return nil, volumeNotFound(id)
	}
	var modified []Volume
	for _, v := range all {
		if v.Modification != nil {
			modified = append(modified, v)
		}
	}
	if id := firstMissing(in.VolumeIds, modified, volumeID); id != "" {
		return nil, awserr.BadRequest("InvalidVolumeModification.NotFound", "Modification for volume '%s' does not exist.", id)
	}
	page, next, err := q.Run(modified)
	if err != nil {
		return nil, err
	}
	out := &ec2api.DescribeVolumesModificationsResult{VolumesModifications: []ec2api.VolumeModification{}, NextToken: next}
	for i := range page {
		out.VolumesModifications = append(out.VolumesModifications, modificationWire(&page[i]))
	}
	return out, nil
}
