package pricing

import (
	"errors"
	"testing"

	"github.com/kumo-cloud/kumo/internal/catalog"
)

func usEast1(instanceType string) Product {
	return Product{InstanceType: instanceType, Region: "us-east-1"}
}

// TestEveryCatalogTypeHasPrice holds the price tables to internal/catalog:
// a type added there without a price fails here, by name.
func TestEveryCatalogTypeHasPrice(t *testing.T) {
	c := Default()
	if len(c.missing) > 0 {
		t.Fatalf("no On-Demand price for %v: add them to prices_ondemand.go", c.missing)
	}
	for _, it := range catalog.InstanceTypes() {
		p, err := c.OnDemand(usEast1(it.Name))
		if err != nil {
			t.Errorf("%s: %v", it.Name, err)
			continue
		}
		if p.Sign() <= 0 {
			t.Errorf("%s: price %s, want > 0", it.Name, p)
		}
	}
}

// TestPublishedPrices checks us-east-1 Linux prices against the AWS
// pricing page, including every reference price of BILLING.md.
func TestPublishedPrices(t *testing.T) {
	c := Default()
	for name, want := range map[string]string{
		// BILLING.md reference prices.
		"t2.micro": "0.0116", "t3.micro": "0.0104", "t3.medium": "0.0416",
		"m5.large": "0.096", "m5.xlarge": "0.192", "m5.8xlarge": "1.536",
		"c5.large": "0.085", "c5d.4xlarge": "0.768", "r5.large": "0.126",
		"r5.16xlarge": "4.032", "p3.2xlarge": "3.06", "g4dn.xlarge": "0.526",
		"inf2.xlarge": "0.7582", "trn1.2xlarge": "1.34375",
		// Linear sizes and metal.
		"t2.nano": "0.0058", "t2.small": "0.023", "t2.2xlarge": "0.3712",
		"t3.nano": "0.0052", "t3.2xlarge": "0.3328", "t4g.nano": "0.0042",
		"t4g.2xlarge": "0.2688", "m3.medium": "0.067", "m3.2xlarge": "0.532",
		"m5.24xlarge": "4.608", "m5.metal": "4.608", "m6g.medium": "0.0385",
		"m6i.32xlarge": "6.144", "m6i.metal": "6.144", "m7i.48xlarge": "9.6768",
		"c5.9xlarge": "1.53", "c5.metal": "4.08", "c5d.metal": "4.608",
		"c6i.32xlarge": "5.44", "c7g.medium": "0.0363", "c7g.16xlarge": "2.32",
		"c7i.48xlarge": "8.568", "r5.metal": "6.048", "r6i.32xlarge": "8.064",
		"x1e.xlarge": "0.834", "x1e.32xlarge": "26.688", "d2.8xlarge": "5.52",
		"i3.metal": "4.992", "i4i.32xlarge": "10.982", "mac1.metal": "1.083",
		// Accelerated, listed explicitly.
		"p3.16xlarge": "24.48", "p4d.24xlarge": "21.957642", "p5.48xlarge": "55.04",
		"g4dn.12xlarge": "3.912", "g5.48xlarge": "16.288", "g6.24xlarge": "6.6752",
		"inf1.24xlarge": "4.721", "trn1.32xlarge": "21.50",
	} {
		t.Run(name, func(t *testing.T) {
			got, err := c.OnDemand(usEast1(name))
			if err != nil {
				t.Fatal(err)
			}
			if got != MustParseMoney(want) {
				t.Errorf("OnDemand = %s, want %s", got, want)
			}
		})
	}
}

// TestPriceTablesNameRealTypes catches stale keys: a price for a type the
// catalog dropped would otherwise sit unused.
func TestPriceTablesNameRealTypes(t *testing.T) {
	for name := range explicitPrices {
		if _, ok := catalog.LookupInstanceType(name); !ok {
			t.Errorf("explicitPrices: %s is not in internal/catalog", name)
		}
	}
	for family, fp := range linearFamilies {
		it, ok := catalog.LookupInstanceType(fp.ref)
		if !ok || it.Family != family {
			t.Errorf("linearFamilies[%s]: reference %s is not a %s type in internal/catalog", family, fp.ref, family)
		}
	}
}

func TestOnDemandErrors(t *testing.T) {
	c := Default()
	for _, tc := range []struct {
		name string
		p    Product
		want error
	}{
		{"unknown type", Product{InstanceType: "m9.huge", Region: "us-east-1"}, ErrUnknownInstanceType},
		{"unknown region", Product{InstanceType: "m5.large", Region: "mars-1"}, ErrUnknownRegion},
		{"not sold in region", Product{InstanceType: "p5.48xlarge", Region: "eu-west-1"}, ErrNotOffered},
		{"unknown platform", Product{InstanceType: "m5.large", Region: "us-east-1", Platform: "BeOS"}, ErrUnknownPlatform},
		{"unknown tenancy", Product{InstanceType: "m5.large", Region: "us-east-1", Tenancy: "shared"}, ErrUnknownTenancy},
		{"windows on graviton", Product{InstanceType: "m6g.large", Region: "us-east-1", Platform: Windows}, ErrNotOffered},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := c.OnDemand(tc.p); !errors.Is(err, tc.want) {
				t.Errorf("error %v, want %v", err, tc.want)
			}
		})
	}
}
