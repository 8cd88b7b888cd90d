package instances

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/awsquery"
	"github.com/kumo-cloud/kumo/internal/awsquery/ec2api"
)

// transition is one instance's part of a lifecycle call: check decides whether
// the instance may make the change (an error aborts the whole call, as AWS's
// calls are all-or-nothing), apply makes it on a fresh copy.
type transition struct {
	check func(in *Instance) error
	apply func(in *Instance, now time.Time)
}

// change validates every id, checks every instance, then applies the change to
// each and reports previous and current states.
func (h *Handlers) change(ctx context.Context, r *api.Request, ids []string, dryRun *bool, t transition) ([]ec2api.InstanceStateChange, error) {
	if len(ids) == 0 {
		return nil, awserr.MissingParameter("InstanceId")
	}
	for _, id := range ids {
		if !Kind.ValidID(id) {
			return nil, awserr.BadRequest(Kind.Malformed, "Invalid id: \"%s\"", id)
		}
	}
	visible, err := h.visible(ctx, r)
	if err != nil {
		return nil, err
	}
	byID := map[string]*Instance{}
	for i := range visible {
		byID[visible[i].ID] = &visible[i]
	}
	var missing []string
	for _, id := range ids {
		if byID[id] == nil {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		return nil, awserr.BadRequest(Kind.NotFound, "The instance IDs '%s' do not exist", joinIDs(missing))
	}
	for _, id := range ids {
		if err := t.check(byID[id]); err != nil {
			return nil, err
		}
	}
	resources := make([]api.Resource, len(ids))
	for i, id := range ids {
		resources[i] = byID[id].authz()
	}
	if err := r.AuthorizeOn(dryRun, resources...); err != nil {
		return nil, err
	}
	var out []ec2api.InstanceStateChange
	for _, id := range ids {
		var prev State
		in, err := h.Instances.Update(ctx, r.Region, r.AccountID, id, func(in *Instance) error {
			prev = in.State
			if err := t.check(in); err != nil {
				return err
			}
			t.apply(in, r.Now.UTC())
			return nil
		})
		if err != nil {
			return nil, err
		}
		out = append(out, ec2api.InstanceStateChange{InstanceId: aws.String(id), PreviousState: wireState(prev), CurrentState: wireState(in.State)})
	}
	h.kick()
	return out, nil
}

func joinIDs(ids []string) string {
	s := ""
	for i, id := range ids {
		if i > 0 {
			s += ", "
		}
		s += id
	}
	return s
}

func incorrectState(in *Instance, verb string) error {
	return awserr.BadRequest("IncorrectInstanceState", "The instance '%s' is not in a state from which it can be %s.", in.ID, verb)
}

func setState(in *Instance, s State, now time.Time, reason *Reason, transition string) {
	in.State, in.StateSince, in.StateReason = s, now, reason
	if transition != "" {
		in.TransitionReason = transition
	}
}

func userReason(now time.Time) string {
	return "User initiated (" + now.Format("2006-01-02 15:04:05 MST") + ")"
}

// StartInstances starts stopped instances (new public address, same root disk).
func (h *Handlers) StartInstances(ctx context.Context, r *api.Request, in *ec2api.StartInstancesRequest) (*ec2api.StartInstancesResult, error) {
	changes, err := h.change(ctx, r, in.InstanceIds, in.DryRun, transition{
		check: func(in *Instance) error {
			switch in.State {
			case Stopped, Pending, Running:
				return nil
			}
			return incorrectState(in, "started")
		},
		apply: func(in *Instance, now time.Time) {
			if in.State != Stopped {
				return
			}
			setState(in, Pending, now, nil, "")
			in.Desired = Running
		},
	})
	if err != nil {
		return nil, err
	}
	return &ec2api.StartInstancesResult{StartingInstances: changes}, nil
}

// StopInstances stops instances: the guest gets an ACPI shutdown, then the VM is
// powered off (at once with Force).
func (h *Handlers) StopInstances(ctx context.Context, r *api.Request, in *ec2api.StopInstancesRequest) (*ec2api.StopInstancesResult, error) {
	if aws.ToBool(in.Hibernate) {
		return nil, unsupported("Hibernate")
	}
	force := aws.ToBool(in.Force)
	changes, err := h.change(ctx, r, in.InstanceIds, in.DryRun, transition{
		check: func(in *Instance) error {
			if in.DisableAPIStop {
				return awserr.BadRequest("OperationNotPermitted", "The instance '%s' may not be stopped. Modify its 'disableApiStop' instance attribute and try again.", in.ID)
			}
			switch in.State {
			case Pending, Running, Stopping, Stopped:
				return nil
			}
			return incorrectState(in, "stopped")
		},
		apply: func(in *Instance, now time.Time) {
			if in.State == Stopped {
				return
			}
			if in.State != Stopping {
				setState(in, Stopping, now, &Reason{"Client.UserInitiatedShutdown", "Client.UserInitiatedShutdown: User initiated shutdown"}, userReason(now))
			}
			in.Desired = Stopped
			in.ForceStop = in.ForceStop || force
		},
	})
	if err != nil {
		return nil, err
	}
	return &ec2api.StopInstancesResult{StoppingInstances: changes}, nil
}

// TerminateInstances terminates instances; their root volume goes with them when
// DeleteOnTermination is set.
func (h *Handlers) TerminateInstances(ctx context.Context, r *api.Request, in *ec2api.TerminateInstancesRequest) (*ec2api.TerminateInstancesResult, error) {
	changes, err := h.change(ctx, r, in.InstanceIds, in.DryRun, transition{
		check: func(in *Instance) error {
			if in.DisableAPITerm && in.State != Terminated {
				return awserr.BadRequest("OperationNotPermitted", "The instance '%s' may not be terminated. Modify its 'disableApiTermination' instance attribute and try again.", in.ID)
			}
			return nil
		},
		apply: func(in *Instance, now time.Time) {
			if in.State == Terminated || in.State == ShuttingDown {
				return
			}
			setState(in, ShuttingDown, now, &Reason{"Client.UserInitiatedShutdown", "Client.UserInitiatedShutdown: User initiated shutdown"}, userReason(now))
			in.Desired = Terminated
		},
	})
	if err != nil {
		return nil, err
	}
	// A terminated instance's role credentials stop working at once.
	for _, id := range in.InstanceIds {
		if inst, _, err := h.Instances.Get(ctx, r.Region, r.AccountID, id); err == nil && inst.IAMProfile != nil {
			if err := h.revokeRole(ctx, inst.IAMProfile.AssociationID); err != nil {
				return nil, err
			}
		}
	}
	return &ec2api.TerminateInstancesResult{TerminatingInstances: changes}, nil
}

// RebootInstances asks running instances to reboot.
func (h *Handlers) RebootInstances(ctx context.Context, r *api.Request, in *ec2api.RebootInstancesRequest) (*awsquery.Empty, error) {
	_, err := h.change(ctx, r, in.InstanceIds, in.DryRun, transition{
		check: func(in *Instance) error {
			if in.State == Terminated || in.State == ShuttingDown {
				return incorrectState(in, "rebooted")
			}
			return nil
		},
		apply: func(in *Instance, _ time.Time) {
			if in.State == Running {
				in.RebootSeq++
			}
		},
	})
	if err != nil {
		return nil, err
	}
	return &awsquery.Empty{}, nil
}
