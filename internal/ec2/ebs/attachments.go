package ebs

import (
	"context"
	"regexp"
	"slices"
	"strings"
)

// MaxMultiAttach is how many instances one Multi-Attach volume serves.
const MaxMultiAttach = 16

// Attachments returns all of the volume's attachments, Attachment first.
func (v *Volume) Attachments() []Attachment {
	if v.Attachment == nil {
		return nil
	}
	return append([]Attachment{*v.Attachment}, v.MultiAttachments...)
}

// AttachmentTo returns the volume's attachment to an instance, or nil.
func (v *Volume) AttachmentTo(instanceID string) *Attachment {
	if v.Attachment != nil && v.Attachment.InstanceID == instanceID {
		return v.Attachment
	}
	for i := range v.MultiAttachments {
		if v.MultiAttachments[i].InstanceID == instanceID {
			return &v.MultiAttachments[i]
		}
	}
	return nil
}

// attach adds an attachment and puts the volume in use.
func (v *Volume) attach(a Attachment) {
	if v.Attachment == nil {
		v.Attachment = &a
	} else {
		v.MultiAttachments = append(v.MultiAttachments, a)
	}
	v.State = VolumeInUse
}

// Detach removes the volume's attachment to an instance; a volume left with
// none becomes available. The host agent calls it once it unplugged the
// disk of a detaching attachment; it reports whether there was one.
func (v *Volume) Detach(instanceID string) bool {
	switch {
	case v.Attachment != nil && v.Attachment.InstanceID == instanceID:
		v.Attachment = nil
		if len(v.MultiAttachments) > 0 {
			first := v.MultiAttachments[0]
			v.Attachment, v.MultiAttachments = &first, slices.Clone(v.MultiAttachments[1:])
		}
	default:
		i := slices.IndexFunc(v.MultiAttachments, func(a Attachment) bool { return a.InstanceID == instanceID })
		if i < 0 {
			return false
		}
		v.MultiAttachments = slices.Delete(slices.Clone(v.MultiAttachments), i, i+1)
	}
	if len(v.MultiAttachments) == 0 {
		v.MultiAttachments = nil
	}
	if v.Attachment == nil && v.State == VolumeInUse {
		v.State = VolumeAvailable
	}
	return true
}

// AttachedTo returns the account's volumes attached to an instance (in any
// attachment state, the root volume included), ordered by id.
func (s *Store) AttachedTo(ctx context.Context, region, account, instanceID string) ([]Volume, error) {
	all, err := s.Volumes(ctx, region, account)
	if err != nil {
		return nil, err
	}
	var out []Volume
	for i := range all {
		if all[i].AttachmentTo(instanceID) != nil {
			out = append(out, all[i])
		}
	}
	return out, nil
}

// deviceName matches the device names EC2 accepts for EBS volumes of Linux
// instances: /dev/sd[b-z], /dev/xvd[b-z], /dev/xvd[b-c][a-z], and the root
// names /dev/sda1 and /dev/xvda (to give a stopped instance its root volume
// back). The /dev/ prefix may be left out, as with xvdh.
var deviceName = regexp.MustCompile(`^(/dev/)?(sd[b-z]|xvd[b-z]|xvd[b-c][a-z]|sda1|xvda)$`)

// ValidDevice reports whether name is a device name AttachVolume accepts.
func ValidDevice(name string) bool {
	return deviceName.MatchString(name) && (strings.HasPrefix(name, "/dev/") || !strings.HasPrefix(name, "/"))
}
