package billing

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func plan(id string, typ SavingsPlanType, commitment string) SavingsPlan {
	return SavingsPlan{
		ID: id, Account: "111111111111", Type: typ, Payment: NoUpfront, Commitment: money(commitment),
		Start: march, End: march.Add(365 * 24 * time.Hour),
	}
}

// planPrices adds plan rates: m5.large saves 37.5% (0.06 of 0.096), c5.large
// 20% (0.068 of 0.085), m5.xlarge 37.5%.
func planPrices(ids ...string) *PriceTable {
	p := testPrices()
	for _, id := range ids {
		p.SavingsPlans[id] = map[RateKey]Money{
			linux("us-east-1", "m5.large"):  money("0.06"),
			linux("us-east-1", "m5.xlarge"): money("0.12"),
			linux("us-east-1", "c5.large"):  money("0.068"),
		}
	}
	return p
}

func TestSavingsPlans(t *testing.T) {
	ec2 := plan("sp-ec2", PlanEC2Instance, "0.06")
	ec2.Region, ec2.Family = "us-east-1", "m5"
	allUp := plan("sp-all", PlanCompute, "0.10")
	allUp.Payment, allUp.Upfront, allUp.Start = AllUpfront, money("876"), at(10, 0, 0)
	partial := plan("sp-partial", PlanCompute, "0.10")
	partial.Payment, partial.Upfront, partial.RecurringHourly = PartialUpfront, money("438"), money("0.05")
	partial.Start = at(10, 0, 0)
	member := ran("i-member", "m5.large", at(10, 0, 0), at(11, 0, 0))
	member.Account = "222222222222"
	memberPlan := plan("sp-member", PlanCompute, "0.06")
	memberPlan.Account = "222222222222"

	tests := []struct {
		name      string
		instances []Instance
		ris       []ReservedInstance
		plans     []SavingsPlan
		accounts  []Account
		want      map[string]tally // by resource and source
	}{
		{
			name: "RIs before Savings Plans",
			instances: []Instance{
				ran("i-1", "m5.large", at(10, 0, 0), at(11, 0, 0)),
				ran("i-2", "m5.large", at(10, 0, 0), at(11, 0, 0)),
			},
			ris:   []ReservedInstance{ri("ri-1", "m5.large", "", 1, "0.05")},
			plans: []SavingsPlan{plan("sp-1", PlanCompute, "0.06")},
			want: map[string]tally{
				"i-1 ReservedInstance":   {"1", "0.05"},
				"i-2 SavingsPlanCovered": {"1", "0.06"},
			},
		},
		{
			name: "highest savings percentage first, the rest On-Demand",
			instances: []Instance{
				ran("i-c5", "c5.large", at(10, 0, 0), at(11, 0, 0)),
				ran("i-m5", "m5.large", at(10, 0, 0), at(11, 0, 0)),
			},
			plans: []SavingsPlan{plan("sp-1", PlanCompute, "0.07")},
			want: map[string]tally{
				"i-m5 SavingsPlanCovered": {"1", "0.06"},
				"i-c5 SavingsPlanCovered": {"0.1470588235", "0.01"},
				"i-c5 OnDemand":           {"0.8529411765", "0.0725"},
			},
		},
		{
			name:      "EC2 Instance plans before Compute plans",
			instances: []Instance{ran("i-1", "m5.xlarge", at(10, 0, 0), at(11, 0, 0))},
			plans:     []SavingsPlan{plan("sp-compute", PlanCompute, "0.06"), ec2},
			want: map[string]tally{
				"i-1 SavingsPlanCovered": {"1", "0.12"},
			},
		},
		{
			name:      "unused commitment is billed",
			instances: []Instance{ran("i-1", "m5.large", at(10, 0, 0), at(10, 30, 0))},
			plans:     []SavingsPlan{plan("sp-1", PlanCompute, "0.10")},
			want: map[string]tally{
				"i-1 SavingsPlanCovered": {"0.5", "0.03"},
				"sp-1 SavingsPlanUnused": {"0.7", "0.07"},
			},
		},
		{
			name:      "all upfront: covered usage and unused commitment cost nothing more",
			instances: []Instance{ran("i-1", "m5.large", at(10, 0, 0), at(11, 0, 0))},
			plans:     []SavingsPlan{allUp},
			want: map[string]tally{
				"i-1 SavingsPlanCovered":    {"1", "0.00"},
				"sp-all SavingsPlanUnused":  {"0.4", "0.00"},
				"sp-all SavingsPlanUpfront": {"1", "876.00"},
			},
		},
		{
			name:      "partial upfront: the hour costs the recurring part",
			instances: []Instance{ran("i-1", "m5.large", at(10, 0, 0), at(11, 0, 0))},
			plans:     []SavingsPlan{partial},
			want: map[string]tally{
				"i-1 SavingsPlanCovered":        {"1", "0.03"},
				"sp-partial SavingsPlanUnused":  {"0.4", "0.02"},
				"sp-partial SavingsPlanUpfront": {"1", "438.00"},
			},
		},
		{
			name:      "the owner's usage first",
			instances: []Instance{ran("i-a", "m5.large", at(10, 0, 0), at(11, 0, 0)), member},
			plans:     []SavingsPlan{memberPlan},
			accounts:  []Account{{ID: "111111111111"}, {ID: "222222222222", Payer: "111111111111"}},
			want: map[string]tally{
				"i-member SavingsPlanCovered": {"1", "0.06"},
				"i-a OnDemand":                {"1", "0.096"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ids := []string{}
			for _, p := range tt.plans {
				ids = append(ids, p.ID)
			}
			items := rateUsage(t, planPrices(ids...), &Usage{
				From: at(10, 0, 0), To: at(11, 0, 0), Accounts: tt.accounts, Instances: tt.instances,
				ReservedInstances: tt.ris, SavingsPlans: tt.plans,
			})
			if diff := cmp.Diff(tt.want, byResource(items)); diff != "" {
				t.Fatalf("totals by resource and source (-want +got):\n%s", diff)
			}
		})
	}
}

// TestSavingsPlanHourTotal checks that, whatever the split, an hour of a
// plan costs exactly its recurring commitment.
func TestSavingsPlanHourTotal(t *testing.T) {
	partial := plan("sp-1", PlanCompute, "0.0999999999")
	partial.Payment, partial.RecurringHourly = PartialUpfront, money("0.0333333333")
	items := rateUsage(t, planPrices("sp-1"), &Usage{
		From: at(10, 0, 0), To: at(11, 0, 0), SavingsPlans: []SavingsPlan{partial},
		Instances: []Instance{
			ran("i-1", "c5.large", at(10, 0, 0), at(10, 17, 13)),
			ran("i-2", "m5.large", at(10, 3, 0), at(10, 59, 59)),
			ran("i-3", "m5.xlarge", at(10, 0, 0), at(11, 0, 0)),
		},
	})
	plan := only(items, func(li LineItem) bool { return li.ReservationID == "sp-1" })
	if got := sum(plan); got.Cmp(money("0.0333333333")) != 0 {
		t.Fatalf("plan hour = %s, want exactly 0.0333333333", got.Rat())
	}
}

func byResource(items []LineItem) map[string]tally {
	q := map[string]Quantity{}
	a := map[string]Money{}
	for _, li := range items {
		k := li.ResourceID + " " + li.Source.String()
		q[k] = q[k].Add(li.Quantity)
		a[k] = a[k].Add(li.Amount)
	}
	out := map[string]tally{}
	for k := range q {
		out[k] = tally{q[k].String(), a[k].String()}
	}
	return out
}
