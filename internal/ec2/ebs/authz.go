package ebs

import (
	"strconv"
	"time"

	"github.com/kumo-cloud/kumo/internal/api"
)

// authz is what resource-level permissions see of a volume: its ARN, tags
// and the volume condition keys of the EC2 Service Authorization Reference.
func (v *Volume) authz() api.Resource {
	res := VolumeKind.Authz(v.Region, v.Account, v.ID, v.Tags)
	v.conditionKeys(res.Keys)
	return res
}

// authzNew is authz for the volume an action is about to create (v is its
// record to be): volume/* with the tags it gets as request tags.
func (v *Volume) authzNew() api.Resource {
	res := VolumeKind.New(v.Region, v.Account, v.Tags)
	v.conditionKeys(res.Keys)
	return res
}

func (v *Volume) conditionKeys(k map[string][]string) {
	k["ec2:AvailabilityZone"] = []string{v.AvailabilityZone}
	k["ec2:VolumeType"] = []string{v.Type}
	k["ec2:VolumeSize"] = []string{strconv.Itoa(int(v.SizeGiB))}
	k["ec2:Encrypted"] = []string{strconv.FormatBool(v.Encrypted)}
	if iops, ok := v.ShownIOPS(); ok {
		k["ec2:VolumeIops"] = []string{strconv.Itoa(int(iops))}
	}
	if t, ok := v.ShownThroughput(); ok {
		k["ec2:VolumeThroughput"] = []string{strconv.Itoa(int(t))}
	}
	if v.SnapshotID != "" {
		k["ec2:ParentSnapshot"] = []string{SnapshotKind.ARN(v.Region, "", v.SnapshotID)}
	}
}

// Authz returns what resource-level permissions see of a snapshot: its ARN
// (which names no account), tags and the snapshot condition keys.
func (s *Snapshot) Authz() api.Resource {
	res := SnapshotKind.Authz(s.Region, s.Account, s.ID, s.Tags)
	s.conditionKeys(res.Keys)
	if !s.StartTime.IsZero() {
		res.Keys["ec2:SnapshotTime"] = []string{s.StartTime.UTC().Format(time.RFC3339)}
	}
	return res
}

// AuthzNew is Authz for a snapshot an action is about to create (s is its
// record to be): snapshot/* with the tags it gets as request tags.
func (s *Snapshot) AuthzNew() api.Resource {
	res := SnapshotKind.New(s.Region, s.Account, s.Tags)
	s.conditionKeys(res.Keys)
	return res
}

func (s *Snapshot) conditionKeys(k map[string][]string) {
	owner := s.Account
	if s.OwnerAlias != "" {
		owner = s.OwnerAlias
	}
	k["ec2:Owner"] = []string{owner}
	k["ec2:VolumeSize"] = []string{strconv.Itoa(int(s.VolumeSizeGiB))}
	k["ec2:Encrypted"] = []string{strconv.FormatBool(s.Encrypted)}
	if s.VolumeID != "" && s.VolumeID != CopiedVolumeID {
		k["ec2:ParentVolume"] = []string{VolumeKind.ARN(s.Region, s.Account, s.VolumeID)}
	}
}
