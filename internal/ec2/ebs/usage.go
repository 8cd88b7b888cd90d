package ebs

import (
	"time"

	"github.com/kumo-cloud/kumo/internal/billing/usage"
	"github.com/kumo-cloud/kumo/internal/store"
)

// The meter sees a volume from creation to deletion, whatever it is
// attached to, and each change of its size or type; a snapshot from the
// moment its data is stored to its deletion. These helpers put the usage
// record in the same transaction as the record change.

// CreateVolumeIn adds a new volume and its usage record to txn.
func CreateVolumeIn(txn *store.Txn, v *Volume) {
	txn.Create(VolumeKind.Key(v.Region, v.Account, v.ID), v)
	usage.Record(txn, v.usageEvent(usage.Created, v.CreatedAt))
}

// DeleteVolumeIn adds a volume's deletion to txn; the meter stops at once
// unless DeleteVolume already stopped it.
func DeleteVolumeIn(txn *store.Txn, v *Volume, now time.Time) {
	txn.Delete(VolumeKind.Key(v.Region, v.Account, v.ID), 0)
	if v.State != VolumeDeleting {
		usage.Record(txn, v.usageEvent(usage.Deleted, now))
	}
}

// CreateSnapshotIn adds a new snapshot to txn, with its usage record when
// it is created complete (copies of stored data, imports).
func CreateSnapshotIn(txn *store.Txn, sn *Snapshot, now time.Time) {
	txn.Create(SnapshotKind.Key(sn.Region, sn.Account, sn.ID), sn)
	if sn.State == SnapshotCompleted {
		usage.Record(txn, sn.usageEvent(usage.Created, now))
	}
}

// volumeUsage records what an update changed for the meter.
func volumeUsage(txn *store.Txn, was, v *Volume, now time.Time) {
	switch {
	case v.State == VolumeDeleting && was.State != VolumeDeleting:
		usage.Record(txn, v.usageEvent(usage.Deleted, now))
	case v.SizeGiB != was.SizeGiB || v.Type != was.Type || v.IOPS != was.IOPS || v.Throughput != was.Throughput:
		usage.Record(txn, v.usageEvent(usage.Modified, now))
	}
}

// snapshotUsage records a snapshot whose data an update just stored.
func snapshotUsage(txn *store.Txn, was, sn *Snapshot, now time.Time) {
	if sn.State == SnapshotCompleted && was.State != SnapshotCompleted {
		usage.Record(txn, sn.usageEvent(usage.Created, now))
	}
}

func (v *Volume) usageEvent(state string, at time.Time) usage.Event {
	return usage.Event{Time: at, Kind: usage.Volume, Account: v.Account, Region: v.Region, ID: v.ID, State: state,
		Zone: v.AvailabilityZone, VolumeType: v.Type, SizeGiB: v.SizeGiB, IOPS: v.IOPS, Throughput: v.Throughput, Tags: v.Tags}
}

func (sn *Snapshot) usageEvent(state string, at time.Time) usage.Event {
	return usage.Event{Time: at, Kind: usage.Snapshot, Account: sn.Account, Region: sn.Region, ID: sn.ID, State: state,
		StoredBytes: sn.StoredBytes, Tags: sn.Tags}
}
