package ebs

import (
	"context"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/awsquery/ec2api"
	"github.com/kumo-cloud/kumo/internal/ec2/describe"
	"github.com/kumo-cloud/kumo/internal/ec2/filter"
	"github.com/kumo-cloud/kumo/internal/ec2/paging"
)

var volumeFilters = []string{"attachment.attach-time", "attachment.delete-on-termination", "attachment.device",
	"attachment.instance-id", "attachment.status", "availability-zone", "create-time", "encrypted",
	"multi-attach-enabled", "fast-restored", "size", "snapshot-id", "status", "volume-id", "volume-type"}

func volumeFields(v *Volume) filter.Fields {
	m := map[string][]string{
		"availability-zone": {v.AvailabilityZone}, "create-time": {v.CreatedAt.UTC().Format(timeFormat)},
		"encrypted": {strconv.FormatBool(v.Encrypted)}, "multi-attach-enabled": {strconv.FormatBool(v.MultiAttach)},
		"fast-restored": {"false"}, "size": {strconv.Itoa(int(v.SizeGiB))}, "snapshot-id": {v.SnapshotID},
		"status": {v.State}, "volume-id": {v.ID}, "volume-type": {v.Type},
	}
	for _, a := range v.Attachments() {
		m["attachment.attach-time"] = append(m["attachment.attach-time"], a.AttachTime.UTC().Format(timeFormat))
		m["attachment.delete-on-termination"] = append(m["attachment.delete-on-termination"], strconv.FormatBool(a.DeleteOnTermination))
		m["attachment.device"] = append(m["attachment.device"], a.Device)
		m["attachment.instance-id"] = append(m["attachment.instance-id"], a.InstanceID)
		m["attachment.status"] = append(m["attachment.status"], a.State)
	}
	return filter.Values(m)
}

// DescribeVolumes lists the account's volumes.
func (h *Handlers) DescribeVolumes(ctx context.Context, r *api.Request, in *ec2api.DescribeVolumesRequest) (*ec2api.DescribeVolumesResult, error) {
	fs, err := filter.FromWire(in.Filters, volumeFilters, true)
	if err != nil {
		return nil, err
	}
	q := describe.Query[Volume]{Kind: VolumeKind, IDs: in.VolumeIds, Filters: fs, MinPage: 5, MaxPage: 500,
		Page: paging.Request{Op: "DescribeVolumes", MaxResults: in.MaxResults, NextToken: in.NextToken}, Fields: volumeFields}
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
	page, next, err := q.Run(all)
	if err != nil {
		return nil, err
	}
	out := &ec2api.DescribeVolumesResult{Volumes: []ec2api.Volume{}, NextToken: next}
	for i := range page {
		out.Volumes = append(out.Volumes, volumeWire(&page[i]))
	}
	return out, nil
}

var volumeStatusFilters = []string{"action.code", "action.description", "action.event-id", "availability-zone",
	"event.description", "event.event-id", "event.event-type", "event.not-after", "event.not-before",
	"volume-status.details-name", "volume-status.details-status", "volume-status.status"}

// volumeStatus is the status DescribeVolumeStatus gives a volume and its
// io-enabled check: Kumo schedules no events and never disables I/O, so a
// volume that has its file is ok.
func volumeStatus(v *Volume) (status, ioEnabled string) {
	switch v.State {
	case VolumeAvailable, VolumeInUse:
		return "ok", "passed"
	case VolumeError:
		return "impaired", "failed"
	}
	return "insufficient-data", "insufficient-data"
}

// ioPerformance is the io-performance check: measured for Provisioned IOPS
// volumes only, as on AWS.
func ioPerformance(v *Volume) string {
	if v.Type == IO1 || v.Type == IO2 {
		if st, _ := volumeStatus(v); st == "ok" {
			return "normal"
		}
		return "insufficient-data"
	}
	return "not-applicable"
}

func volumeStatusFields(v *Volume) filter.Fields {
	st, io := volumeStatus(v)
	return filter.Values(map[string][]string{"availability-zone": {v.AvailabilityZone},
		"volume-status.details-name": {"io-enabled", "io-performance"}, "volume-status.details-status": {io, ioPerformance(v)},
		"volume-status.status": {st}})
}

// DescribeVolumeStatus reports the status checks of the account's volumes.
func (h *Handlers) DescribeVolumeStatus(ctx context.Context, r *api.Request, in *ec2api.DescribeVolumeStatusRequest) (*ec2api.DescribeVolumeStatusResult, error) {
	fs, err := filter.FromWire(in.Filters, volumeStatusFilters, false)
	if err != nil {
		return nil, err
	}
	q := describe.Query[Volume]{Kind: VolumeKind, IDs: in.VolumeIds, Filters: fs, MinPage: 5, MaxPage: 1000,
		Page: paging.Request{Op: "DescribeVolumeStatus", MaxResults: in.MaxResults, NextToken: in.NextToken}, Fields: volumeStatusFields}
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
	page, next, err := q.Run(all)
	if err != nil {
		return nil, err
	}
	out := &ec2api.DescribeVolumeStatusResult{VolumeStatuses: []ec2api.VolumeStatusItem{}, NextToken: next}
	for i := range page {
		v := &page[i]
		st, io := volumeStatus(v)
		item := ec2api.VolumeStatusItem{
			VolumeId: aws.String(v.ID), AvailabilityZone: aws.String(v.AvailabilityZone),
			Actions: []ec2api.VolumeStatusAction{}, Events: []ec2api.VolumeStatusEvent{},
			VolumeStatus: &ec2api.VolumeStatusInfo{Status: aws.String(st), Details: []ec2api.VolumeStatusDetails{
				{Name: aws.String("io-enabled"), Status: aws.String(io)},
				{Name: aws.String("io-performance"), Status: aws.String(ioPerformance(v))},
			}},
		}
		if v.Type == IO1 || v.Type == IO2 {
			for _, a := range v.Attachments() {
				item.AttachmentStatuses = append(item.AttachmentStatuses, ec2api.VolumeStatusAttachmentStatus{
					InstanceId: aws.String(a.InstanceID), IoPerformance: aws.String(ioPerformance(v))})
			}
		}
		out.VolumeStatuses = append(out.VolumeStatuses, item)
	}
	return out, nil
}

// DescribeVolumeAttribute returns autoEnableIO (always off: Kumo never
// disables a volume's I/O) or productCodes (none) of a volume.
func (h *Handlers) DescribeVolumeAttribute(ctx context.Context, r *api.Request, in *ec2api.DescribeVolumeAttributeRequest) (*ec2api.DescribeVolumeAttributeResult, error) {
	attr, id := aws.ToString(in.Attribute), aws.ToString(in.VolumeId)
	switch {
	case id == "":
		return nil, awserr.MissingParameter("VolumeId")
	case attr == "":
		return nil, awserr.MissingParameter("Attribute")
	case attr != "autoEnableIO" && attr != "productCodes":
		return nil, awserr.InvalidParameterValue("Value (%s) for parameter attribute is invalid. Unknown attribute.", attr)
	}
	v, _, err := h.Store.GetVolume(ctx, r.Region, r.AccountID, id)
	if err != nil {
		return nil, err
	}
	if err := r.AuthorizeOn(in.DryRun, v.authz()); err != nil {
		return nil, err
	}
	out := &ec2api.DescribeVolumeAttributeResult{VolumeId: aws.String(v.ID)}
	if attr == "autoEnableIO" {
		out.AutoEnableIO = &ec2api.AttributeBooleanValue{Value: aws.Bool(false)}
	} else {
		out.ProductCodes = []ec2api.ProductCode{}
	}
	return out, nil
}
