package ebs

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/awsquery/ec2api"
)

// DetachVolume detaches a volume from an instance. From a running instance
// (or one on its way up or down) the attachment goes detaching and the host
// agent unplugs the disk, then clears it; from a stopped or gone instance it
// is cleared at once. The root volume of a running instance stays.
func (h *Handlers) DetachVolume(ctx context.Context, r *api.Request, in *ec2api.DetachVolumeRequest) (*ec2api.VolumeAttachment, error) {
	id, instID, device := aws.ToString(in.VolumeId), aws.ToString(in.InstanceId), aws.ToString(in.Device)
	switch {
	case id == "":
		return nil, awserr.MissingParameter("VolumeId")
	case !VolumeKind.ValidID(id):
		return nil, awserr.BadRequest(VolumeKind.Malformed, "Invalid id: \"%s\"", id)
	case instID != "" && !instanceKind.ValidID(instID):
		return nil, awserr.BadRequest(instanceKind.Malformed, "Invalid id: \"%s\"", instID)
	}
	v, _, err := h.Store.GetVolume(ctx, r.Region, r.AccountID, id)
	if err != nil {
		return nil, err
	}
	a, err := chooseAttachment(v, instID, device)
	if err != nil {
		return nil, err
	}
	instRes, err := InstanceAuthz(ctx, h.Store.S, r.Region, r.AccountID, a.InstanceID)
	if err != nil {
		return nil, err
	}
	if err := r.AuthorizeOn(in.DryRun, v.authz(), instRes); err != nil {
		return nil, err
	}
	// An instance that is gone (or never known) holds nothing to unplug.
	var inst *InstanceInfo
	if h.Instance != nil {
		if i, err := h.Instance(ctx, r.Region, r.AccountID, a.InstanceID); err == nil {
			inst = i
		} else if e, ok := awserr.As(err); !ok || e.Code != instanceKind.NotFound {
			return nil, err
		}
	}
	live := inst != nil && inst.State != instanceStopped && inst.State != "terminated"
	isRoot := v.Root || (inst != nil && (inst.RootVolumeID == v.ID || sameDevice(a.Device, inst.RootDevice)))
	if isRoot && live {
		return nil, awserr.BadRequest("IncorrectState", "Unable to detach root volume '%s' from instance '%s'", v.ID, a.InstanceID)
	}
	force := aws.ToBool(in.Force)
	var out Attachment
	_, err = h.Store.UpdateVolume(ctx, r.Region, r.AccountID, id, func(v *Volume) error {
		cur, err := chooseAttachment(v, a.InstanceID, device)
		if err != nil {
			return err
		}
		out = *cur
		if !live {
			v.Detach(cur.InstanceID)
			return nil
		}
		cur.State, cur.Force = Detaching, cur.Force || force // the agent unplugs it, then calls Detach
		return nil
	})
	if err != nil {
		return nil, err
	}
	h.kick()
	out.State = Detaching // AWS answers detaching either way
	w := attachmentWire(id, &out)
	w.DeleteOnTermination = nil
	return &w, nil
}

// chooseAttachment picks the attachment DetachVolume acts on: the one to
// instanceID when given (and at device when given).
func chooseAttachment(v *Volume, instanceID, device string) (*Attachment, error) {
	if v.Attachment == nil {
		return nil, volumeState(v)
	}
	a := v.Attachment
	switch {
	case instanceID != "":
		if a = v.AttachmentTo(instanceID); a == nil {
			return nil, awserr.BadRequest("InvalidAttachment.NotFound", "Volume %s can not be detached from %s because it is not attached", v.ID, instanceID)
		}
	case len(v.MultiAttachments) > 0:
		return nil, awserr.InvalidParameterCombination("Volume %s is attached to more than one instance; specify the InstanceId to detach it from.", v.ID)
	}
	if device != "" && !sameDevice(a.Device, device) {
		return nil, awserr.BadRequest("InvalidAttachment.NotFound", "The volume %s is not attached to instance %s as device %s", v.ID, a.InstanceID, device)
	}
	return a, nil
}
