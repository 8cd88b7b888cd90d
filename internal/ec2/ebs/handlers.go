package ebs

import (
	"context"
	"crypto/sha256"
	"fmt"
	"time"

	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/ec2/idempotency"
	"github.com/kumo-cloud/kumo/internal/ec2/platform"
	"github.com/kumo-cloud/kumo/internal/ec2/resource"
)

// DefaultModifyCooldown is AWS's wait between two modifications of a volume.
const DefaultModifyCooldown = 6 * time.Hour

// InstanceInfo is what the volume actions need to know of an instance. (The
// instances package depends on this one, so it is handed in, not imported.)
type InstanceInfo struct {
	ID, AvailabilityZone string
	State                string // pending | running | stopping | stopped | shutting-down | terminated
	// RootDevice is the instance's root device name (/dev/xvda) and
	// RootVolumeID its root volume.
	RootDevice, RootVolumeID string
}

// Handlers serves the EBS actions.
type Handlers struct {
	Store *Store
	// Host is the host whose agent makes the files of new volumes.
	Host string
	// Instance returns one of the account's instances, or
	// InvalidInstanceID.NotFound.
	Instance func(ctx context.Context, region, account, id string) (*InstanceInfo, error)
	// InUseByImage returns the AMI whose block device mapping uses a
	// snapshot ("" if none); nil means no AMI uses snapshots.
	InUseByImage func(ctx context.Context, region, account, snapshotID string) (imageID string, err error)
	// Idem keeps the answers of CreateVolume calls with a ClientToken.
	Idem *idempotency.Keeper
	// ModifyCooldown is the wait between two ModifyVolume calls on one
	// volume (DefaultModifyCooldown on AWS; 0: none).
	ModifyCooldown time.Duration
	// Kick wakes the host agent after a change (it also polls).
	Kick func()
}

func (h *Handlers) kick() {
	if h.Kick != nil {
		h.Kick()
	}
}

func (h *Handlers) keeper() *idempotency.Keeper {
	if h.Idem != nil {
		return h.Idem
	}
	return &idempotency.Keeper{Store: h.Store.S}
}

// instanceKind mirrors instances.Kind (not registered here: that package
// does): instance ids in errors, their records' keys and ARNs.
var instanceKind = resource.Kind{Type: "instance", Prefix: "i", Store: "instance", Noun: "instance",
	NotFound: "InvalidInstanceID.NotFound", Malformed: "InvalidInstanceID.Malformed"}

// instance returns one of the account's instances.
func (h *Handlers) instance(ctx context.Context, region, account, id string) (*InstanceInfo, error) {
	switch {
	case id == "":
		return nil, awserr.MissingParameter("InstanceId")
	case !instanceKind.ValidID(id):
		return nil, awserr.BadRequest(instanceKind.Malformed, "Invalid id: \"%s\"", id)
	case h.Instance == nil:
		return nil, awserr.BadRequest(instanceKind.NotFound, "The instance ID '%s' does not exist", id)
	}
	return h.Instance(ctx, region, account, id)
}

// servedZone checks that a zone is one the region serves.
func servedZone(region, zone string) error {
	for _, z := range platform.ServedZones(region) {
		if z.Name == zone {
			return nil
		}
	}
	return awserr.BadRequest("InvalidZone.NotFound", "The zone '%s' does not exist.", zone)
}

// DefaultKMSKey is the ARN of the account's AWS managed key for EBS
// (aws/ebs) in a region, which encrypts volumes and snapshots when no key
// is named. Kumo does no encryption at rest of its own; the key is recorded.
func DefaultKMSKey(region, account string) string {
	sum := sha256.Sum256([]byte("aws/ebs/" + region + "/" + account))
	return fmt.Sprintf("arn:aws:kms:%s:%s:key/%x-%x-%x-%x-%x", region, account, sum[0:4], sum[4:6], sum[6:8], sum[8:10], sum[10:16])
}

// volumeState is the IncorrectState error of a volume whose state does not
// allow the operation.
func volumeState(v *Volume) error {
	return awserr.BadRequest("IncorrectState", "Volume '%s' is in the '%s' state.", v.ID, v.State)
}

// snapshotNotFound is the error for a snapshot that does not exist or that
// the caller may not use.
func snapshotNotFound(id string) error {
	return awserr.BadRequest(SnapshotKind.NotFound, "The snapshot '%s' does not exist.", id)
}

// usableSnapshot returns a snapshot of the region the account may use.
func (h *Handlers) usableSnapshot(ctx context.Context, region, account, id string) (*Snapshot, error) {
	if !SnapshotKind.ValidID(id) {
		return nil, awserr.BadRequest(SnapshotKind.Malformed, "Invalid id: \"%s\" (expecting \"snap-...\")", id)
	}
	sn, err := h.Store.FindSnapshot(ctx, region, id)
	if err != nil {
		return nil, err
	}
	if sn == nil || !sn.Usable(account) {
		return nil, snapshotNotFound(id)
	}
	return sn, nil
}

// completed checks that a snapshot may be read: volumes are made from, and
// copies made of, completed snapshots only.
func completed(sn *Snapshot) error {
	if sn.State != SnapshotCompleted {
		return awserr.BadRequest("IncorrectState", "Snapshot '%s' is in the '%s' state.", sn.ID, sn.State)
	}
	return nil
}

// firstMissing returns the first of ids that no item has ("" if none).
func firstMissing[T any](ids []string, items []T, id func(*T) string) string {
	have := make(map[string]bool, len(items))
	for i := range items {
		have[id(&items[i])] = true
	}
	for _, x := range ids {
		if !have[x] {
			return x
		}
	}
	return ""
}

func volumeID(v *Volume) string { return v.ID }

// volumeNotFound is AWS's error for a volume id the account does not have.
func volumeNotFound(id string) error {
	return awserr.BadRequest(VolumeKind.NotFound, "The volume '%s' does not exist.", id)
}
