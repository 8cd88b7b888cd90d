package ledger

import (
	"cmp"
	"math/big"
	"slices"
	"time"

	"github.com/kumo-cloud/kumo/internal/accounts"
	"github.com/kumo-cloud/kumo/internal/billing"
)

// Statement is a bill as an operator reads it: for each account, the total
// due and the subtotals that explain it. Subtotals are exact; only Due is
// rounded (to the cent, once), so rounded subtotals need not add up to it.
type Statement struct {
	From, To time.Time
	Accounts []AccountBill
}

// AccountBill is one account's part of a Statement.
type AccountBill struct {
	Account, Name string
	// Total is the exact sum of the account's line items; Due is Total
	// rounded half up to cents, the amount owed.
	Total, Due billing.Money
	// Items counts the line items.
	Items int
	// ByService holds the subtotal of each Cost Explorer service, dearest
	// first.
	ByService []Subtotal
	// ByUsage holds a line per source and usage type, in source order.
	ByUsage []UsageLine
	// Resources holds a line per billed resource, dearest first.
	Resources []ResourceLine
}

// Subtotal is the amount of one group of line items.
type Subtotal struct {
	Key    string
	Amount billing.Money
}

// UsageLine sums the line items of one source and usage type: Quantity
// units at Rate cost Amount.
type UsageLine struct {
	Source    billing.Source
	UsageType string
	Unit      string
	Quantity  billing.Quantity
	Amount    billing.Money
	// Rate is Amount over Quantity: the price, or the average price when
	// Mixed says the line items had different rates (Spot price changes,
	// Savings Plans rates); nil when Quantity is zero.
	Rate  *big.Rat
	Mixed bool
}

// ResourceLine sums the line items of one resource in one service (an
// instance's auto-assigned public IPv4 address bills under the instance's
// id, in the VPC service). Description is the instance type, or else the
// usage type of its first line item; Quantity adds up the line items in
// that item's unit.
type ResourceLine struct {
	ResourceID, Region, Description string
	Quantity                        billing.Quantity
	Unit                            string
	Amount                          billing.Money
}

// NewStatement sums items (of any order) into a statement of [from, to)
// with a bill for each of accts, charged or not, and for any other account
// the items name.
func NewStatement(from, to time.Time, accts []accounts.Account, items []billing.LineItem) *Statement {
	type usageKey struct {
		source    billing.Source
		usageType string
		unit      string
	}
	type sums struct {
		bill      *AccountBill
		services  map[string]*Subtotal
		usage     map[usageKey]*UsageLine
		resources map[resourceKey]*ResourceLine
	}
	byAccount := map[string]*sums{}
	get := func(id, name string) *sums {
		s := byAccount[id]
		if s == nil {
			s = &sums{bill: &AccountBill{Account: id, Name: name}, services: map[string]*Subtotal{},
				usage: map[usageKey]*UsageLine{}, resources: map[resourceKey]*ResourceLine{}}
			byAccount[id] = s
		}
		return s
	}
	for _, a := range accts {
		get(a.ID, a.Name)
	}
	for i := range items {
		li := &items[i]
		s := get(li.Account, "")
		s.bill.Total = s.bill.Total.Add(li.Amount)
		s.bill.Items++

		sv := s.services[li.Service]
		if sv == nil {
			sv = &Subtotal{Key: li.Service}
			s.services[li.Service] = sv
		}
		sv.Amount = sv.Amount.Add(li.Amount)

		uk := usageKey{li.Source, li.UsageType, li.Unit}
		ul := s.usage[uk]
		if ul == nil {
			ul = &UsageLine{Source: li.Source, UsageType: li.UsageType, Unit: li.Unit, Rate: rateOf(li)}
			s.usage[uk] = ul
		} else if r := rateOf(li); r != nil && (ul.Rate == nil || r.Cmp(ul.Rate) != 0) {
			ul.Mixed = true
		}
		ul.Quantity, ul.Amount = ul.Quantity.Add(li.Quantity), ul.Amount.Add(li.Amount)

		rk := resourceKey{li.ResourceID, li.Service}
		rl := s.resources[rk]
		if rl == nil {
			rl = &ResourceLine{ResourceID: li.ResourceID, Region: li.Region, Description: li.InstanceType, Unit: li.Unit}
			if rl.Description == "" {
				rl.Description = li.UsageType
			}
			s.resources[rk] = rl
		}
		if li.Unit == rl.Unit {
			rl.Quantity = rl.Quantity.Add(li.Quantity)
		}
		rl.Amount = rl.Amount.Add(li.Amount)
	}
	st := &Statement{From: from.UTC(), To: to.UTC()}
	for _, s := range byAccount {
		b := s.bill
		b.Due = b.Total.RoundCents()
		for _, sv := range s.services {
			b.ByService = append(b.ByService, *sv)
		}
		slices.SortFunc(b.ByService, func(x, y Subtotal) int { return cmp.Or(y.Amount.Cmp(x.Amount), cmp.Compare(x.Key, y.Key)) })
		for _, ul := range s.usage {
			if ul.Mixed {
				ul.Rate = ratio(ul.Amount, ul.Quantity)
			}
			b.ByUsage = append(b.ByUsage, *ul)
		}
		slices.SortFunc(b.ByUsage, func(x, y UsageLine) int {
			return cmp.Or(cmp.Compare(x.Source, y.Source), cmp.Compare(x.UsageType, y.UsageType), cmp.Compare(x.Unit, y.Unit))
		})
		for _, rl := range s.resources {
			b.Resources = append(b.Resources, *rl)
		}
		slices.SortFunc(b.Resources, func(x, y ResourceLine) int {
			return cmp.Or(y.Amount.Cmp(x.Amount), cmp.Compare(x.ResourceID, y.ResourceID), cmp.Compare(x.Description, y.Description))
		})
		st.Accounts = append(st.Accounts, *b)
	}
	slices.SortFunc(st.Accounts, func(x, y AccountBill) int { return cmp.Compare(x.Account, y.Account) })
	return st
}

// resourceKey groups a resource's line items.
type resourceKey struct{ id, service string }

// rateOf is a line item's price: its amount per unit.
func rateOf(li *billing.LineItem) *big.Rat { return ratio(li.Amount, li.Quantity) }

func ratio(m billing.Money, q billing.Quantity) *big.Rat {
	if q.IsZero() {
		return nil
	}
	return new(big.Rat).Quo(m.Rat(), q.Rat())
}

// decimalString prints r with at most ten decimals (rounded) and no
// trailing zeros, as prices are printed.
func decimalString(r *big.Rat) string {
	s := r.FloatString(10)
	for s[len(s)-1] == '0' {
		s = s[:len(s)-1]
	}
	return trimPoint(s)
}

func trimPoint(s string) string {
	if s[len(s)-1] == '.' {
		return s[:len(s)-1]
	}
	return s
}
