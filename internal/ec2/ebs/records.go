// Package ebs owns EBS volumes and snapshots: their records, the API
// (CreateVolume … CreateSnapshot …), the per-type limits and performance.
// Handlers record desired state; the host agent does the storage work (disk
// files, hot-plug, live snapshots, online growth) and moves the states on.
//
// Storage model (internal/storage does the files): a volume is a chain of
// qcow2 files, its active File on top. A snapshot freezes the active file
// (it becomes the snapshot's Layer) and the volume continues in a new
// overlay on top of it, so a snapshot stores only what changed since the
// previous one, and a volume made from a snapshot is an overlay on its
// Layer: usable at once, copy-on-write.
package ebs

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/ec2/resource"
	"github.com/kumo-cloud/kumo/internal/store"
)

// Kinds of the family.
var (
	VolumeKind = resource.Kind{Type: "volume", Prefix: "vol", Store: "volume", Noun: "volume",
		NotFound: "InvalidVolume.NotFound", Malformed: "InvalidVolumeID.Malformed"}
	SnapshotKind = resource.Kind{Type: "snapshot", Prefix: "snap", Store: "snapshot", Noun: "snapshot",
		NotFound: "InvalidSnapshot.NotFound", Malformed: "InvalidSnapshotID.Malformed"}
)

func init() {
	resource.Register(VolumeKind)
	resource.Register(SnapshotKind)
}

// Volume states, as AWS names them.
const (
	VolumeCreating  = "creating"
	VolumeAvailable = "available"
	VolumeInUse     = "in-use"
	VolumeDeleting  = "deleting"
	VolumeError     = "error"
)

// Attachment states.
const (
	Attaching = "attaching"
	Attached  = "attached"
	Detaching = "detaching"
)

// Snapshot states.
const (
	SnapshotPending   = "pending"
	SnapshotCompleted = "completed"
	SnapshotError     = "error"
)

// Volume is an EBS volume.
type Volume struct {
	resource.Meta
	AvailabilityZone string `json:"availabilityZone"`
	SizeGiB          int32  `json:"sizeGiB"`
	Type             string `json:"type"`                 // gp2 gp3 io1 io2 st1 sc1 standard
	IOPS             int32  `json:"iops,omitempty"`       // provisioned (gp3, io1, io2) or 0 for the type's rule
	Throughput       int32  `json:"throughput,omitempty"` // MiB/s, gp3 only
	SnapshotID       string `json:"snapshotId,omitempty"`
	Encrypted        bool   `json:"encrypted,omitempty"`
	KMSKeyID         string `json:"kmsKeyId,omitempty"`
	MultiAttach      bool   `json:"multiAttach,omitempty"`
	State            string `json:"state"`
	// Attachment is the volume's attachment to an instance, if any.
	Attachment *Attachment `json:"attachment,omitempty"`
	// MultiAttachments are the further attachments of a Multi-Attach
	// (io1/io2) volume besides Attachment; each is handled like it.
	MultiAttachments []Attachment `json:"multiAttachments,omitempty"`
	// Modification is the latest ModifyVolume, kept after it completes
	// for DescribeVolumesModifications.
	Modification *Modification `json:"modification,omitempty"`

	// Where the data lives: the host whose agent owns the files and the
	// active file's name in that host's pool ("" until the agent made it).
	Host string `json:"host"`
	File string `json:"file,omitempty"`
	// Size the agent last gave the file; behind SizeGiB while growing.
	FileSizeGiB int32 `json:"fileSizeGiB,omitempty"`
	// Root marks an instance's root volume (made by RunInstances).
	Root bool `json:"root,omitempty"`
}

// Attachment ties a volume to an instance.
type Attachment struct {
	InstanceID          string    `json:"instanceId"`
	Device              string    `json:"device"` // /dev/sdf, /dev/xvda …
	State               string    `json:"state"`  // attaching | attached | detaching
	AttachTime          time.Time `json:"attachTime"`
	DeleteOnTermination bool      `json:"deleteOnTermination,omitempty"`
	Force               bool      `json:"force,omitempty"` // DetachVolume Force
}

