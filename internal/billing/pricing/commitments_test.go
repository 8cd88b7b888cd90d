package pricing

import (
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestTerm(t *testing.T) {
	if Term1Year.Seconds() != 31_536_000 || Term3Years.Seconds() != 94_608_000 {
		t.Error("term seconds differ from EC2's durations")
	}
	if Term3Years.Hours() != 26_280 {
		t.Errorf("3 years = %d hours", Term3Years.Hours())
	}
}

func TestRIOfferingsM5Large(t *testing.T) {
	type offer struct {
		Class          OfferingClass
		Term           Term
		Payment        PaymentOption
		Upfront, Hours string
	}
	got, err := Default().RIOfferings(usEast1("m5.large"))
	if err != nil {
		t.Fatal(err)
	}
	var gotOffers []offer
	for _, o := range got {
		gotOffers = append(gotOffers, offer{o.Class, o.Term, o.Payment, o.Upfront.String(), o.Hourly.String()})
	}
	// m5.large On-Demand 0.096. AWS publishes, for comparison: standard
	// 1-year no upfront 0.060, all upfront $497; 3-year all upfront $1,008.
	want := []offer{
		{ClassStandard, Term1Year, NoUpfront, "0.00", "0.05952"},
		{ClassStandard, Term1Year, PartialUpfront, "248.08", "0.02928"},
		{ClassStandard, Term1Year, AllUpfront, "496.17", "0.00"},
		{ClassStandard, Term3Years, NoUpfront, "0.00", "0.04128"},
		{ClassStandard, Term3Years, PartialUpfront, "479.35", "0.02016"},
		{ClassStandard, Term3Years, AllUpfront, "958.69", "0.00"},
		{ClassConvertible, Term1Year, NoUpfront, "0.00", "0.06912"},
		{ClassConvertible, Term1Year, PartialUpfront, "285.93", "0.0336"},
		{ClassConvertible, Term1Year, AllUpfront, "571.85", "0.00"},
		{ClassConvertible, Term3Years, NoUpfront, "0.00", "0.048"},
		{ClassConvertible, Term3Years, PartialUpfront, "567.65", "0.02352"},
		{ClassConvertible, Term3Years, AllUpfront, "1135.30", "0.00"},
	}
	if diff := cmp.Diff(want, gotOffers); diff != "" {
		t.Errorf("offerings (-want +got):\n%s", diff)
	}
}

// TestRIOfferingShape checks, for every type, what any AWS offering list
// shows: paying earlier and committing longer cost less, partial upfront
// pays about half of all upfront at purchase, and everything beats
// On-Demand.
func TestRIOfferingShape(t *testing.T) {
	c := Default()
	for _, name := range c.sortedTypes() {
		p := usEast1(name)
		od, err := c.OnDemand(p)
		if err != nil {
			t.Fatal(err)
		}
		offers, err := c.RIOfferings(p)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		byKey := map[string]RIOffering{}
		for _, o := range offers {
			byKey[fmt.Sprint(o.Class, o.Term, o.Payment)] = o
		}
		for _, class := range []OfferingClass{ClassStandard, ClassConvertible} {
			for _, term := range []Term{Term1Year, Term3Years} {
				no := byKey[fmt.Sprint(class, term, NoUpfront)]
				partial := byKey[fmt.Sprint(class, term, PartialUpfront)]
				all := byKey[fmt.Sprint(class, term, AllUpfront)]
				where := fmt.Sprintf("%s %s %dy", name, class, term)
				if !(all.EffectiveHourly().Cmp(partial.EffectiveHourly()) <= 0 &&
					partial.EffectiveHourly().Cmp(no.EffectiveHourly()) <= 0 &&
					no.EffectiveHourly().Cmp(od) < 0) {
					t.Errorf("%s: effective rates all %s, partial %s, no %s, on-demand %s are out of order",
						where, all.EffectiveHourly(), partial.EffectiveHourly(), no.EffectiveHourly(), od)
				}
				if d := partial.Upfront.Mul(2).Sub(all.Upfront); d.Cmp(Cents(-2)) < 0 || d.Cmp(Cents(2)) > 0 {
					t.Errorf("%s: partial upfront %s is not half of all upfront %s", where, partial.Upfront, all.Upfront)
				}
				if !no.Upfront.IsZero() || !all.Hourly.IsZero() {
					t.Errorf("%s: no upfront has a fee or all upfront an hourly charge", where)
				}
			}
		}
	}
}

func TestCommitmentLicenseIsNotDiscounted(t *testing.T) {
	c := Default()
	p := Product{InstanceType: "m5.large", Region: "us-east-1", Platform: Windows}
	o, err := c.RIOffering(p, ClassStandard, Term1Year, NoUpfront)
	if err != nil {
		t.Fatal(err)
	}
	if want := MustParseMoney("0.15152"); o.Hourly != want { // 0.05952 + 0.092
		t.Errorf("Windows RI hourly %s, want %s", o.Hourly, want)
	}
	o, err = c.RIOffering(p, ClassStandard, Term1Year, AllUpfront)
	if err != nil {
		t.Fatal(err)
	}
	if want := MustParseMoney("1302.09"); o.Upfront != want { // (0.05664 + 0.092) × 8760
		t.Errorf("Windows RI upfront %s, want %s", o.Upfront, want)
	}
}

func TestSavingsPlanRate(t *testing.T) {
	c := Default()
	for _, tc := range []struct {
		plan    SavingsPlanType
		term    Term
		payment PaymentOption
		p       Product
		want    string
	}{
		{ComputeSP, Term1Year, NoUpfront, usEast1("m5.large"), "0.06912"},
		{EC2InstanceSP, Term1Year, NoUpfront, usEast1("m5.large"), "0.05952"},
		{EC2InstanceSP, Term3Years, AllUpfront, usEast1("m5.large"), "0.03648"},
		{ComputeSP, Term3Years, PartialUpfront, usEast1("p3.2xlarge"), "1.4382"},
		{EC2InstanceSP, Term1Year, NoUpfront, Product{InstanceType: "m5.large", Region: "us-east-1", Platform: Windows}, "0.15152"},
		{ComputeSP, Term1Year, NoUpfront, Product{InstanceType: "m5.large", Region: "eu-west-1", Tenancy: TenancyDedicated}, "0.07704"},
	} {
		t.Run(fmt.Sprint(tc.plan, tc.term, tc.payment, tc.p), func(t *testing.T) {
			got, err := c.SavingsPlanRate(tc.plan, tc.term, tc.payment, tc.p)
			if err != nil {
				t.Fatal(err)
			}
			if got != MustParseMoney(tc.want) {
				t.Errorf("SavingsPlanRate = %s, want %s", got, tc.want)
			}
		})
	}
}

// TestCommitmentTableLimits keeps the table within AWS's advertised
// maximum discounts and its own ordering.
func TestCommitmentTableLimits(t *testing.T) {
	deepest := map[commitmentProduct]Factor{ // the lowest fraction of On-Demand AWS advertises
		ec2InstancePlan: mustFactor("0.28"), standardRI: mustFactor("0.28"),
		computePlan: mustFactor("0.34"), convertibleRI: mustFactor("0.34"),
	}
	for key, row := range commitmentTable {
		floor, ok := deepest[key.product]
		if !ok {
			t.Errorf("%v: unknown product", key)
			continue
		}
		if row.allUpfront.Cmp(floor) < 0 {
			t.Errorf("%v: all upfront %s is deeper than AWS's maximum discount (%s)", key, row.allUpfront, floor)
		}
		if !(row.allUpfront.Cmp(row.partialUpfront) <= 0 && row.partialUpfront.Cmp(row.noUpfront) <= 0 && row.noUpfront.Cmp(NewFactor(1, 1)) < 0) {
			t.Errorf("%v: fractions %+v out of order", key, row)
		}
		if key.term == Term1Year {
			if longer := commitmentTable[commitmentKey{key.product, Term3Years}]; longer.noUpfront.Cmp(row.noUpfront) >= 0 {
				t.Errorf("%v: three years is not cheaper than one", key)
			}
		}
	}
	if len(commitmentTable) != 8 {
		t.Errorf("table has %d rows, want 4 products × 2 terms", len(commitmentTable))
	}
}

func TestCommitmentErrors(t *testing.T) {
	c := Default()
	host := Product{InstanceType: "m5.large", Region: "us-east-1", Tenancy: TenancyHost}
	for _, tc := range []struct {
		name string
		err  error
		want error
	}{
		{"ri on a host", errOf(c.RIOffering(host, ClassStandard, Term1Year, NoUpfront)), ErrNotOffered},
		{"sp on a host", errOf(c.SavingsPlanRate(ComputeSP, Term1Year, NoUpfront, host)), ErrNotOffered},
		{"ri class", errOf(c.RIOffering(usEast1("m5.large"), "scheduled", Term1Year, NoUpfront)), ErrNotOffered},
		{"ri term", errOf(c.RIOffering(usEast1("m5.large"), ClassStandard, 2, NoUpfront)), ErrNotOffered},
		{"ri payment", errOf(c.RIOffering(usEast1("m5.large"), ClassStandard, Term1Year, "Heavy Utilization")), ErrNotOffered},
		{"sp type", errOf(c.SavingsPlanRate("SageMaker", Term1Year, NoUpfront, usEast1("m5.large"))), ErrNotOffered},
		{"ri class as sp type", errOf(c.SavingsPlanRate("standard", Term1Year, NoUpfront, usEast1("m5.large"))), ErrNotOffered},
		{"ri unknown type", errOf(c.RIOffering(usEast1("m5.nope"), ClassStandard, Term1Year, NoUpfront)), ErrUnknownInstanceType},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !errors.Is(tc.err, tc.want) {
				t.Errorf("error %v, want %v", tc.err, tc.want)
			}
		})
	}
}

func errOf[T any](_ T, err error) error { return err }
