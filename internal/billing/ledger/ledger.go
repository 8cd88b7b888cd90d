// Package ledger draws up Kumo's bills from what Kumo recorded. It owns the
// step between the meter and the rating engine: reading the usage events
// and accounts from etcd, turning them into the engine's billing.Usage for
// a window (Build), pricing it from the catalog (Prices, Rate), and writing
// the result the way an operator reads a bill (Statement) or a Cost and
// Usage Report (WriteCUR).
//
// Build is pure: events and accounts in, usage out. The meter records
// instances, volumes, snapshots and public IPv4 addresses; everything else
// a bill holds — Reserved Instances, Savings Plans, Capacity Reservations,
// Dedicated Hosts — comes from the packages that own those records, each
// through a Source added to the Ledger.
package ledger

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kumo-cloud/kumo/internal/accounts"
	"github.com/kumo-cloud/kumo/internal/billing"
	"github.com/kumo-cloud/kumo/internal/billing/usage"
	"github.com/kumo-cloud/kumo/internal/store"
)

// Window is what to bill: the period [From, To) of one account, or of every
// account when Account is empty.
type Window struct {
	From, To time.Time
	Account  string
}

// Source adds to a bill's usage what the meter's events do not hold.
// Reserved Instances, Savings Plans, Capacity Reservations and Dedicated
// Hosts are each added by the package that owns their records. AddUsage
// appends the records of w's account (or of every account) that may bill
// in [w.From, w.To) to u; they may reach outside the window, the engine
// bills only inside it. It may also complete what Build made from the
// events: an instance's CapacityReservationID, an Elastic IP's InUse
// periods, an account's Payer once billing families exist.
type Source interface {
	AddUsage(ctx context.Context, w Window, u *billing.Usage) error
}

// Records is what the meter stored: the usage events and the accounts they
// belong to (whose creation dates start the Free Tier).
type Records struct {
	Events   []usage.Event
	Accounts []accounts.Account
}

// ErrUnknownAccount reports a bill asked for an account Kumo does not have.
var ErrUnknownAccount = errors.New("unknown account")

// Ledger reads the records of a running Kumo and builds bills from them.
type Ledger struct {
	Store *store.Store
	// Sources add what the meter's events do not hold, in order.
	Sources []Source
}

// Read returns the records of one account, or of every account when
// account is empty.
func (l *Ledger) Read(ctx context.Context, account string) (Records, error) {
	svc := &accounts.Service{Store: l.Store}
	if account == "" {
		all, err := svc.List(ctx)
		if err != nil {
			return Records{}, fmt.Errorf("read accounts: %w", err)
		}
		events, err := usage.All(ctx, l.Store)
		if err != nil {
			return Records{}, fmt.Errorf("read usage events: %w", err)
		}
		return Records{Events: events, Accounts: all}, nil
	}
	a, err := svc.Get(ctx, account)
	if errors.Is(err, accounts.ErrNotFound) {
		return Records{}, fmt.Errorf("read account %s: %w", account, ErrUnknownAccount)
	} else if err != nil {
		return Records{}, fmt.Errorf("read account %s: %w", account, err)
	}
	events, err := usage.OfAccount(ctx, l.Store, account)
	if err != nil {
		return Records{}, fmt.Errorf("read usage events of %s: %w", account, err)
	}
	return Records{Events: events, Accounts: []accounts.Account{*a}}, nil
}

// Usage builds the usage of w from recs and adds each Source's records.
func (l *Ledger) Usage(ctx context.Context, recs Records, w Window) (*billing.Usage, error) {
	u, err := Build(recs, w.From, w.To)
	if err != nil {
		return nil, err
	}
	for _, s := range l.Sources {
		if err := s.AddUsage(ctx, w, u); err != nil {
			return nil, fmt.Errorf("build usage: %w", err)
		}
	}
	return u, nil
}