// VolumeShape is what ModifyVolume changes.
type VolumeShape struct {
	SizeGiB    int32  `json:"sizeGiB"`
	Type       string `json:"type"`
	IOPS       int32  `json:"iops,omitempty"`
	Throughput int32  `json:"throughput,omitempty"`
	// MultiAttach is Multi-Attach on or off (io1/io2).
	MultiAttach bool `json:"multiAttach,omitempty"`
}

// Modification is a ModifyVolume in progress or done.
type Modification struct {
	State     string      `json:"state"` // modifying | optimizing | completed | failed
	Progress  int         `json:"progress"`
	StartTime time.Time   `json:"startTime"`
	EndTime   time.Time   `json:"endTime,omitzero"`
	Original  VolumeShape `json:"original"`
	Target    VolumeShape `json:"target"`
}

// Snapshot is an EBS snapshot.
type Snapshot struct {
	resource.Meta
	VolumeID      string    `json:"volumeId"`
	VolumeSizeGiB int32     `json:"volumeSizeGiB"`
	Description   string    `json:"description,omitempty"`
	State         string    `json:"state"`
	Progress      int       `json:"progress"` // percent
	StartTime     time.Time `json:"startTime"`
	Encrypted     bool      `json:"encrypted,omitempty"`
	KMSKeyID      string    `json:"kmsKeyId,omitempty"`
	OwnerAlias    string    `json:"ownerAlias,omitempty"`
	// CreateVolumePermissions lists the accounts that may use the snapshot;
	// Public lets every account.
	CreateVolumePermissions []string `json:"createVolumePermissions,omitempty"`
	Public                  bool     `json:"public,omitempty"`
	// SourceSnapshotID and SourceRegion are set on a CopySnapshot result.
	SourceSnapshotID string `json:"sourceSnapshotId,omitempty"`
	SourceRegion     string `json:"sourceRegion,omitempty"`
	// GroupID ties the snapshots of one CreateSnapshots call (one instant).
	GroupID string `json:"groupId,omitempty"`

	// Where the data lives: the host and the frozen layer's file name in
	// its pool ("" while pending). Builtin names a built-in image whose
	// root disk is the layer (the snapshots behind Kumo's own AMIs).
	Host    string `json:"host"`
	Layer   string `json:"layer,omitempty"`
	Builtin string `json:"builtin,omitempty"`
	// Overlay is the file the volume continues in once the snapshot is
	// taken; the agent records it before switching, so a crash half-way
	// is resumed, not repeated.
	Overlay string `json:"overlay,omitempty"`
	// AfterReboot holds the snapshot until the instance's RebootDone
	// reaches it: CreateImage without NoReboot reboots the instance first,
	// so what the guest wrote is on disk.
	AfterReboot int `json:"afterReboot,omitempty"`
	// StoredBytes is what this snapshot added to storage (incremental).
	StoredBytes int64 `json:"storedBytes,omitempty"`
}

// Usable reports whether account may create volumes from (or register an
// image with) the snapshot.
func (s *Snapshot) Usable(account string) bool {
	if s.Account == account || s.Public {
		return true
	}
	for _, a := range s.CreateVolumePermissions {
		if a == account {
			return true
		}
	}
	return false
}

// Store reads and writes the records.
type Store struct {
	S *store.Store
	// Now stamps the usage records of changes (the daemon's clock; the
	// wall clock when nil).
	Now func() time.Time
}

func (s *Store) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Volumes returns the account's volumes in the region, ordered by id.
func (s *Store) Volumes(ctx context.Context, region, account string) ([]Volume, error) {
	return store.ListAll[Volume](ctx, s.S, VolumeKind.ListPrefix(region, account))
}

// AllVolumes returns every volume (the agent's view).
func (s *Store) AllVolumes(ctx context.Context) ([]Volume, error) {
	return store.ListAll[Volume](ctx, s.S, store.Key(VolumeKind.Store)+"/")
}

