package instances

import (
	"context"
	"encoding/base64"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awsquery/ec2api"
	"github.com/kumo-cloud/kumo/internal/ec2/describe"
	"github.com/kumo-cloud/kumo/internal/ec2/filter"
	"github.com/kumo-cloud/kumo/internal/ec2/paging"
)

// checks returns the system and instance status checks of an instance: the
// system check watches the VM process, the instance check the guest OS.
func checks(in *Instance) (system, instance [2]string) {
	if in.State != Running {
		return [2]string{"not-applicable", ""}, [2]string{"not-applicable", ""}
	}
	system = [2]string{"ok", "passed"}
	if in.Impaired {
		system = [2]string{"impaired", "failed"}
	}
	instance = [2]string{"initializing", "initializing"}
	if in.GuestReady {
		instance = [2]string{"ok", "passed"}
	}
	return system, instance
}

func summary(c [2]string) *ec2api.InstanceStatusSummary {
	s := &ec2api.InstanceStatusSummary{Status: aws.String(c[0])}
	if c[1] != "" {
		s.Details = []ec2api.InstanceStatusDetails{{Name: aws.String("reachability"), Status: aws.String(c[1])}}
	}
	return s
}

// DescribeInstanceStatus reports the status checks of running instances (all
// instances with IncludeAllInstances).
func (h *Handlers) DescribeInstanceStatus(ctx context.Context, r *api.Request, in *ec2api.DescribeInstanceStatusRequest) (*ec2api.DescribeInstanceStatusResult, error) {
	fs, err := filter.FromWire(in.Filters, []string{"availability-zone", "instance-state-name", "instance-state-code",
		"instance-status.status", "instance-status.reachability", "system-status.status", "system-status.reachability"}, false)
	if err != nil {
		return nil, err
	}
	q := describe.Query[Instance]{Kind: Kind, IDs: in.InstanceIds, Filters: fs, MinPage: 5, MaxPage: 1000,
		Page: paging.Request{Op: "DescribeInstanceStatus", MaxResults: in.MaxResults, NextToken: in.NextToken},
		Fields: func(i *Instance) filter.Fields {
			sys, ins := checks(i)
			return filter.Values(map[string][]string{
				"availability-zone": {i.AvailabilityZone}, "instance-state-name": {string(i.State)},
				"instance-state-code":    {strconv.Itoa(int(i.State.Code()))},
				"instance-status.status": {ins[0]}, "instance-status.reachability": {ins[1]},
				"system-status.status": {sys[0]}, "system-status.reachability": {sys[1]},
			})
		}}
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
	if !aws.ToBool(in.IncludeAllInstances) {
		running := visible[:0]
		for _, i := range visible {
			if i.State == Running {
				running = append(running, i)
			}
		}
		visible = running
		q.IDs = nil // AWS lists only the running ones of the ids asked for
		want := map[string]bool{}
		for _, id := range in.InstanceIds {
			want[id] = true
		}
		if len(want) > 0 {
			sel := visible[:0]
			for _, i := range visible {
				if want[i.ID] {
					sel = append(sel, i)
				}
			}
			visible = sel
		}
	}
	page, next, err := q.Run(visible)
	if err != nil {
		return nil, err
	}
	out := &ec2api.DescribeInstanceStatusResult{InstanceStatuses: []ec2api.InstanceStatus{}, NextToken: next}
	for _, i := range page {
		sys, ins := checks(&i)
		out.InstanceStatuses = append(out.InstanceStatuses, ec2api.InstanceStatus{
			AvailabilityZone: aws.String(i.AvailabilityZone), InstanceId: aws.String(i.ID), InstanceState: wireState(i.State),
			InstanceStatus: summary(ins), SystemStatus: summary(sys), Events: []ec2api.InstanceStatusEvent{},
		})
	}
	return out, nil
}

// consoleLimit is how much of the console GetConsoleOutput returns: the last 64 KB.
const consoleLimit = 64 * 1024

// GetConsoleOutput returns the serial console, base64-encoded.
func (h *Handlers) GetConsoleOutput(ctx context.Context, r *api.Request, in *ec2api.GetConsoleOutputRequest) (*ec2api.GetConsoleOutputResult, error) {
	id := aws.ToString(in.InstanceId)
	if err := checkID(id); err != nil {
		return nil, err
	}
	inst, _, err := h.Instances.Get(ctx, r.Region, r.AccountID, id)
	if err != nil {
		return nil, err
	}
	if err := r.Authorize(in.DryRun); err != nil {
		return nil, err
	}
	out := &ec2api.GetConsoleOutputResult{InstanceId: aws.String(inst.ID), Timestamp: aws.Time(r.Now)}
	if h.Console == nil {
		return out, nil
	}
	b, err := h.Console(ctx, inst.ID)
	if err != nil || len(b) == 0 {
		return out, nil // nothing printed yet: AWS leaves Output out
	}
	if len(b) > consoleLimit {
		b = b[len(b)-consoleLimit:]
	}
	out.Output = aws.String(base64.StdEncoding.EncodeToString(b))
	return out, nil
}
