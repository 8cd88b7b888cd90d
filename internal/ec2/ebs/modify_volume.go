package ebs

import (
	"context"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/awsquery/ec2api"
)

// Modification states, as DescribeVolumesModifications names them.
const (
	ModModifying  = "modifying"
	ModOptimizing = "optimizing"
	ModCompleted  = "completed"
	ModFailed     = "failed"
)

// ModifyVolume changes a volume's size (grow only), type, IOPS, throughput
// or Multi-Attach. The volume shows its new shape at once, as on AWS; the
// host agent grows the file (online when a running VM has it) and moves the
// modification from modifying through optimizing to completed. One
// modification at a time, and ModifyCooldown between two.
func (h *Handlers) ModifyVolume(ctx context.Context, r *api.Request, in *ec2api.ModifyVolumeRequest) (*ec2api.ModifyVolumeResult, error) {
	id := aws.ToString(in.VolumeId)
	switch {
	case id == "":
		return nil, awserr.MissingParameter("VolumeId")
	case !VolumeKind.ValidID(id):
		return nil, awserr.BadRequest(VolumeKind.Malformed, "Invalid id: \"%s\"", id)
	case in.VolumeType != nil && !ValidType(*in.VolumeType):
		_, err := ResolveShape(ShapeRequest{Type: *in.VolumeType})
		return nil, err
	}
	v, _, err := h.Store.GetVolume(ctx, r.Region, r.AccountID, id)
	if err != nil {
		return nil, err
	}
	if err := r.AuthorizeOn(in.DryRun, v.authz()); err != nil {
		return nil, err
	}
	v, err = h.Store.UpdateVolume(ctx, r.Region, r.AccountID, id, func(v *Volume) error {
		if v.State != VolumeAvailable && v.State != VolumeInUse {
			return volumeState(v)
		}
		if m := v.Modification; m != nil {
			if m.State == ModModifying || m.State == ModOptimizing {
				return awserr.BadRequest("IncorrectModificationState", "Volume %s cannot be modified in modification state %s", v.ID, strings.ToUpper(m.State))
			}
			if h.ModifyCooldown > 0 && r.Now.Sub(m.StartTime) < h.ModifyCooldown {
				return awserr.BadRequest("VolumeModificationRateExceeded", "You've reached the maximum modification rate per volume limit. Wait at least 6 hours between modifications per EBS volume.")
			}
		}
		orig := v.Shape()
		target, err := modifiedShape(v, in)
		if err != nil {
			return err
		}
		if target == orig {
			return awserr.InvalidParameterCombination("New modification for volume %s is the same as its current configuration.", v.ID)
		}
		v.Modification = &Modification{State: ModModifying, StartTime: r.Now.UTC(), Original: orig, Target: target}
		v.SetShape(target)
		return nil
	})
	if err != nil {
		return nil, err
	}
	h.kick()
	w := modificationWire(v)
	return &ec2api.ModifyVolumeResult{VolumeModification: &w}, nil
}

// modifiedShape is the shape a ModifyVolume asks of v, with AWS's defaults:
// unchanged what is not given, except that a new type takes its own
// baseline (3,000 IOPS for gp3, io1 and io2; 125 MiB/s for gp3).
func modifiedShape(v *Volume, in *ec2api.ModifyVolumeRequest) (VolumeShape, error) {
	orig := v.Shape()
	req := ShapeRequest{Type: orig.Type, SizeGiB: orig.SizeGiB, IOPS: in.Iops, Throughput: in.Throughput}
	if in.Size != nil {
		if *in.Size < orig.SizeGiB {
			return orig, awserr.InvalidParameterValue("New size cannot be smaller than existing size")
		}
		req.SizeGiB = *in.Size
	}
	if in.VolumeType != nil {
		req.Type = *in.VolumeType
	}
	if req.IOPS == nil && limits[req.Type].maxIOPS > 0 {
		iops := int32(GP3BaselineIOPS)
		if req.Type == orig.Type {
			iops = orig.IOPS
		}
		req.IOPS = &iops
	}
	if req.Throughput == nil && req.Type == GP3 {
		t := int32(GP3BaselineThroughput)
		if orig.Type == GP3 {
			t = orig.Throughput
		}
		req.Throughput = &t
	}
	target, err := ResolveShape(req)
	if err != nil {
		return orig, err
	}
	target.MultiAttach = orig.MultiAttach
	if in.MultiAttachEnabled != nil && *in.MultiAttachEnabled != orig.MultiAttach {
		switch {
		case target.Type != IO2:
			return orig, awserr.InvalidParameterCombination("Multi-Attach can be enabled or disabled on io2 volumes only.")
		case !*in.MultiAttachEnabled && len(v.Attachments()) > 1:
			return orig, awserr.InvalidParameterCombination("Multi-Attach cannot be disabled on volume %s while it is attached to more than one instance.", v.ID)
		}
		target.MultiAttach = *in.MultiAttachEnabled
	}
	return target, CheckShape(target)
}
