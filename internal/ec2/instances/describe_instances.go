package instances

import (
	"context"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awsquery/ec2api"
	"github.com/kumo-cloud/kumo/internal/ec2/describe"
	"github.com/kumo-cloud/kumo/internal/ec2/ebs"
	"github.com/kumo-cloud/kumo/internal/ec2/filter"
	"github.com/kumo-cloud/kumo/internal/ec2/paging"
)

// instanceFields are the DescribeInstances filters Kumo supports.
func instanceFields(in *Instance) filter.Fields {
	return func(name string) []string {
		switch name {
		case "instance-id":
			return []string{in.ID}
		case "instance-state-name":
			return []string{string(in.State)}
		case "instance-state-code":
			return []string{strconv.Itoa(int(in.State.Code()))}
		case "instance-type":
			return []string{in.InstanceType}
		case "image-id":
			return []string{in.ImageID}
		case "availability-zone":
			return []string{in.AvailabilityZone}
		case "key-name":
			return []string{in.KeyName}
		case "vpc-id", "network-interface.vpc-id":
			return []string{in.VPCID}
		case "subnet-id", "network-interface.subnet-id":
			return []string{in.SubnetID}
		case "private-ip-address", "network-interface.addresses.private-ip-address":
			return []string{in.PrivateIP}
		case "ip-address", "network-interface.addresses.association.public-ip":
			return []string{in.PublicIP}
		case "private-dns-name":
			return []string{PrivateDNSName(in.PrivateIP, in.Region)}
		case "dns-name":
			return []string{PublicDNSName(in.PublicIP, in.Region)}
		case "reservation-id":
			return []string{in.ReservationID}
		case "launch-time":
			return []string{in.LaunchTime.UTC().Format("2006-01-02T15:04:05.000Z")}
		case "owner-id":
			return []string{in.Account}
		case "instance.group-id", "group-id", "network-interface.group-id":
			return groupField(in.Groups, true)
		case "instance.group-name", "group-name", "network-interface.group-name":
			return groupField(in.Groups, false)
		case "network-interface.network-interface-id":
			return []string{in.ENIID}
		case "network-interface.mac-address":
			return []string{in.MAC}
		case "root-device-type":
			return []string{"ebs"}
		case "root-device-name":
			return []string{in.Root.DeviceName}
		case "block-device-mapping.volume-id":
			return []string{in.Root.VolumeID}
		case "architecture":
			return []string{"x86_64"}
		case "client-token":
			return []string{in.ClientToken}
		case "ami-launch-index":
			return []string{strconv.Itoa(int(in.LaunchIndex))}
		case "tenancy":
			return []string{"default"}
		case "metadata-options.http-tokens":
			return []string{in.Metadata.HTTPTokens}
		case "metadata-options.http-endpoint":
			return []string{in.Metadata.HTTPEndpoint}
		case "state-reason-code":
			if in.StateReason != nil {
				return []string{in.StateReason.Code}
			}
		}
		return nil
	}
}

var instanceFilterNames = []string{"instance-id", "instance-state-name", "instance-state-code", "instance-type", "image-id",
	"availability-zone", "key-name", "vpc-id", "network-interface.vpc-id", "subnet-id", "network-interface.subnet-id",
	"private-ip-address", "network-interface.addresses.private-ip-address", "ip-address",
	"network-interface.addresses.association.public-ip", "private-dns-name", "dns-name", "reservation-id", "launch-time",
	"owner-id", "instance.group-id", "group-id", "network-interface.group-id", "instance.group-name", "group-name",
	"network-interface.group-name", "network-interface.network-interface-id", "network-interface.mac-address",
	"root-device-type", "root-device-name", "block-device-mapping.volume-id", "architecture", "client-token",
	"ami-launch-index", "tenancy", "metadata-options.http-tokens", "metadata-options.http-endpoint", "state-reason-code"}

func groupField(gs []GroupRef, ids bool) []string {
	out := make([]string, len(gs))
	for i, g := range gs {
		out[i] = g.Name
		if ids {
			out[i] = g.ID
		}
	}
	return out
}

// DescribeInstances lists instances grouped by reservation.
func (h *Handlers) DescribeInstances(ctx context.Context, r *api.Request, in *ec2api.DescribeInstancesRequest) (*ec2api.DescribeInstancesResult, error) {
	fs, err := filter.FromWire(in.Filters, instanceFilterNames, true)
	if err != nil {
		return nil, err
	}
	q := describe.Query[Instance]{Kind: Kind, IDs: in.InstanceIds, Filters: fs, MinPage: 5, MaxPage: 1000,
		Page:   paging.Request{Op: "DescribeInstances", MaxResults: in.MaxResults, NextToken: in.NextToken},
		Fields: instanceFields}
	if err := q.CheckIDs(); err != nil {
		return nil, err
	}
	if err := r.Authorize(in.DryRun); err != nil {
		return nil, err
	}
	visible, err := h.visible(ctx, r)
	if err != nil {
		return nil, err
	}
	page, next, err := q.Run(visible)
	if err != nil {
		return nil, err
	}
	var extra map[string][]ec2api.InstanceNetworkInterface
	if h.AttachedInterfaces != nil && len(page) > 0 {
		if extra, err = h.AttachedInterfaces(ctx, r.Region, r.AccountID); err != nil {
			return nil, err
		}
	}
	vols := map[string][]ebs.Volume{} // instance id → attached data volumes
	if len(page) > 0 {
		all, err := (&ebs.Store{S: h.Raw}).Volumes(ctx, r.Region, r.AccountID)
		if err != nil {
			return nil, err
		}
		for _, v := range all {
			if v.Attachment != nil && !v.Root {
				vols[v.Attachment.InstanceID] = append(vols[v.Attachment.InstanceID], v)
			}
		}
	}
	out := &ec2api.DescribeInstancesResult{Reservations: []ec2api.Reservation{}, NextToken: next}
	byRes := map[string]int{}
	for i := range page {
		inst := &page[i]
		k, ok := byRes[inst.ReservationID]
		if !ok {
			k = len(out.Reservations)
			byRes[inst.ReservationID] = k
			out.Reservations = append(out.Reservations, ec2api.Reservation{
				ReservationId: aws.String(inst.ReservationID), OwnerId: aws.String(inst.Account), Groups: []ec2api.GroupIdentifier{},
			})
		}
		w := h.wire(inst, r.Now)
		if inst.State != Terminated {
			w.NetworkInterfaces = append(w.NetworkInterfaces, extra[inst.ID]...)
			for _, v := range vols[inst.ID] {
				w.BlockDeviceMappings = append(w.BlockDeviceMappings, ec2api.InstanceBlockDeviceMapping{
					DeviceName: aws.String(v.Attachment.Device),
					Ebs: &ec2api.EbsInstanceBlockDevice{AttachTime: aws.Time(v.Attachment.AttachTime), DeleteOnTermination: aws.Bool(v.Attachment.DeleteOnTermination),
						Status: aws.String(v.Attachment.State), VolumeId: aws.String(v.ID)},
				})
			}
		}
		out.Reservations[k].Instances = append(out.Reservations[k].Instances, w)
	}
	return out, nil
}

// visible lists the account's instances that Describe calls still show.
func (h *Handlers) visible(ctx context.Context, r *api.Request) ([]Instance, error) {
	all, err := h.Instances.List(ctx, r.Region, r.AccountID)
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, in := range all {
		if in.Visible(r.Now) {
			out = append(out, in)
		}
	}
	return out, nil
}
