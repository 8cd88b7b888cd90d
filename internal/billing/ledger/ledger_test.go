package ledger_test

import (
	"context"
	"math/big"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/kumo-cloud/kumo/internal/billing"
	"github.com/kumo-cloud/kumo/internal/billing/ledger"
	"github.com/kumo-cloud/kumo/internal/billing/pricing"
	"github.com/kumo-cloud/kumo/internal/billing/usage"
	"github.com/kumo-cloud/kumo/internal/clock"
	"github.com/kumo-cloud/kumo/internal/ec2/instances"
	"github.com/kumo-cloud/kumo/internal/testenv"
)

// TestBillFromTheMeter runs Kumo without the host agent, launches an
// m5.large and a t3.micro through the API, moves them through their states
// as the agent would (which records the usage events), and bills a six-hour
// window from what the meter stored. The clock is a fake reading the real
// time (so that the SDK's signatures are within the skew window) that never
// moves: every recorded time is known to the second.
func TestBillFromTheMeter(t *testing.T) {
	t0 := time.Now().UTC().Truncate(time.Second)
	env := testenv.Start(t, testenv.WithClock(clock.NewFake(t0)))
	ctx := context.Background()
	c := env.EC2()
	imgs, err := c.DescribeImages(ctx, &ec2.DescribeImagesInput{Owners: []string{"amazon"}})
	if err != nil || len(imgs.Images) == 0 {
		t.Fatalf("images: %v", err)
	}
	launch := func(typ types.InstanceType) string {
		out, err := c.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: imgs.Images[0].ImageId, InstanceType: typ,
			MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
			TagSpecifications: []types.TagSpecification{{ResourceType: types.ResourceTypeInstance,
				Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("web")}}}}})
		if err != nil {
			t.Fatalf("launch %s: %v", typ, err)
		}
		return aws.ToString(out.Instances[0].InstanceId)
	}
	big1, micro := launch(types.InstanceTypeM5Large), launch(types.InstanceTypeT3Micro)

	st := &instances.Store{S: env.Daemon.Store}
	at := t0
	set := func(id string, s instances.State, after time.Duration) {
		t.Helper()
		at = at.Add(after)
		if _, err := st.Update(ctx, "us-east-1", env.AccountID, id, func(in *instances.Instance) error {
			in.State, in.StateSince = s, at
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	// The m5.large runs 2 h 30 min 7 s, stops, starts again and stops
	// after 25 s; the t3.micro runs from the same minute on.
	set(big1, instances.Running, time.Minute)
	set(micro, instances.Running, 0)
	set(big1, instances.Stopping, 2*time.Hour+30*time.Minute+7*time.Second)
	set(big1, instances.Stopped, 20*time.Second)
	set(big1, instances.Pending, 10*time.Minute)
	set(big1, instances.Running, 30*time.Second)
	set(big1, instances.Stopping, 25*time.Second)
	set(big1, instances.Stopped, 5*time.Second)

	from := t0.Truncate(time.Hour)
	to := from.Add(6 * time.Hour)
	l := &ledger.Ledger{Store: env.Daemon.Store}
	recs, err := l.Read(ctx, env.AccountID)
	if err != nil {
		t.Fatal(err)
	}
	rootGiB := map[string]int64{} // the two root volumes
	addresses := 0                // the instances' auto-assigned public IPv4 addresses
	for _, e := range recs.Events {
		switch e.Kind {
		case usage.Volume:
			if e.State != usage.Created || e.VolumeType != "gp3" || !e.Time.Equal(t0) {
				t.Fatalf("root volume event %+v, want gp3 created at %s", e, t0)
			}
			rootGiB[e.ID] = int64(e.SizeGiB)
		case usage.PublicIPv4:
			if e.State != usage.Created || (e.ID != big1 && e.ID != micro) || !e.Time.Equal(t0) {
				t.Fatalf("public IPv4 event %+v, want an instance's created at %s", e, t0)
			}
			addresses++
		}
	}
	if len(rootGiB) != 2 || addresses != 2 {
		t.Fatalf("root volumes %v and %d public addresses, want 2 of each", rootGiB, addresses)
	}
	u, err := l.Usage(ctx, recs, ledger.Window{From: from, To: to, Account: env.AccountID})
	if err != nil {
		t.Fatal(err)
	}
	items, err := ledger.LineItems(billing.DefaultConfig(), ledger.NewPrices(pricing.Default()), u)
	if err != nil {
		t.Fatal(err)
	}

	// By hand:
	//   m5.large: 9,007 s (2 h 30 min 7 s) + 60 s (the 25-second run pays
	//     the minimum) = 9,067 s × $0.096/h = $0.241786666…;
	//   t3.micro: the account was created at t0, so its 750 free hours a
	//     month cover the window's (to − t0 − 1 min): $0;
	//   each instance's public IPv4 address (metered under the instance's
	//     id): $0.005/h × (to − t0);
	//   each root volume: $0.08/GB-month × G GiB × (to − t0) over the
	//     length of the month in seconds (split at a month end, if the
	//     window crosses one).
	// Only the total due is rounded, once, to the cent.
	ipv4 := big.NewRat(5*int64(to.Sub(t0)/time.Second), 1000*3600)
	want := map[string]*big.Rat{
		big1:  new(big.Rat).Add(big.NewRat(96*9067, 1000*3600), ipv4),
		micro: new(big.Rat).Set(ipv4),
	}
	total := new(big.Rat).Add(want[big1], want[micro])
	for id, g := range rootGiB {
		want[id] = new(big.Rat).Mul(big.NewRat(8*g, 100), gbMonthsBetween(t0, to))
		total.Add(total, want[id])
	}
	got := map[string]*big.Rat{}
	var freeHours billing.Quantity
	for _, li := range items {
		if got[li.ResourceID] == nil {
			got[li.ResourceID] = new(big.Rat)
		}
		got[li.ResourceID].Add(got[li.ResourceID], li.Amount.Rat())
		if li.ResourceID == micro && li.Source != billing.SourcePublicIPv4 {
			if li.Source != billing.SourceFreeTier {
				t.Errorf("t3.micro line item %s, want FreeTier", li.Source)
			}
			freeHours = freeHours.Add(li.Quantity)
		}
		if li.ResourceID == big1 && li.Tags["team"] != "web" {
			t.Errorf("m5.large line item tags %v, want team=web", li.Tags)
		}
	}
	for id, w := range want {
		if got[id] == nil || got[id].Cmp(w) != 0 {
			t.Errorf("%s costs %v, want exactly %s", id, got[id], w.FloatString(10))
		}
	}
	if len(got) != len(want) {
		t.Errorf("billed resources %v, want %v", got, want)
	}
	if wantHours := big.NewRat(int64(to.Sub(t0.Add(time.Minute))/time.Second), 3600); freeHours.Rat().Cmp(wantHours) != 0 {
		t.Errorf("free tier hours %s, want %s", freeHours, wantHours.FloatString(6))
	}

	stmt := ledger.NewStatement(from, to, recs.Accounts, items)
	if len(stmt.Accounts) != 1 {
		t.Fatalf("statement accounts %+v", stmt.Accounts)
	}
	b := stmt.Accounts[0]
	if b.Total.Rat().Cmp(total) != 0 || b.Due.Cents() != centsOf(total) {
		t.Errorf("total %s due $%s, want exactly %s, due %d cents", b.Total, b.Due.Format(2), total.FloatString(10), centsOf(total))
	}
}

// gbMonthsBetween is the fraction of a month in [a, b), each month's
// seconds counted over that month's length.
func gbMonthsBetween(a, b time.Time) *big.Rat {
	sum := new(big.Rat)
	for a.Before(b) {
		first := time.Date(a.Year(), a.Month(), 1, 0, 0, 0, 0, time.UTC)
		next := first.AddDate(0, 1, 0)
		end := min(next.Unix(), b.Unix())
		sum.Add(sum, big.NewRat(end-a.Unix(), next.Unix()-first.Unix()))
		a = time.Unix(end, 0).UTC()
	}
	return sum
}

// centsOf rounds r to cents, halves away from zero (r ≥ 0 here).
func centsOf(r *big.Rat) int64 {
	c := new(big.Rat).Mul(r, big.NewRat(100, 1))
	c.Add(c, big.NewRat(1, 2))
	return new(big.Int).Quo(c.Num(), c.Denom()).Int64()
}
