package pricing

import (
	"errors"
	"testing"
)

func TestParseTenancy(t *testing.T) {
	for in, want := range map[string]Tenancy{
		"": TenancyDefault, "default": TenancyDefault, "dedicated": TenancyDedicated, "host": TenancyHost, "Host": TenancyHost,
	} {
		if got, err := ParseTenancy(in); err != nil || got != want {
			t.Errorf("ParseTenancy(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ParseTenancy("shared"); !errors.Is(err, ErrUnknownTenancy) {
		t.Errorf("unknown tenancy: error %v", err)
	}
}

func TestTenancyRates(t *testing.T) {
	c := Default()
	for _, tc := range []struct {
		name string
		p    Product
		want string
	}{
		{"dedicated costs what default does", Product{InstanceType: "m5.large", Region: "us-east-1", Tenancy: TenancyDedicated}, "0.096"},
		{"linux on a host is covered by the host", Product{InstanceType: "m5.large", Region: "us-east-1", Tenancy: TenancyHost}, "0"},
		{"windows on a host pays its license", Product{InstanceType: "m5.large", Region: "us-east-1", Tenancy: TenancyHost, Platform: Windows}, "0.092"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := c.OnDemand(tc.p)
			if err != nil {
				t.Fatal(err)
			}
			if got != MustParseMoney(tc.want) {
				t.Errorf("OnDemand = %s, want %s", got, tc.want)
			}
		})
	}
	if fee := c.DedicatedRegionFee(); fee != Dollars(2) {
		t.Errorf("DedicatedRegionFee = %s, want 2", fee)
	}
}

func TestDedicatedHost(t *testing.T) {
	c := Default()
	for _, tc := range []struct {
		family, region, want string
	}{
		{"m5", "us-east-1", "5.0688"},   // 4.608 × 1.1; AWS: 5.069
		{"c5", "us-east-1", "4.488"},    // 4.08 × 1.1; AWS: 4.493
		{"r5", "us-east-1", "6.6528"},   // 6.048 × 1.1; AWS: 6.653
		{"g4dn", "us-east-1", "4.7872"}, // dearest size is the 16xlarge
		{"mac1", "us-east-1", "1.083"},
		{"m5", "eu-west-1", "5.6496"}, // × 107/96
	} {
		t.Run(tc.family+"/"+tc.region, func(t *testing.T) {
			got, err := c.DedicatedHost(tc.family, tc.region)
			if err != nil {
				t.Fatal(err)
			}
			if got != MustParseMoney(tc.want) {
				t.Errorf("DedicatedHost = %s, want %s", got, tc.want)
			}
		})
	}
	for _, tc := range []struct {
		family, region string
		want           error
	}{
		{"t2", "us-east-1", ErrNotOffered}, // no Dedicated Hosts for t2
		{"p5", "eu-west-1", ErrNotOffered}, // not sold in the region
		{"zz9", "us-east-1", ErrUnknownInstanceType},
		{"m5", "atlantis-1", ErrUnknownRegion},
	} {
		t.Run("error/"+tc.family+"/"+tc.region, func(t *testing.T) {
			if _, err := c.DedicatedHost(tc.family, tc.region); !errors.Is(err, tc.want) {
				t.Errorf("error %v, want %v", err, tc.want)
			}
		})
	}
}
