package ledger_test

import (
	"bytes"
	"encoding/csv"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kumo-cloud/kumo/internal/billing"
	"github.com/kumo-cloud/kumo/internal/billing/ledger"
)

func TestWriteCUR(t *testing.T) {
	box := &billing.Resource{Payer: acct, Account: acct, Service: billing.ServiceCompute, UsageType: "BoxUsage:m5.large",
		Operation: "RunInstances", Region: "us-east-1", Zone: "us-east-1a", ResourceID: "i-1", InstanceType: "m5.large",
		Tags: map[string]string{"team": "web", "aws:createdBy": "ops"}, Unit: billing.UnitHours}
	ip := &billing.Resource{Payer: acct, Account: acct, Service: billing.ServiceVPC, UsageType: "PublicIPv4:IdleAddress",
		Operation: "AllocateAddress", Region: "us-east-1", ResourceID: "eipalloc-1", Unit: billing.UnitHours}
	items := []billing.LineItem{
		{Resource: box, Start: from, Source: billing.SourceReservedInstance, PurchaseType: billing.PurchaseStandardReserved,
			ReservationID: "ri-1", Quantity: billing.QuantityOf(2), Amount: billing.MustParseMoney("0.12"), PublicCost: billing.MustParseMoney("0.192")},
		{Resource: ip, Start: from, Source: billing.SourcePublicIPv4, PurchaseType: billing.PurchaseOnDemand,
			Quantity: billing.QuantityOf(1), Amount: billing.MustParseMoney("0.005"), PublicCost: billing.MustParseMoney("0.005")},
	}
	var buf bytes.Buffer
	if err := ledger.WriteCUR(&buf, items); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 {
		t.Fatalf("%d rows, want a header and 2", len(rows))
	}
	got := []map[string]string{{}, {}}
	for i, r := range rows[1:] {
		for j, name := range rows[0] {
			got[i][name] = r[j]
		}
	}
	pick := func(m map[string]string, keys ...string) map[string]string {
		out := map[string]string{}
		for _, k := range keys {
			out[k] = m[k]
		}
		return out
	}
	keys := []string{"identity/TimeInterval", "lineItem/LineItemType", "lineItem/ProductCode", "lineItem/UsageAmount",
		"lineItem/UnblendedRate", "lineItem/UnblendedCost", "reservation/ReservationARN", "resourceTags/user:team",
		"resourceTags/aws:createdBy", "kumo/Source", "lineItem/LineItemDescription"}
	want := []map[string]string{{
		"identity/TimeInterval": "2026-03-10T10:00:00Z/2026-03-10T11:00:00Z", "lineItem/LineItemType": "DiscountedUsage",
		"lineItem/ProductCode": "AmazonEC2", "lineItem/UsageAmount": "2", "lineItem/UnblendedRate": "0.06",
		"lineItem/UnblendedCost": "0.12", "reservation/ReservationARN": "arn:aws:ec2:us-east-1:" + acct + ":reserved-instances/ri-1",
		"resourceTags/user:team": "web", "resourceTags/aws:createdBy": "ops", "kumo/Source": "ReservedInstance",
		"lineItem/LineItemDescription": "$0.06 per Hrs of BoxUsage:m5.large (ReservedInstance)",
	}, {
		"identity/TimeInterval": "2026-03-10T10:00:00Z/2026-03-10T11:00:00Z", "lineItem/LineItemType": "Usage",
		"lineItem/ProductCode": "AmazonVPC", "lineItem/UsageAmount": "1", "lineItem/UnblendedRate": "0.005",
		"lineItem/UnblendedCost": "0.005", "reservation/ReservationARN": "", "resourceTags/user:team": "",
		"resourceTags/aws:createdBy": "", "kumo/Source": "PublicIPv4",
		"lineItem/LineItemDescription": "$0.005 per Hrs of PublicIPv4:IdleAddress (PublicIPv4)",
	}}
	for i := range want {
		if diff := cmp.Diff(want[i], pick(got[i], keys...)); diff != "" {
			t.Errorf("row %d (-want +got):\n%s", i+1, diff)
		}
	}
}
