package ebs

import (
	"context"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/awsquery/ec2api"
)

// Instance states the volume actions look at (the instances package's names).
const (
	instanceRunning = "running"
	instanceStopped = "stopped"
)

// AttachVolume attaches an available volume to a running or stopped
// instance of its zone. A running instance gets the disk hot-plugged by the
// host agent (attaching, then attached); a stopped one has it attached at
// once and plugged in at its next start.
func (h *Handlers) AttachVolume(ctx context.Context, r *api.Request, in *ec2api.AttachVolumeRequest) (*ec2api.VolumeAttachment, error) {
	id, instID, device := aws.ToString(in.VolumeId), aws.ToString(in.InstanceId), aws.ToString(in.Device)
	switch {
	case id == "":
		return nil, awserr.MissingParameter("VolumeId")
	case instID == "":
		return nil, awserr.MissingParameter("InstanceId")
	case device == "":
		return nil, awserr.MissingParameter("Device")
	case !VolumeKind.ValidID(id):
		return nil, awserr.BadRequest(VolumeKind.Malformed, "Invalid id: \"%s\"", id)
	case !ValidDevice(device):
		return nil, awserr.InvalidParameterValue("Value (%s) for parameter device is invalid. %s is not a valid EBS device name.", device, device)
	}
	v, _, err := h.Store.GetVolume(ctx, r.Region, r.AccountID, id)
	if err != nil {
		return nil, err
	}
	inst, err := h.instance(ctx, r.Region, r.AccountID, instID)
	if err != nil {
		return nil, err
	}
	instRes, err := InstanceAuthz(ctx, h.Store.S, r.Region, r.AccountID, inst.ID)
	if err != nil {
		return nil, err
	}
	if err := r.AuthorizeOn(in.DryRun, v.authz(), instRes); err != nil {
		return nil, err
	}
	if inst.State != instanceRunning && inst.State != instanceStopped {
		return nil, awserr.BadRequest("IncorrectState", "Instance '%s' is not 'running'.", inst.ID)
	}
	if err := attachable(v, inst.ID); err != nil {
		return nil, err
	}
	if v.AvailabilityZone != inst.AvailabilityZone {
		return nil, awserr.BadRequest("InvalidVolume.ZoneMismatch", "The volume '%s' is not in the same availability zone as instance '%s'", v.ID, inst.ID)
	}
	if err := h.deviceFree(ctx, r, inst, v.ID, device); err != nil {
		return nil, err
	}
	att := Attachment{InstanceID: inst.ID, Device: device, State: Attaching, AttachTime: r.Now.UTC()}
	if inst.State == instanceStopped {
		att.State = Attached // the next start plugs it in with the others
	}
	_, err = h.Store.UpdateVolume(ctx, r.Region, r.AccountID, id, func(v *Volume) error {
		if err := attachable(v, inst.ID); err != nil {
			return err
		}
		v.attach(att)
		return nil
	})
	if err != nil {
		return nil, err
	}
	h.kick()
	att.State = Attaching // AWS answers attaching either way
	w := attachmentWire(id, &att)
	w.DeleteOnTermination = nil
	return &w, nil
}

// attachable checks that a volume may be attached to the instance.
func attachable(v *Volume, instanceID string) error {
	switch {
	case v.State != VolumeAvailable && v.State != VolumeInUse:
		return awserr.BadRequest("IncorrectState", "%s is not 'available'.", v.ID)
	case v.Modification != nil && v.Modification.State == ModModifying:
		return awserr.BadRequest("OperationNotPermitted", "Cannot attach volume %s when it is in modification state: MODIFYING", v.ID)
	case v.Attachment == nil:
		return nil
	case !v.MultiAttach || v.AttachmentTo(instanceID) != nil:
		return awserr.BadRequest("VolumeInUse", "%s is already attached to an instance", v.ID)
	case len(v.Attachments()) >= MaxMultiAttach:
		return awserr.BadRequest("AttachmentLimitExceeded", "Volume %s is already attached to the maximum of %d instances.", v.ID, MaxMultiAttach)
	}
	return nil
}

// deviceFree checks that no other volume is attached to the instance as
// device, and that device is not the name of the instance's root volume
// while that volume is attached (or not a volume Kumo knows).
func (h *Handlers) deviceFree(ctx context.Context, r *api.Request, inst *InstanceInfo, volumeID, device string) error {
	taken := awserr.InvalidParameterValue("Invalid value '%s' for unixDevice. Attachment point %s is already in use", device, device)
	attached, err := h.Store.AttachedTo(ctx, r.Region, r.AccountID, inst.ID)
	if err != nil {
		return err
	}
	rootAttached := true
	if inst.RootVolumeID != "" {
		root, _, err := h.Store.GetVolume(ctx, r.Region, r.AccountID, inst.RootVolumeID)
		rootAttached = err != nil || root.AttachmentTo(inst.ID) != nil
	}
	if rootAttached && sameDevice(device, inst.RootDevice) {
		return taken
	}
	for i := range attached {
		if a := attached[i].AttachmentTo(inst.ID); attached[i].ID != volumeID && sameDevice(a.Device, device) {
			return taken
		}
	}
	return nil
}

// sameDevice compares device names with or without their /dev/ prefix.
func sameDevice(a, b string) bool {
	return a != "" && strings.TrimPrefix(a, "/dev/") == strings.TrimPrefix(b, "/dev/")
}
