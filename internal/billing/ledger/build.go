package ledger

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/kumo-cloud/kumo/internal/billing"
	"github.com/kumo-cloud/kumo/internal/billing/usage"
)

// ErrBadEvent reports a usage event Build cannot bill: a record the meter
// should never have written, such as an instance without a type.
var ErrBadEvent = errors.New("unbillable usage event")

// lookback is how far before the window an instance's history matters:
// AWS's 60-second minimum and whole-hour rounding stretch a run's billed
// time at most an hour past its end, so a run that ended an hour before
// the window cannot reach into it.
const lookback = time.Hour

// Build turns the meter's records into the engine's usage for [from, to).
// It is pure. Each account pays for itself (no billing families yet) and
// brings its creation date for the Free Tier.
//
// Instances keep their transitions from the last one before from minus
// an hour onwards: a run under way at the window's start is billed from
// from, and a run that ended just before still pays the rest of its minimum
// inside the window. Later transitions are kept too, since a Spot run's
// first hour is free only if the provider interrupts it in that hour. An
// instance whose type, zone, platform, tenancy or market changed (they can
// only change while it is stopped) becomes one engine instance per period.
// Volumes keep their resizes, and a change of volume type starts a new
// record priced at the new type. Snapshots bill their stored bytes, a
// started GiB counting whole. Public IPv4 addresses bill from allocation
// to release (buildAddresses).
//
// Events of other kinds are left to the Sources that bill them. Build does
// not set Usage.FreeTierSecondsUsed: a window that starts after its month's
// first instant counts the Free Tier afresh unless the caller fills it in.
func Build(r Records, from, to time.Time) (*billing.Usage, error) {
	from, to = from.UTC(), to.UTC()
	if !from.Before(to) {
		return nil, fmt.Errorf("build usage %s to %s: empty window", from.Format(time.RFC3339), to.Format(time.RFC3339))
	}
	u := &billing.Usage{From: from, To: to}
	for _, a := range r.Accounts {
		u.Accounts = append(u.Accounts, billing.Account{ID: a.ID, Created: a.CreatedAt})
	}
	for _, evs := range byResource(r.Events) {
		var err error
		switch evs[0].Kind {
		case usage.Instance:
			var ins []billing.Instance
			ins, err = buildInstance(evs, from, to)
			u.Instances = append(u.Instances, ins...)
		case usage.Volume:
			var vols []billing.Volume
			vols, err = buildVolume(evs, from, to)
			u.Volumes = append(u.Volumes, vols...)
		case usage.Snapshot:
			var snap *billing.Snapshot
			if snap, err = buildSnapshot(evs, from, to); snap != nil {
				u.Snapshots = append(u.Snapshots, *snap)
			}
		case usage.PublicIPv4:
			var addrs []billing.Address
			addrs, err = buildAddresses(evs, from, to)
			u.Addresses = append(u.Addresses, addrs...)
		}
		if err != nil {
			return nil, fmt.Errorf("build usage: %w", err)
		}
	}
	return u, nil
}

// byResource groups events by resource, each group in time order (events
// at the same instant keep their order), the groups ordered by account,
// kind and id.
func byResource(events []usage.Event) [][]usage.Event {
	type key struct {
		account string
		kind    usage.Kind
		id      string
	}
	groups := map[key][]usage.Event{}
	for _, e := range events {
		k := key{e.Account, e.Kind, e.ID}
		groups[k] = append(groups[k], e)
	}
	keys := make([]key, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b key) int {
		return cmp.Or(cmp.Compare(a.account, b.account), cmp.Compare(a.kind, b.kind), cmp.Compare(a.id, b.id))
	})
	out := make([][]usage.Event, 0, len(keys))
	for _, k := range keys {
		evs := groups[k]
		slices.SortStableFunc(evs, func(a, b usage.Event) int { return a.Time.Compare(b.Time) })
		out = append(out, evs)
	}
	return out
}

// badEvent describes an event Build refuses.
func badEvent(e *usage.Event, problem string) error {
	return fmt.Errorf("%s %s of account %s at %s: %s: %w", e.Kind, e.ID, e.Account,
		e.Time.UTC().Format(time.RFC3339), problem, ErrBadEvent)
}

// tagsAt returns the tags of the last event before t, or of the first event.
func tagsAt(evs []usage.Event, t time.Time) map[string]string {
	tags := evs[0].Tags
	for _, e := range evs {
		if !e.Time.Before(t) {
			break
		}
		tags = e.Tags
	}
	return tags
}
