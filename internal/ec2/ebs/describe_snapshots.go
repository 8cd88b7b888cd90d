package ebs

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/awsquery/ec2api"
	"github.com/kumo-cloud/kumo/internal/ec2/describe"
	"github.com/kumo-cloud/kumo/internal/ec2/filter"
	"github.com/kumo-cloud/kumo/internal/ec2/paging"
)

var snapshotFilters = []string{"description", "encrypted", "owner-alias", "owner-id", "progress", "snapshot-id",
	"start-time", "status", "storage-tier", "volume-id", "volume-size"}

// Owner and restorable-by keywords of DescribeSnapshots.
const (
	ownerSelf   = "self"
	ownerAmazon = "amazon"
	everyone    = "all"
)

func snapshotFields(sn *Snapshot) filter.Fields {
	return filter.Values(map[string][]string{
		"description": {sn.Description}, "encrypted": {strconv.FormatBool(sn.Encrypted)}, "owner-alias": {sn.OwnerAlias},
		"owner-id": {sn.Account}, "progress": {strconv.Itoa(sn.Progress) + "%"}, "snapshot-id": {sn.ID},
		"start-time": {sn.StartTime.UTC().Format(timeFormat)}, "status": {sn.State}, "storage-tier": {"standard"},
		"volume-id": {sn.VolumeID}, "volume-size": {strconv.Itoa(int(sn.VolumeSizeGiB))},
	})
}

// ownedBy reports whether a snapshot matches one DescribeSnapshots owner.
func ownedBy(sn *Snapshot, owner, caller string) bool {
	switch owner {
	case ownerSelf:
		return sn.Account == caller
	case ownerAmazon:
		return sn.OwnerAlias == ownerAmazon
	}
	return sn.Account == owner
}

// restorableBy reports whether a snapshot matches one DescribeSnapshots
// RestorableBy value: all is the public snapshots; self (or the caller's
// id) those the caller owns or was given; another account's id those the
// caller owns and shares with it.
func restorableBy(sn *Snapshot, who, caller string) bool {
	switch {
	case who == everyone:
		return sn.Public
	case who == ownerSelf || who == caller:
		return sn.Account == caller || slices.Contains(sn.CreateVolumePermissions, caller)
	}
	return sn.Account == caller && slices.Contains(sn.CreateVolumePermissions, who)
}

func anyOf(values []string, match func(string) bool) bool {
	return len(values) == 0 || slices.ContainsFunc(values, match)
}

// DescribeSnapshots lists the snapshots the caller may use: its own, those
// shared with it and the public ones, narrowed by OwnerIds, RestorableBy
// and filters. Tags are shown to the owner only.
func (h *Handlers) DescribeSnapshots(ctx context.Context, r *api.Request, in *ec2api.DescribeSnapshotsRequest) (*ec2api.DescribeSnapshotsResult, error) {
	fs, err := filter.FromWire(in.Filters, snapshotFilters, true)
	if err != nil {
		return nil, err
	}
	for _, o := range in.OwnerIds {
		if o != ownerSelf && o != ownerAmazon && o != "aws-marketplace" && !validAccount(o) {
			return nil, awserr.BadRequest("InvalidUserID.Malformed", "Invalid user id: \"%s\"", o)
		}
	}
	for _, u := range in.RestorableByUserIds {
		if u != everyone && u != ownerSelf && !validAccount(u) {
			return nil, awserr.BadRequest("InvalidUserID.Malformed", "Invalid user id: \"%s\"", u)
		}
	}
	q := describe.Query[Snapshot]{Kind: SnapshotKind, IDs: in.SnapshotIds, Filters: fs, MinPage: 5, MaxPage: 1000,
		Page: paging.Request{Op: "DescribeSnapshots", MaxResults: in.MaxResults, NextToken: in.NextToken}, Fields: snapshotFields,
		Tags: func(sn *Snapshot) map[string]string {
			if sn.Account != r.AccountID {
				return nil
			}
			return sn.Tags
		}}
	if err := q.CheckIDs(); err != nil {
		return nil, err
	}
	if err := r.Authorize(in.DryRun); err != nil {
		return nil, err
	}
	all, err := h.Store.RegionSnapshots(ctx, r.Region)
	if err != nil {
		return nil, err
	}
	var visible []Snapshot
	for i := range all {
		sn := &all[i]
		if sn.Usable(r.AccountID) &&
			anyOf(in.OwnerIds, func(o string) bool { return ownedBy(sn, o, r.AccountID) }) &&
			anyOf(in.RestorableByUserIds, func(u string) bool { return restorableBy(sn, u, r.AccountID) }) {
			visible = append(visible, *sn)
		}
	}
	slices.SortFunc(visible, func(a, b Snapshot) int { return strings.Compare(a.ID, b.ID) })
	if id := firstMissing(in.SnapshotIds, visible, func(sn *Snapshot) string { return sn.ID }); id != "" {
		return nil, snapshotNotFound(id)
	}
	page, next, err := q.Run(visible)
	if err != nil {
		return nil, err
	}
	out := &ec2api.DescribeSnapshotsResult{Snapshots: []ec2api.Snapshot{}, NextToken: next}
	for i := range page {
		out.Snapshots = append(out.Snapshots, snapshotWire(&page[i], r.AccountID))
	}
	return out, nil
}

// validAccount reports whether s is an AWS account id: twelve digits.
func validAccount(s string) bool {
	if len(s) != 12 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
