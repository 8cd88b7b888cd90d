package billing

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func aggregateFixture(t *testing.T, q CostQuery) []ResultByTime {
	t.Helper()
	web := ran("i-web", "m5.large", at(10, 0, 0), at(11, 0, 0), at(34, 0, 0), at(35, 0, 0)) // two days
	web.Tags = map[string]string{"team": "web"}
	db := ran("i-db", "r5.large", at(10, 0, 0), at(10, 30, 0))
	vol := Volume{ID: "vol-1", Account: "111111111111", Region: "us-east-1", VolumeType: "gp3", SizeGiB: 744, Created: at(10, 0, 0), Deleted: at(11, 0, 0)}
	a, err := NewAggregator(q)
	if err != nil {
		t.Fatal(err)
	}
	e, _ := New(DefaultConfig(), testPrices())
	err = e.Rate(&Usage{From: march, To: april, Instances: []Instance{web, db}, Volumes: []Volume{vol}}, a.Add)
	if err != nil {
		t.Fatal(err)
	}
	return a.Results()
}

type row struct {
	Start  string
	Keys   []string
	Amount string
}

func flatten(results []ResultByTime) []row {
	var out []row
	for _, r := range results {
		if r.Groups == nil {
			out = append(out, row{r.Start.Format(time.DateTime), nil, r.Total.Amount.String()})
		}
		for _, g := range r.Groups {
			out = append(out, row{r.Start.Format(time.DateTime), g.Keys, g.Metrics.Amount.String()})
		}
	}
	return out
}

func TestAggregator(t *testing.T) {
	tests := []struct {
		name string
		q    CostQuery
		want []row
	}{
		{
			name: "daily by service and purchase type",
			q: CostQuery{
				From: at(0, 0, 0), To: at(48, 0, 0), Granularity: Daily,
				GroupBy: []GroupBy{{GroupDimension, DimService}, {GroupDimension, DimPurchaseType}},
			},
			want: []row{
				{"2026-03-10 00:00:00", []string{"Amazon Elastic Compute Cloud - Compute", "On Demand Instances"}, "0.159"},
				{"2026-03-10 00:00:00", []string{"EC2 - Other", "On Demand Instances"}, "0.08"},
				{"2026-03-11 00:00:00", []string{"Amazon Elastic Compute Cloud - Compute", "On Demand Instances"}, "0.096"},
			},
		},
		{
			name: "monthly by tag",
			q: CostQuery{
				From: march, To: april, Granularity: Monthly,
				GroupBy: []GroupBy{{GroupTag, "team"}},
			},
			want: []row{
				{"2026-03-01 00:00:00", []string{"team$"}, "0.143"},
				{"2026-03-01 00:00:00", []string{"team$web"}, "0.192"},
			},
		},
		{
			name: "hourly totals, empty hours included",
			q:    CostQuery{From: at(9, 0, 0), To: at(11, 0, 0), Granularity: Hourly},
			want: []row{{"2026-03-10 09:00:00", nil, "0.00"}, {"2026-03-10 10:00:00", nil, "0.239"}},
		},
		{
			name: "by instance type and usage type",
			q: CostQuery{
				From: at(10, 0, 0), To: at(11, 0, 0), Granularity: Daily,
				GroupBy: []GroupBy{{GroupDimension, DimInstanceType}, {GroupDimension, DimUsageType}},
			},
			want: []row{
				{"2026-03-10 10:00:00", []string{"", "EBS:VolumeUsage.gp3"}, "0.08"},
				{"2026-03-10 10:00:00", []string{"m5.large", "BoxUsage:m5.large"}, "0.096"},
				{"2026-03-10 10:00:00", []string{"r5.large", "BoxUsage:r5.large"}, "0.063"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, flatten(aggregateFixture(t, tt.q))); diff != "" {
				t.Fatalf("results (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAggregatorRejects(t *testing.T) {
	for name, q := range map[string]CostQuery{
		"empty period":    {From: march, To: march, Granularity: Daily},
		"bad granularity": {From: march, To: april, Granularity: "WEEKLY"},
		"bad dimension":   {From: march, To: april, Granularity: Daily, GroupBy: []GroupBy{{GroupDimension, "COLOR"}}},
		"three group-bys": {From: march, To: april, Granularity: Daily, GroupBy: []GroupBy{{GroupTag, "a"}, {GroupTag, "b"}, {GroupTag, "c"}}},
		"bad group type":  {From: march, To: april, Granularity: Daily, GroupBy: []GroupBy{{"COST_CATEGORY", "x"}}},
	} {
		if _, err := NewAggregator(q); !errors.Is(err, ErrInvalidQuery) {
			t.Errorf("%s: err = %v, want ErrInvalidQuery", name, err)
		}
	}
}

func TestSummarizerRoundsOnlyTheTotal(t *testing.T) {
	s := NewSummarizer()
	for _, a := range []string{"0.0025", "0.0025"} { // each rounds to 0.00; together 0.01
		s.Add(LineItem{Resource: &Resource{Account: "1", Payer: "1"}, Start: at(10, 0, 0), Source: SourcePublicIPv4, Amount: money(a)})
	}
	s.Add(LineItem{Resource: &Resource{Account: "2", Payer: "1"}, Start: at(10, 0, 0), Source: SourceEBS, Amount: money("1.004")})
	got := s.Months()
	want := []AccountMonth{
		{Account: "1", Payer: "1", Month: march, Total: money("0.005"), Due: money("0.01"),
			BySource: map[Source]Money{SourcePublicIPv4: money("0.005")}},
		{Account: "2", Payer: "1", Month: march, Total: money("1.004"), Due: money("1.00"),
			BySource: map[Source]Money{SourceEBS: money("1.004")}},
	}
	if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b Money) bool { return a.Cmp(b) == 0 })); diff != "" {
		t.Fatalf("months (-want +got):\n%s", diff)
	}
}
