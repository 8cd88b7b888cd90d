package ledger

import (
	"time"

	"github.com/kumo-cloud/kumo/internal/billing"
	"github.com/kumo-cloud/kumo/internal/billing/usage"
)

const gib = 1 << 30

// buildVolume turns one volume's events, in time order, into engine
// volumes: one per volume type it had (ModifyVolume can change the type,
// and the type sets the price), each with its resizes. Periods outside
// [from, to) are dropped.
func buildVolume(evs []usage.Event, from, to time.Time) ([]billing.Volume, error) {
	var out []billing.Volume
	cur := -1 // index in out of the period in effect, -1 when none
	for i := range evs {
		e := &evs[i]
		switch {
		case e.State != usage.Created && e.State != usage.Modified && e.State != usage.Deleted:
			return nil, badEvent(e, "unknown state "+e.State)
		case e.State != usage.Deleted && (e.VolumeType == "" || e.SizeGiB <= 0):
			return nil, badEvent(e, "no volume type or size")
		case e.Region == "":
			return nil, badEvent(e, "no region")
		}
		at := e.Time.UTC()
		switch {
		case e.State == usage.Deleted:
			if cur >= 0 {
				out[cur].Deleted = at
			}
			cur = -1
		case cur < 0 || e.VolumeType != out[cur].VolumeType:
			// The first record, or a new type: the old type's period
			// ends here and the new one starts at the current size.
			if cur >= 0 {
				out[cur].Deleted = at
			}
			out = append(out, billing.Volume{
				ID: e.ID, Account: e.Account, Region: e.Region, Zone: e.Zone,
				VolumeType: e.VolumeType, SizeGiB: int64(e.SizeGiB), Created: at,
			})
			cur = len(out) - 1
		case int64(e.SizeGiB) != currentSize(&out[cur]):
			out[cur].Resizes = append(out[cur].Resizes, billing.Resize{At: at, SizeGiB: int64(e.SizeGiB)})
		}
		if cur < 0 {
			break // deleted: nothing bills after
		}
		if e.Time.Before(to) || out[cur].Tags == nil {
			out[cur].Tags = e.Tags
		}
	}
	kept := out[:0]
	for _, v := range out {
		if v.Created.Before(to) && (v.Deleted.IsZero() || v.Deleted.After(from)) {
			kept = append(kept, v)
		}
	}
	return kept, nil
}

func currentSize(v *billing.Volume) int64 {
	if n := len(v.Resizes); n > 0 {
		return v.Resizes[n-1].SizeGiB
	}
	return v.SizeGiB
}

// buildSnapshot turns one snapshot's events into an engine snapshot, or
// nil when it stores nothing in [from, to). The engine counts whole GiB, so
// a started GiB counts whole.
func buildSnapshot(evs []usage.Event, from, to time.Time) (*billing.Snapshot, error) {
	var s *billing.Snapshot
	for i := range evs {
		e := &evs[i]
		switch e.State {
		case usage.Created:
			if e.Region == "" {
				return nil, badEvent(e, "no region")
			}
			if s == nil {
				s = &billing.Snapshot{ID: e.ID, Account: e.Account, Region: e.Region, Created: e.Time.UTC()}
			}
			s.StoredGiB = (e.StoredBytes + gib - 1) / gib
			s.Tags = e.Tags
		case usage.Deleted:
			if s != nil && s.Deleted.IsZero() {
				s.Deleted = e.Time.UTC()
			}
		default:
			return nil, badEvent(e, "unknown state "+e.State)
		}
	}
	if s == nil || !s.Created.Before(to) || !s.Deleted.IsZero() && !s.Deleted.After(from) || s.StoredGiB <= 0 {
		return nil, nil
	}
	return s, nil
}