// Snapshots returns the account's own snapshots in the region.
func (s *Store) Snapshots(ctx context.Context, region, account string) ([]Snapshot, error) {
	return store.ListAll[Snapshot](ctx, s.S, SnapshotKind.ListPrefix(region, account))
}

// RegionSnapshots returns every snapshot of the region, of all owners.
func (s *Store) RegionSnapshots(ctx context.Context, region string) ([]Snapshot, error) {
	return store.ListAll[Snapshot](ctx, s.S, store.Key(SnapshotKind.Store, region)+"/")
}

// AllSnapshots returns every snapshot (the agent's view).
func (s *Store) AllSnapshots(ctx context.Context) ([]Snapshot, error) {
	return store.ListAll[Snapshot](ctx, s.S, store.Key(SnapshotKind.Store)+"/")
}

// GetVolume returns one volume and its revision, or InvalidVolume.NotFound.
func (s *Store) GetVolume(ctx context.Context, region, account, id string) (*Volume, int64, error) {
	if !VolumeKind.ValidID(id) {
		return nil, 0, awserr.BadRequest(VolumeKind.Malformed, "Invalid id: \"%s\"", id)
	}
	var v Volume
	rev, err := s.S.Get(ctx, VolumeKind.Key(region, account, id), &v)
	if errors.Is(err, store.ErrNotFound) {
		return nil, 0, awserr.BadRequest(VolumeKind.NotFound, "The volume '%s' does not exist.", id)
	}
	return &v, rev, err
}

// GetSnapshot returns one of the account's own snapshots and its revision.
func (s *Store) GetSnapshot(ctx context.Context, region, account, id string) (*Snapshot, int64, error) {
	if !SnapshotKind.ValidID(id) {
		return nil, 0, awserr.BadRequest(SnapshotKind.Malformed, "Invalid id: \"%s\" (expecting \"snap-...\")", id)
	}
	var sn Snapshot
	rev, err := s.S.Get(ctx, SnapshotKind.Key(region, account, id), &sn)
	if errors.Is(err, store.ErrNotFound) {
		return nil, 0, awserr.BadRequest(SnapshotKind.NotFound, "The snapshot '%s' does not exist.", id)
	}
	return &sn, rev, err
}

// UpdateVolume changes a volume with optimistic concurrency.
func (s *Store) UpdateVolume(ctx context.Context, region, account, id string, change func(*Volume) error) (*Volume, error) {
	for range 20 {
		v, rev, err := s.GetVolume(ctx, region, account, id)
		if err != nil {
			return nil, err
		}
		was := *v
		if err := change(v); err != nil {
			return nil, err
		}
		txn := s.S.Txn().Update(VolumeKind.Key(region, account, id), rev, v)
		volumeUsage(txn, &was, v, s.now())
		err = txn.Commit(ctx)
		if errors.Is(err, store.ErrConflict) {
			continue
		}
		return v, err
	}
	return nil, awserr.New(http.StatusServiceUnavailable, "RequestLimitExceeded", "The volume %s is being modified concurrently; retry.", id)
}

// UpdateSnapshot changes a snapshot with optimistic concurrency.
func (s *Store) UpdateSnapshot(ctx context.Context, region, account, id string, change func(*Snapshot) error) (*Snapshot, error) {
	for range 20 {
		sn, rev, err := s.GetSnapshot(ctx, region, account, id)
		if err != nil {
			return nil, err
		}
		was := *sn
		if err := change(sn); err != nil {
			return nil, err
		}
		txn := s.S.Txn().Update(SnapshotKind.Key(region, account, id), rev, sn)
		snapshotUsage(txn, &was, sn, s.now())
		err = txn.Commit(ctx)
		if errors.Is(err, store.ErrConflict) {
			continue
		}
		return sn, err
	}
	return nil, awserr.New(http.StatusServiceUnavailable, "RequestLimitExceeded", "The snapshot %s is being modified concurrently; retry.", id)
}
