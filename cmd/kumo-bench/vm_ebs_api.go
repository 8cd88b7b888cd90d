package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"
)

// The EBS rows' calls: volumes and snapshots made, waited for and removed
// through the API, as a user's tooling would.

// attachedVolume is a volume the EBS rows made and attached to the kept
// instance, with how long each step took from the CreateVolume call.
type attachedVolume struct {
	id, dev   string // dev: the guest's name for it, vdb…
	available time.Duration
	attached  time.Duration // attached in DescribeVolumes
	seen      time.Duration // the guest has a disk with the volume's serial
}

// ready is when the volume could be used: attached in the API and seen by
// the guest, whichever came last.
func (v attachedVolume) ready() time.Duration { return max(v.attached, v.seen) }

// createAttached creates a volume, waits until it is available, attaches
// it to vm as device and waits until DescribeVolumes shows it attached and
// the guest has it. A watcher in the guest starts first, so that the guest's
// side is timed to its own poll rather than to an SSH round trip.
func (f *fleet) createAttached(ctx context.Context, vm *bootedVM, in *ec2.CreateVolumeInput, device string) (attachedVolume, error) {
	var v attachedVolume
	w, err := startDeviceWatch(vm)
	if err != nil {
		return v, err
	}
	defer w.close()
	t0 := time.Now()
	out, err := f.ec2.CreateVolume(ctx, in)
	if err != nil {
		return v, fmt.Errorf("create volume: %w", err)
	}
	v.id = aws.ToString(out.VolumeId)
	f.volumes = append(f.volumes, v.id)
	if err := w.find(serialOf(v.id)); err != nil {
		return v, err
	}
	if err := f.waitVolume(ctx, v.id, "available", func(x types.Volume) bool { return x.State == types.VolumeStateAvailable }); err != nil {
		return v, err
	}
	v.available = time.Since(t0)
	if _, err := f.ec2.AttachVolume(ctx, &ec2.AttachVolumeInput{
		VolumeId: aws.String(v.id), InstanceId: aws.String(vm.id), Device: aws.String(device)}); err != nil {
		return v, fmt.Errorf("attach %s to %s: %w", v.id, vm.id, err)
	}
	if err := f.waitVolume(ctx, v.id, "attached", func(x types.Volume) bool {
		return x.State == types.VolumeStateInUse && len(x.Attachments) == 1 && x.Attachments[0].State == types.VolumeAttachmentStateAttached
	}); err != nil {
		return v, err
	}
	v.attached = time.Since(t0)
	dev, at, err := w.wait(ctx)
	if err != nil {
		return v, fmt.Errorf("%s attached: %w", v.id, err)
	}
	v.dev, v.seen = dev, at.Sub(t0)
	return v, nil
}

// waitVolume polls DescribeVolumes every statePoll until done holds for
// the volume.
func (f *fleet) waitVolume(ctx context.Context, id, what string, done func(types.Volume) bool) error {
	deadline := time.Now().Add(vmStateTimeout)
	for {
		out, err := f.ec2.DescribeVolumes(ctx, &ec2.DescribeVolumesInput{VolumeIds: []string{id}})
		if err != nil {
			return fmt.Errorf("wait for %s %s: %w", id, what, err)
		}
		if len(out.Volumes) != 1 {
			return fmt.Errorf("wait for %s %s: %d volumes in the answer", id, what, len(out.Volumes))
		}
		v := out.Volumes[0]
		switch {
		case done(v):
			return nil
		case v.State == types.VolumeStateError:
			return fmt.Errorf("wait for %s %s: the volume is in error", id, what)
		case time.Now().After(deadline):
			return fmt.Errorf("wait for %s %s: still %s after %s", id, what, v.State, vmStateTimeout)
		}
		if err := sleep(ctx, statePoll); err != nil {
			return err
		}
	}
}

