package billing

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// Granularity is how a cost query cuts time, as in GetCostAndUsage.
type Granularity string

// Granularities.
const (
	Hourly  Granularity = "HOURLY"
	Daily   Granularity = "DAILY"
	Monthly Granularity = "MONTHLY"
)

// GroupBy types, as in GetCostAndUsage.
const (
	GroupDimension = "DIMENSION"
	GroupTag       = "TAG"
)

// Dimensions a cost query can group by.
const (
	DimService       = "SERVICE"
	DimUsageType     = "USAGE_TYPE"
	DimInstanceType  = "INSTANCE_TYPE"
	DimPurchaseType  = "PURCHASE_TYPE"
	DimLinkedAccount = "LINKED_ACCOUNT"
	DimRegion        = "REGION"
	DimAZ            = "AZ"
	DimOperation     = "OPERATION"
)

// GroupBy is one grouping of a cost query: a dimension or a tag key.
type GroupBy struct {
	Type string // GroupDimension or GroupTag
	Key  string
}

// CostQuery asks for totals over [From, To) at a granularity, grouped by up
// to two GroupBys (Cost Explorer's limit).
type CostQuery struct {
	From, To    time.Time
	Granularity Granularity
	GroupBy     []GroupBy
}

// ErrInvalidQuery reports a CostQuery the aggregator cannot answer.
var ErrInvalidQuery = errors.New("invalid cost query")

// Metrics are the totals of a group: exact, unrounded.
type Metrics struct {
	Amount   Money
	Quantity Quantity
}

func (m *Metrics) add(li *LineItem) {
	m.Amount = m.Amount.Add(li.Amount)
	m.Quantity = m.Quantity.Add(li.Quantity)
}

// Group is the totals of one combination of group keys. Tag keys read
// "key$value" ("key$" when untagged), as Cost Explorer writes them.
type Group struct {
	Keys    []string
	Metrics Metrics
}

// ResultByTime is one period of a cost query's answer.
type ResultByTime struct {
	Start, End time.Time
	Total      Metrics
	Groups     []Group // sorted by keys; nil without GroupBy
}

// Aggregator answers a CostQuery from a stream of line items; pass its Add
// to Engine.Rate.
type Aggregator struct {
	q       CostQuery
	periods []ResultByTime
	groups  []map[groupKey]*Metrics
	last    int // index of the period the previous item fell in
}

type groupKey [2]string

// NewAggregator returns an aggregator for q.
func NewAggregator(q CostQuery) (*Aggregator, error) {
	if !q.From.Before(q.To) {
		return nil, fmt.Errorf("cost query: empty period: %w", ErrInvalidQuery)
	}
	if len(q.GroupBy) > 2 {
		return nil, fmt.Errorf("cost query: %d group-bys, at most 2: %w", len(q.GroupBy), ErrInvalidQuery)
	}
	for _, g := range q.GroupBy {
		if g.Type == GroupDimension && dimension(&LineItem{Resource: &Resource{}}, g.Key) == nil || g.Type != GroupDimension && g.Type != GroupTag {
			return nil, fmt.Errorf("cost query: group by %s %s: %w", g.Type, g.Key, ErrInvalidQuery)
		}
	}
	a := &Aggregator{q: q}
	from, to := q.From.UTC(), q.To.UTC()
	for start := from; start.Before(to); {
		var next time.Time
		switch q.Granularity {
		case Hourly:
			next = start.Truncate(time.Hour).Add(time.Hour)
		case Daily:
			next = time.Date(start.Year(), start.Month(), start.Day()+1, 0, 0, 0, 0, time.UTC)
		case Monthly:
			next = time.Date(start.Year(), start.Month()+1, 1, 0, 0, 0, 0, time.UTC)
		default:
			return nil, fmt.Errorf("cost query: granularity %q: %w", q.Granularity, ErrInvalidQuery)
		}
		next = minTime(next, to)
		a.periods = append(a.periods, ResultByTime{Start: start, End: next})
		a.groups = append(a.groups, map[groupKey]*Metrics{})
		start = next
	}
	return a, nil
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// Add counts one line item; items outside the query's period are ignored.
func (a *Aggregator) Add(li LineItem) {
	p := a.period(li.Start)
	if p < 0 {
		return
	}
	a.last = p
	a.periods[p].Total.add(&li)
	if len(a.q.GroupBy) == 0 {
		return
	}
	var k groupKey
	for i, g := range a.q.GroupBy {
		if g.Type == GroupTag {
			k[i] = g.Key + "$" + li.Tags[g.Key]
		} else {
			k[i] = *dimension(&li, g.Key)
		}
	}
	m := a.groups[p][k]
	if m == nil {
		m = &Metrics{}
		a.groups[p][k] = m
	}
	m.add(&li)
}

// period finds the period containing t, starting from the last one used
// since line items come roughly in time order.
func (a *Aggregator) period(t time.Time) int {
	if p := a.periods[a.last]; !t.Before(p.Start) && t.Before(p.End) {
		return a.last
	}
	i, found := slices.BinarySearchFunc(a.periods, t, func(p ResultByTime, t time.Time) int {
		switch {
		case t.Before(p.Start):
			return 1
		case !t.Before(p.End):
			return -1
		}
		return 0
	})
	if !found {
		return -1
	}
	return i
}

// Results returns every period of the query, empty ones included, with
// groups sorted by their keys.
func (a *Aggregator) Results() []ResultByTime {
	out := slices.Clone(a.periods)
	n := len(a.q.GroupBy)
	for p, groups := range a.groups {
		if n == 0 {
			continue
		}
		out[p].Groups = []Group{}
		for k, m := range groups {
			out[p].Groups = append(out[p].Groups, Group{Keys: slices.Clone(k[:n]), Metrics: *m})
		}
		slices.SortFunc(out[p].Groups, func(x, y Group) int { return slices.Compare(x.Keys, y.Keys) })
	}
	return out
}

// dimension returns the line item field a dimension groups by, or nil.
func dimension(li *LineItem, key string) *string {
	switch key {
	case DimService:
		return &li.Service
	case DimUsageType:
		return &li.UsageType
	case DimInstanceType:
		return &li.InstanceType
	case DimPurchaseType:
		return &li.PurchaseType
	case DimLinkedAccount:
		return &li.Account
	case DimRegion:
		return &li.Region
	case DimAZ:
		return &li.Zone
	case DimOperation:
		return &li.Operation
	}
	return nil
}
