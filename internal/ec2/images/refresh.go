package images

import (
	"context"
	"fmt"
	"slices"

	"github.com/kumo-cloud/kumo/internal/ec2/ebs"
	"github.com/kumo-cloud/kumo/internal/store"
)

// Refresh moves the region's pending images on (the host agent calls it
// after it completed or failed snapshots): an image whose snapshots all
// completed becomes available; one whose snapshot failed or is gone becomes
// failed, with the reason. Refresh is idempotent and cheap when nothing is
// pending.
func (s *Service) Refresh(ctx context.Context, region string) error {
	all, err := s.All(ctx, region)
	if err != nil {
		return err
	}
	all = slices.DeleteFunc(all, func(img Image) bool { return img.State != Pending })
	if len(all) == 0 {
		return nil
	}
	snaps, err := (&ebs.Store{S: s.Store}).RegionSnapshots(ctx, region)
	if err != nil {
		return err
	}
	for i := range all {
		state, reason := nextState(&all[i], snaps)
		if state == Pending {
			continue
		}
		_, err := s.update(ctx, &all[i], func(x *Image, _ *store.Txn) error {
			if x.State == Pending { // not deregistered meanwhile
				x.State, x.StateReason = state, reason
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("refresh image %s: %w", all[i].ID, err)
		}
	}
	return nil
}

// nextState decides a pending image's state from its snapshots.
func nextState(img *Image, snaps []ebs.Snapshot) (string, *Reason) {
	state := Available
	for _, id := range img.Snapshots() {
		sn := findSnapshot(snaps, id)
		switch {
		case sn == nil:
			return Failed, &Reason{Code: "Client.InvalidSnapshot.NotFound", Message: fmt.Sprintf("The snapshot '%s' does not exist.", id)}
		case sn.State == ebs.SnapshotError:
			return Failed, &Reason{Code: "Server.InternalError", Message: fmt.Sprintf("Snapshot %s failed.", id)}
		case sn.State != ebs.SnapshotCompleted:
			state = Pending
		}
	}
	return state, nil
}

// SnapshotInUse reports the image a snapshot backs, for DeleteSnapshot's
// InvalidSnapshot.InUse: the id of an image (not deregistered) whose block
// device mappings name the snapshot, preferring one of account's own, or ""
// when none does. Images of every owner count: an image registered from a
// shared snapshot needs it as much as its owner's.
func (s *Service) SnapshotInUse(ctx context.Context, region, account, snapshotID string) (string, error) {
	all, err := s.All(ctx, region)
	if err != nil {
		return "", err
	}
	found := ""
	for _, img := range all {
		if img.State == Deregistered || !slices.Contains(img.Snapshots(), snapshotID) {
			continue
		}
		if img.Owned(account) {
			return img.ID, nil
		}
		if found == "" {
			found = img.ID
		}
	}
	return found, nil
}