// snapshot calls CreateSnapshot and polls DescribeSnapshots every statePoll
// until the snapshot is completed; it returns the snapshot as described and
// the time from the call.
func (f *fleet) snapshot(ctx context.Context, volID string) (types.Snapshot, time.Duration, error) {
	t0 := time.Now()
	out, err := f.ec2.CreateSnapshot(ctx, &ec2.CreateSnapshotInput{VolumeId: aws.String(volID), Description: aws.String("kumo-bench")})
	if err != nil {
		return types.Snapshot{}, 0, fmt.Errorf("create snapshot of %s: %w", volID, err)
	}
	id := aws.ToString(out.SnapshotId)
	f.snapshots = append(f.snapshots, id)
	deadline := time.Now().Add(vmStateTimeout)
	for {
		out, err := f.ec2.DescribeSnapshots(ctx, &ec2.DescribeSnapshotsInput{SnapshotIds: []string{id}})
		if err != nil {
			return types.Snapshot{}, 0, fmt.Errorf("wait for %s: %w", id, err)
		}
		if len(out.Snapshots) != 1 {
			return types.Snapshot{}, 0, fmt.Errorf("wait for %s: %d snapshots in the answer", id, len(out.Snapshots))
		}
		s := out.Snapshots[0]
		switch {
		case s.State == types.SnapshotStateCompleted:
			return s, time.Since(t0), nil
		case s.State == types.SnapshotStateError:
			return s, 0, fmt.Errorf("snapshot %s of %s failed: %s", id, volID, aws.ToString(s.StateMessage))
		case time.Now().After(deadline):
			return s, 0, fmt.Errorf("wait for %s: still %s after %s", id, s.State, vmStateTimeout)
		}
		if err := sleep(ctx, statePoll); err != nil {
			return s, 0, err
		}
	}
}

// zone is the availability zone instance id runs in: volumes must be made
// in it to attach.
func (f *fleet) zone(ctx context.Context, id string) (string, error) {
	out, err := f.ec2.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
	if err != nil {
		return "", fmt.Errorf("describe %s: %w", id, err)
	}
	if len(out.Reservations) != 1 || len(out.Reservations[0].Instances) != 1 {
		return "", fmt.Errorf("describe %s: not found", id)
	}
	in := out.Reservations[0].Instances[0]
	if in.Placement == nil || aws.ToString(in.Placement.AvailabilityZone) == "" {
		return "", fmt.Errorf("describe %s: no availability zone", id)
	}
	return aws.ToString(in.Placement.AvailabilityZone), nil
}

// ebsCleanup detaches and deletes the volumes the EBS rows made, then
// deletes their snapshots (after the volumes, which may be made from them).
// What is already gone counts as done.
func (f *fleet) ebsCleanup(ctx context.Context) error {
	var errs []error
	if len(f.volumes) > 0 {
		errs = append(errs, f.detachAll(ctx))
		for _, id := range slices.Clone(f.volumes) {
			_, err := f.ec2.DeleteVolume(ctx, &ec2.DeleteVolumeInput{VolumeId: aws.String(id)})
			if err == nil || apiCode(err) == "InvalidVolume.NotFound" {
				f.volumes = slices.DeleteFunc(f.volumes, func(v string) bool { return v == id })
				continue
			}
			errs = append(errs, fmt.Errorf("delete %s: %w", id, err))
		}
	}
	for _, id := range slices.Clone(f.snapshots) {
		_, err := f.ec2.DeleteSnapshot(ctx, &ec2.DeleteSnapshotInput{SnapshotId: aws.String(id)})
		if err == nil || apiCode(err) == "InvalidSnapshot.NotFound" {
			f.snapshots = slices.DeleteFunc(f.snapshots, func(s string) bool { return s == id })
			continue
		}
		errs = append(errs, fmt.Errorf("delete %s: %w", id, err))
	}
	return errors.Join(errs...)
}

// detachAll detaches every volume of f.volumes that is attached and waits
// until none is: the host agent unplugs them from the VM in parallel.
func (f *fleet) detachAll(ctx context.Context) error {
	deadline := time.Now().Add(vmStateTimeout)
	detached := map[string]bool{}
	for {
		out, err := f.ec2.DescribeVolumes(ctx, &ec2.DescribeVolumesInput{
			Filters: []types.Filter{{Name: aws.String("volume-id"), Values: f.volumes}}})
		if err != nil {
			return fmt.Errorf("detach volumes: %w", err)
		}
		var busy []string
		for _, v := range out.Volumes {
			if len(v.Attachments) == 0 {
				continue
			}
			id := aws.ToString(v.VolumeId)
			busy = append(busy, id)
			if !detached[id] && v.Attachments[0].State == types.VolumeAttachmentStateAttached {
				if _, err := f.ec2.DetachVolume(ctx, &ec2.DetachVolumeInput{VolumeId: aws.String(id)}); err != nil {
					return fmt.Errorf("detach %s: %w", id, err)
				}
				detached[id] = true
			}
		}
		switch {
		case len(busy) == 0:
			return nil
		case time.Now().After(deadline):
			return fmt.Errorf("detach volumes: %v still attached after %s", busy, vmStateTimeout)
		}
		if err := sleep(ctx, 100*time.Millisecond); err != nil {
			return err
		}
	}
}

// apiCode is the AWS error code of err, "" if it has none.
func apiCode(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return ""
}
