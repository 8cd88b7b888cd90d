package ebs

import (
	"context"

	"github.com/kumo-cloud/kumo/internal/billing/usage"
)

// CreateVolume stores a new volume.
func (s *Store) CreateVolume(ctx context.Context, v *Volume) error {
	txn := s.S.Txn()
	CreateVolumeIn(txn, v)
	return txn.Commit(ctx)
}

// DeleteVolume removes a volume's record (the agent, once its files are gone).
func (s *Store) DeleteVolume(ctx context.Context, region, account, id string) error {
	return s.S.Txn().Delete(VolumeKind.Key(region, account, id), 0).Commit(ctx)
}

// CreateSnapshots stores new snapshots in one transaction.
func (s *Store) CreateSnapshots(ctx context.Context, sns ...*Snapshot) error {
	txn := s.S.Txn()
	now := s.now()
	for _, sn := range sns {
		CreateSnapshotIn(txn, sn, now)
	}
	return txn.Commit(ctx)
}

// DeleteSnapshot removes a snapshot's record if it is still at revision rev.
func (s *Store) DeleteSnapshot(ctx context.Context, sn *Snapshot, rev int64) error {
	txn := s.S.Txn().Delete(SnapshotKind.Key(sn.Region, sn.Account, sn.ID), rev)
	if sn.State == SnapshotCompleted {
		usage.Record(txn, sn.usageEvent(usage.Deleted, s.now()))
	}
	return txn.Commit(ctx)
}

// FindSnapshot returns a snapshot of the region by id, whoever owns it, or
// nil when there is none.
func (s *Store) FindSnapshot(ctx context.Context, region, id string) (*Snapshot, error) {
	all, err := s.RegionSnapshots(ctx, region)
	if err != nil {
		return nil, err
	}
	for i := range all {
		if all[i].ID == id {
			return &all[i], nil
		}
	}
	return nil, nil
}
