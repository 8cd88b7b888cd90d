package billing

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// randomUsage builds a few hours of random instances, Capacity Reservations,
// RIs and Savings Plans across a small organization.
func randomUsage(rng *rand.Rand) (*PriceTable, *Usage) {
	p := testPrices()
	types := []string{"m5.large", "m5.xlarge", "m5.2xlarge", "c5.large", "t3.micro"}
	accounts := []string{"111111111111", "222222222222", "333333333333"}
	zones := []string{"us-east-1a", "us-east-1b"}
	start := at(9, 0, 0)
	u := &Usage{
		From: start.Add(time.Duration(rng.IntN(1800)) * time.Second), To: at(15, 0, 0),
		Accounts: []Account{
			{ID: accounts[0], Created: march}, {ID: accounts[1], Payer: accounts[0]},
			{ID: accounts[2], Payer: accounts[0], NoSharing: rng.IntN(2) == 0},
		},
		FreeTierSecondsUsed: map[string]int64{accounts[0]: 750*3600 - int64(rng.IntN(7200))},
	}
	u.CapacityReservations = []CapacityReservation{{
		ID: "cr-1", Account: accounts[rng.IntN(3)], InstanceType: "m5.large", Platform: PlatformLinux,
		Region: "us-east-1", Zone: "us-east-1a", Tenancy: TenancyDefault, Count: int64(1 + rng.IntN(4)),
		Start: start.Add(time.Duration(rng.IntN(3*3600)) * time.Second),
	}}
	for i := range 5 + rng.IntN(25) {
		in := Instance{
			ID: fmt.Sprintf("i-%02d", i), Account: accounts[rng.IntN(3)], InstanceType: types[rng.IntN(len(types))],
			Region: "us-east-1", Zone: zones[rng.IntN(2)], FreeTierEligible: true,
		}
		if i < 3 {
			in.InstanceType, in.Zone, in.CapacityReservationID = "m5.large", "us-east-1a", "cr-1"
		}
		t := start.Add(time.Duration(rng.IntN(3600)) * time.Second)
		for range 1 + rng.IntN(4) {
			in.Transitions = append(in.Transitions, Transition{At: t, State: StateRunning})
			t = t.Add(time.Duration(1+rng.IntN(7200)) * time.Second)
			in.Transitions = append(in.Transitions, Transition{At: t, State: StateStopped})
			t = t.Add(time.Duration(rng.IntN(1800)) * time.Second)
		}
		u.Instances = append(u.Instances, in)
	}
	for i := range rng.IntN(6) {
		r := ri(fmt.Sprintf("ri-%d", i), types[rng.IntN(4)], "", int64(1+rng.IntN(3)), fmt.Sprintf("0.0%d7", 1+rng.IntN(9)))
		r.Account = accounts[rng.IntN(3)]
		if rng.IntN(2) == 0 {
			r.Zone = zones[rng.IntN(2)]
		}
		r.Start = start.Add(time.Duration(rng.IntN(4*3600)) * time.Second)
		u.ReservedInstances = append(u.ReservedInstances, r)
	}
	for i := range rng.IntN(4) {
		sp := plan(fmt.Sprintf("sp-%d", i), PlanCompute, fmt.Sprintf("0.%d3", rng.IntN(4)))
		sp.Account = accounts[rng.IntN(3)]
		if rng.IntN(2) == 0 {
			sp.Type, sp.Region, sp.Family = PlanEC2Instance, "us-east-1", "m5"
		}
		switch rng.IntN(3) {
		case 0:
			sp.Payment, sp.RecurringHourly = PartialUpfront, money("0.0123456789")
		case 1:
			sp.Payment = AllUpfront
		}
		sp.Start = start.Add(time.Duration(rng.IntN(4*3600)) * time.Second)
		u.SavingsPlans = append(u.SavingsPlans, sp)
		p.SavingsPlans[sp.ID] = map[RateKey]Money{
			linux("us-east-1", "m5.large"): money("0.061"), linux("us-east-1", "m5.xlarge"): money("0.1199"),
			linux("us-east-1", "m5.2xlarge"): money("0.25"), linux("us-east-1", "c5.large"): money("0.0683"),
			linux("us-east-1", "t3.micro"): money("0.0071"),
		}
	}
	return p, u
}

// TestAllocationInvariants checks, over random usage, that allocation only
// moves usage between sources: every billed second is billed exactly once,
// and every RI and plan costs exactly its fee each hour.
func TestAllocationInvariants(t *testing.T) {
	for seed := range uint64(200) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			p, u := randomUsage(rand.New(rand.NewPCG(seed, 1)))
			items := rateUsage(t, p, u)
			from, to := unix(u.From), unix(u.To)

			// Every billed instance-second once.
			want := map[string]Quantity{}
			for i := range u.Instances {
				billed, _, _ := DefaultConfig().meterInstance(&u.Instances[i], from, to)
				for _, s := range billed {
					forEachHour(s, func(h, secs int64) {
						want[fmt.Sprint(u.Instances[i].ID, h)] = want[fmt.Sprint(u.Instances[i].ID, h)].Add(secondsToHours(secs))
					})
				}
			}
			got := map[string]Quantity{}
			fees := map[string]Money{}
			for _, li := range items {
				if li.Amount.Sign() < 0 {
					t.Fatalf("negative line %+v", li)
				}
				switch li.Source {
				case SourceOnDemand, SourceFreeTier, SourceReservedInstance, SourceSavingsPlanCovered:
					if li.ResourceID[0] == 'i' {
						k := fmt.Sprint(li.ResourceID, unix(li.Start))
						got[k] = got[k].Add(li.Quantity)
					}
				}
				if li.ReservationID != "" && li.Source != SourceRIUpfront && li.Source != SourceSavingsPlanUpfront {
					k := fmt.Sprint(li.ReservationID, unix(li.Start))
					fees[k] = fees[k].Add(li.Amount)
				}
			}
			for k, q := range want {
				if got[k].Cmp(q) != 0 {
					t.Errorf("%s: billed %s h, want %s", k, got[k], q)
				}
			}
			if len(got) != len(want) {
				t.Errorf("%d instance-hours billed, want %d", len(got), len(want))
			}

			// Every RI and plan hour costs its recurring fee.
			for _, r := range u.ReservedInstances {
				forEachHour(span{max(from, unix(r.Start)), to}, func(h, secs int64) {
					fee, _ := r.HourlyFee.priceUnits()
					if want := hourlyAmount(fee*r.Count, secs); fees[fmt.Sprint(r.ID, h)].Cmp(want) != 0 {
						t.Errorf("%s at %d costs %s, want %s", r.ID, h, fees[fmt.Sprint(r.ID, h)], want)
					}
				})
			}
			for _, sp := range u.SavingsPlans {
				forEachHour(span{max(from, unix(sp.Start)), to}, func(h, secs int64) {
					var rec int64
					switch sp.Payment {
					case NoUpfront:
						rec, _ = sp.Commitment.priceUnits()
					case PartialUpfront:
						rec, _ = sp.RecurringHourly.priceUnits()
					}
					if want := hourlyAmount(rec, secs); fees[fmt.Sprint(sp.ID, h)].Cmp(want) != 0 {
						t.Errorf("%s at %d costs %s, want %s", sp.ID, h, fees[fmt.Sprint(sp.ID, h)], want)
					}
				})
			}
		})
	}
}
