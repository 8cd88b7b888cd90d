package billing

import (
	"cmp"
	"fmt"
	"slices"
	"time"
)

// Engine rates recorded usage into line items. It is pure: it reads no clock
// and does no I/O; the window to bill comes with the usage and the prices
// from a Prices.
type Engine struct {
	cfg    Config
	prices Prices
}

// New returns an engine billing by cfg with prices from p.
func New(cfg Config, p Prices) (*Engine, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Engine{cfg: cfg, prices: p}, nil
}

// Rate bills u and hands every line item to emit. All prices are looked up
// and all records checked before the first line item is emitted, so an error
// means nothing was emitted. Line items come grouped by kind of resource, in
// a deterministic order; LineItems sorts them.
func (e *Engine) Rate(u *Usage, emit func(LineItem)) error {
	if !u.From.Before(u.To) {
		return fmt.Errorf("rate %s to %s: empty window: %w", u.From, u.To, ErrInvalidUsage)
	}
	r := &rating{cfg: e.cfg, prices: e.prices, u: u, from: unix(u.From), to: unix(u.To)}
	r.indexAccounts()
	if err := r.prepare(); err != nil {
		return err
	}
	r.emit = emit
	r.run()
	return nil
}

// LineItems bills u and returns its line items sorted by hour, account,
// resource and source. It holds the whole bill in memory; stream large
// bills through Rate.
func (e *Engine) LineItems(u *Usage) ([]LineItem, error) {
	var items []LineItem
	if err := e.Rate(u, func(li LineItem) { items = append(items, li) }); err != nil {
		return nil, err
	}
	slices.SortStableFunc(items, func(a, b LineItem) int {
		return cmp.Or(a.Start.Compare(b.Start), cmp.Compare(a.Account, b.Account),
			cmp.Compare(a.ResourceID, b.ResourceID), cmp.Compare(a.Source, b.Source))
	})
	return items, nil
}

// rating is the state of one Rate call.
type rating struct {
	cfg      Config
	prices   Prices
	u        *Usage
	from, to int64
	emit     func(LineItem)
	month    span // the UTC month monthSeconds last saw

	accounts map[string]*Account

	alloc     allocation
	spot      []spotInstance
	reserved  reservedBook
	plans     planBook
	flat      []flatCharge
	upfronts  []LineItem
	dedicated map[dedicatedKey][]span
}

func (r *rating) indexAccounts() {
	r.accounts = make(map[string]*Account, len(r.u.Accounts))
	for i := range r.u.Accounts {
		r.accounts[r.u.Accounts[i].ID] = &r.u.Accounts[i]
	}
}

// payer returns the account that pays for account.
func (r *rating) payer(account string) string {
	if a, ok := r.accounts[account]; ok && a.Payer != "" {
		return a.Payer
	}
	return account
}

// shareKey names the group of accounts whose RIs and Savings Plans apply to
// each other's usage.
func (r *rating) shareKey(account string) string {
	if a, ok := r.accounts[account]; ok && a.NoSharing {
		return "solo:" + account
	}
	return r.payer(account)
}

// prepare resolves every price and turns records into billable state.
func (r *rating) prepare() error {
	steps := []func() error{
		r.prepareInstances, r.prepareCapacityReservations, r.prepareReserved,
		r.preparePlans, r.prepareStorage, r.prepareAddresses, r.prepareHosts,
		r.prepareDedicatedFees,
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

func (r *rating) run() {
	r.allocateHours()
	r.emitSpot()
	r.emitFlat()
	for _, li := range r.upfronts {
		r.emit(li)
	}
}

// priceOf converts a looked-up price into 10^-10 dollar steps.
func priceOf(m Money, ok bool) (int64, error) {
	if !ok {
		return 0, ErrNoPrice
	}
	p, isPrice := m.priceUnits()
	if !isPrice || p < 0 {
		return 0, fmt.Errorf("price %s is not a non-negative 10-decimal price: %w", m, ErrNoPrice)
	}
	return p, nil
}

// hourStart is the clock hour containing t.
func hourStart(t int64) int64 { return t - mod(t, 3600) }

func mod(a, b int64) int64 { return (a%b + b) % b }

func hourTime(t int64) time.Time { return time.Unix(t, 0).UTC() }

// forEachHour calls f with each clock hour s overlaps and the seconds of s
// inside it.
func forEachHour(s span, f func(hour, secs int64)) {
	for t := s.from; t < s.to; {
		h := hourStart(t)
		end := min(h+3600, s.to)
		f(h, end-t)
		t = end
	}
}

// monthSeconds is the length of the UTC month containing t: AWS prorates
// GB-months by the actual length of the month.
func (r *rating) monthSeconds(t int64) int64 {
	if t < r.month.from || t >= r.month.to {
		tm := time.Unix(t, 0).UTC()
		first := time.Date(tm.Year(), tm.Month(), 1, 0, 0, 0, 0, time.UTC)
		r.month = span{unix(first), unix(first.AddDate(0, 1, 0))}
	}
	return r.month.to - r.month.from
}

// hourlyAmount is price × seconds / 3600 for a price per hour.
func hourlyAmount(price, secs int64) Money {
	return Money{wideOf(price).mul(secs).mul(fineScale).quoRound(3600)}
}
