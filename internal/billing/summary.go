package billing

import (
	"cmp"
	"slices"
	"time"
)

// AccountMonth is one account's bill for one calendar month (UTC).
type AccountMonth struct {
	Account string
	Payer   string
	Month   time.Time // first instant of the month
	// Total is the exact sum of the account's line items; Due is Total
	// rounded half up to cents, the only rounding the engine does.
	Total, Due Money
	// BySource holds exact subtotals; rounding them separately need not add
	// up to Due, so only Due is a bill.
	BySource map[Source]Money
}

// Summarizer adds line items up into monthly account bills; pass its Add to
// Engine.Rate.
type Summarizer struct {
	months map[monthKey]*monthTotals
	recent []*monthTotals // the last few used, checked before the map
}

type monthKey struct {
	account string
	month   int64
}

// monthTotals accumulates one AccountMonth; sources index an array because
// Add runs once per line item.
type monthTotals struct {
	account, payer string
	from, to       time.Time
	total          Money
	bySource       [len(sourceNames)]Money
}

// NewSummarizer returns an empty summarizer.
func NewSummarizer() *Summarizer { return &Summarizer{months: map[monthKey]*monthTotals{}} }

// Add counts one line item.
func (s *Summarizer) Add(li LineItem) {
	m := s.find(li.Account, li.Start)
	m.payer = li.Payer
	m.total = m.total.Add(li.Amount)
	if int(li.Source) < len(m.bySource) {
		m.bySource[li.Source] = m.bySource[li.Source].Add(li.Amount)
	}
}

// find returns the totals of account's month containing t. Line items come
// clustered by hour, so a handful of recent months answers almost every
// call without hashing.
func (s *Summarizer) find(account string, t time.Time) *monthTotals {
	for _, m := range s.recent {
		if m.account == account && !t.Before(m.from) && t.Before(m.to) {
			return m
		}
	}
	t = t.UTC()
	month := time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
	k := monthKey{account, month.Unix()}
	m := s.months[k]
	if m == nil {
		m = &monthTotals{account: account, from: month, to: month.AddDate(0, 1, 0)}
		s.months[k] = m
	}
	if len(s.recent) < 8 {
		s.recent = append(s.recent, m)
	} else {
		copy(s.recent[1:], s.recent)
		s.recent[0] = m
	}
	return m
}

// Months returns the monthly bills sorted by month and account, with Due
// rounded.
func (s *Summarizer) Months() []AccountMonth {
	out := make([]AccountMonth, 0, len(s.months))
	for _, m := range s.months {
		am := AccountMonth{
			Account: m.account, Payer: m.payer, Month: m.from,
			Total: m.total, Due: m.total.RoundCents(), BySource: map[Source]Money{},
		}
		for src, amount := range m.bySource {
			if !amount.IsZero() {
				am.BySource[Source(src)] = amount
			}
		}
		out = append(out, am)
	}
	slices.SortFunc(out, func(a, b AccountMonth) int {
		return cmp.Or(a.Month.Compare(b.Month), cmp.Compare(a.Account, b.Account))
	})
	return out
}
