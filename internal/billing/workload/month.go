// Package workload makes the billing benchmark's month: a realistic mix of
// usage and commitments for n instances, priced by the real catalog. It is
// the input of `make bench`'s billing row, so it lives outside the tests.
package workload

import (
	"fmt"
	"time"

	"github.com/kumo-cloud/kumo/internal/billing"
	"github.com/kumo-cloud/kumo/internal/billing/pricing"
)

// Month returns a calendar month of usage starting at from (the first of a
// month, UTC) for n instances in three accounts of one organization: most
// run all month, every fifth only office hours, every fiftieth is Windows,
// each has a gp3 volume; with regional and zonal Reserved Instances (one
// per 50 instances, priced from the catalog's offerings), an EC2 Instance
// and a Compute Savings Plan ($25 and $40 an hour for 10,000 instances,
// in proportion for other n), and a 120-slot Capacity Reservation.
func Month(n int, from time.Time, cat *pricing.Catalog) (*billing.Usage, error) {
	to := from.AddDate(0, 1, 0)
	types := []string{"m5.large", "m5.xlarge", "m5.2xlarge", "c5.large", "r5.large", "t3.micro"}
	u := &billing.Usage{
		From: from, To: to,
		Accounts: []billing.Account{
			{ID: "000000000001", Created: from.AddDate(0, -3, 0)},
			{ID: "000000000002", Payer: "000000000001"},
			{ID: "000000000003", Payer: "000000000001"},
		},
	}
	days := int(to.Sub(from).Hours() / 24)
	for i := range n {
		typ := types[i%len(types)]
		in := billing.Instance{
			ID: fmt.Sprintf("i-%017d", i), Account: u.Accounts[i%3].ID, InstanceType: typ,
			Region: "us-east-1", Zone: []string{"us-east-1a", "us-east-1b"}[i%2],
			Platform: billing.PlatformLinux, Tenancy: billing.TenancyDefault, Market: billing.MarketOnDemand,
			FreeTierEligible: typ == "t3.micro", Tags: map[string]string{"team": fmt.Sprint("t", i%7)},
		}
		if i%50 == 7 {
			in.Platform, in.InstanceType = billing.PlatformWindows, "m5.large"
		}
		in.Transitions = []billing.Transition{{At: from.Add(-time.Hour), State: billing.StateRunning}}
		if i%5 == 0 { // office hours, 9:00–17:00 every day
			in.Transitions = nil
			for d := range days {
				day := from.AddDate(0, 0, d)
				in.Transitions = append(in.Transitions,
					billing.Transition{At: day.Add(9 * time.Hour), State: billing.StateRunning},
					billing.Transition{At: day.Add(17*time.Hour + time.Duration(i%60)*time.Second), State: billing.StateStopped})
			}
		}
		if i < 100 {
			in.CapacityReservationID = "cr-bench"
			in.InstanceType, in.Zone, in.Platform = "m5.large", "us-east-1a", billing.PlatformLinux
		}
		u.Instances = append(u.Instances, in)
		u.Volumes = append(u.Volumes, billing.Volume{
			ID: fmt.Sprintf("vol-%017d", i), Account: in.Account, Region: "us-east-1", Zone: in.Zone,
			VolumeType: "gp3", SizeGiB: 8 + int64(i%100), Created: from.Add(-time.Hour), Tags: in.Tags,
		})
	}
	u.CapacityReservations = []billing.CapacityReservation{{
		ID: "cr-bench", Account: "000000000001", InstanceType: "m5.large", Platform: billing.PlatformLinux,
		Region: "us-east-1", Zone: "us-east-1a", Tenancy: billing.TenancyDefault, Count: 120, Start: from,
	}}
	for i := range n / 50 {
		typ, zone := []string{"m5.xlarge", "c5.large", "r5.large"}[i%3], ""
		if i%3 == 1 {
			zone = "us-east-1a"
		}
		o, err := cat.RIOffering(pricing.Product{InstanceType: typ, Region: "us-east-1"}, pricing.ClassStandard, pricing.Term1Year, pricing.NoUpfront)
		if err != nil {
			return nil, err
		}
		fee, err := billing.ParseMoney(o.Hourly.String())
		if err != nil {
			return nil, err
		}
		u.ReservedInstances = append(u.ReservedInstances, billing.ReservedInstance{
			ID: fmt.Sprintf("ri-%04d", i), Account: u.Accounts[i%3].ID, InstanceType: typ, Region: "us-east-1", Zone: zone,
			Platform: billing.PlatformLinux, Tenancy: billing.TenancyDefault, Count: 5, Class: billing.ClassStandard,
			Payment: billing.NoUpfront, HourlyFee: fee, Start: from.AddDate(0, -1, 0), End: from.AddDate(1, -1, 0),
		})
	}
	u.SavingsPlans = []billing.SavingsPlan{{
		ID: "sp-ec2", Account: "000000000002", Type: billing.PlanEC2Instance, Region: "us-east-1", Family: "m5",
		Payment: billing.NoUpfront, Commitment: billing.MoneyFromCents(int64(n) / 4), Start: from.AddDate(0, -2, 0), End: from.AddDate(1, -2, 0),
	}, {
		ID: "sp-compute", Account: "000000000001", Type: billing.PlanCompute, Payment: billing.PartialUpfront,
		Commitment: billing.MoneyFromCents(int64(n) * 2 / 5), RecurringHourly: billing.MoneyFromCents(int64(n) / 5),
		Start: from.AddDate(0, -2, 0), End: from.AddDate(1, -2, 0),
	}}
	return u, nil
}
