package billing

import (
	"fmt"
	"testing"
	"time"
)

// monthFixture is a month (March, 744 hours) of n instances in three
// accounts of one organization: most run all month, every fifth works
// office hours, a few are Windows; with regional and zonal RIs, EC2
// Instance and Compute Savings Plans, a Capacity Reservation and a volume
// per instance.
func monthFixture(n int) (*PriceTable, *Usage) {
	p := testPrices()
	types := []string{"m5.large", "m5.xlarge", "m5.2xlarge", "c5.large", "r5.large", "t3.micro"}
	u := &Usage{
		From: march, To: april,
		Accounts: []Account{
			{ID: "000000000001", Created: march.AddDate(0, -3, 0)},
			{ID: "000000000002", Payer: "000000000001"},
			{ID: "000000000003", Payer: "000000000001"},
		},
	}
	for i := range n {
		typ := types[i%len(types)]
		in := Instance{
			ID: fmt.Sprintf("i-%08d", i), Account: u.Accounts[i%3].ID, InstanceType: typ,
			Region: "us-east-1", Zone: []string{"us-east-1a", "us-east-1b"}[i%2],
			Platform: PlatformLinux, Tenancy: TenancyDefault, Market: MarketOnDemand,
			FreeTierEligible: typ == "t3.micro", Tags: map[string]string{"team": fmt.Sprint("t", i%7)},
		}
		if i%50 == 7 {
			in.Platform = PlatformWindows
			in.InstanceType = "m5.large"
		}
		in.Transitions = []Transition{{At: march.Add(-time.Hour), State: StateRunning}}
		if i%5 == 0 { // office hours: 9:00–17:00 every day
			in.Transitions = nil
			for d := range 31 {
				day := march.AddDate(0, 0, d)
				in.Transitions = append(in.Transitions,
					Transition{At: day.Add(9 * time.Hour), State: StateRunning},
					Transition{At: day.Add(17*time.Hour + time.Duration(i%60)*time.Second), State: StateStopped})
			}
		}
		if i < 100 {
			in.CapacityReservationID = "cr-bench"
			in.InstanceType, in.Zone, in.Platform = "m5.large", "us-east-1a", PlatformLinux
		}
		u.Instances = append(u.Instances, in)
		u.Volumes = append(u.Volumes, Volume{
			ID: fmt.Sprintf("vol-%08d", i), Account: in.Account, Region: "us-east-1", Zone: in.Zone,
			VolumeType: "gp3", SizeGiB: 8 + int64(i%100), Created: march.Add(-time.Hour), Tags: in.Tags,
		})
	}
	u.CapacityReservations = []CapacityReservation{{
		ID: "cr-bench", Account: "000000000001", InstanceType: "m5.large", Platform: PlatformLinux,
		Region: "us-east-1", Zone: "us-east-1a", Tenancy: TenancyDefault, Count: 120, Start: march,
	}}
	for i := range n / 50 {
		r := ReservedInstance{
			ID: fmt.Sprintf("ri-%04d", i), Account: u.Accounts[i%3].ID, Region: "us-east-1",
			Platform: PlatformLinux, Tenancy: TenancyDefault, Count: 5, Class: ClassStandard,
			Payment: NoUpfront, Start: march.AddDate(0, -1, 0), End: march.AddDate(1, -1, 0),
		}
		switch i % 3 {
		case 0:
			r.InstanceType, r.HourlyFee = "m5.xlarge", money("0.121")
		case 1:
			r.InstanceType, r.Zone, r.HourlyFee = "c5.large", "us-east-1a", money("0.054")
		default:
			r.InstanceType, r.HourlyFee = "r5.large", money("0.079")
		}
		u.ReservedInstances = append(u.ReservedInstances, r)
	}
	ec2 := SavingsPlan{
		ID: "sp-ec2", Account: "000000000002", Type: PlanEC2Instance, Region: "us-east-1", Family: "m5",
		Payment: NoUpfront, Commitment: money("25"), Start: march.AddDate(0, -2, 0), End: march.AddDate(1, 0, 0),
	}
	compute := SavingsPlan{
		ID: "sp-compute", Account: "000000000001", Type: PlanCompute, Payment: PartialUpfront,
		Commitment: money("40"), RecurringHourly: money("20"), Start: march.AddDate(0, -2, 0), End: march.AddDate(1, 0, 0),
	}
	u.SavingsPlans = []SavingsPlan{ec2, compute}
	for _, id := range []string{"sp-ec2", "sp-compute"} {
		p.SavingsPlans[id] = map[RateKey]Money{}
		for typ, rate := range map[string]string{
			"m5.large": "0.06", "m5.xlarge": "0.12", "m5.2xlarge": "0.24", "c5.large": "0.068",
			"r5.large": "0.082", "t3.micro": "0.0071",
		} {
			p.SavingsPlans[id][linux("us-east-1", typ)] = money(rate)
		}
	}
	return p, u
}

func BenchmarkMonth10k(b *testing.B) {
	p, u := monthFixture(10_000)
	e, err := New(DefaultConfig(), p)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	lines := 0
	for b.Loop() {
		s := NewSummarizer()
		lines = 0
		if err := e.Rate(u, func(li LineItem) { lines++; s.Add(li) }); err != nil {
			b.Fatal(err)
		}
		if len(s.Months()) != 3 {
			b.Fatal("want three account bills")
		}
	}
	b.ReportMetric(float64(lines), "lines/op")
}
