package ledger

import (
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/kumo-cloud/kumo/internal/billing"
)

// curColumns are the Cost and Usage Report (legacy CUR) columns WriteCUR
// fills, before the resource tag columns.
var curColumns = []string{
	"identity/TimeInterval",
	"bill/PayerAccountId",
	"lineItem/UsageAccountId",
	"lineItem/LineItemType",
	"lineItem/UsageStartDate",
	"lineItem/UsageEndDate",
	"lineItem/ProductCode",
	"lineItem/UsageType",
	"lineItem/Operation",
	"lineItem/AvailabilityZone",
	"lineItem/ResourceId",
	"lineItem/UsageAmount",
	"pricing/unit",
	"lineItem/UnblendedRate",
	"lineItem/UnblendedCost",
	"lineItem/LineItemDescription",
	"product/instanceType",
	"product/region",
	"reservation/ReservationARN",
	"savingsPlan/SavingsPlanARN",
	"pricing/publicOnDemandCost",
	// Kumo's own: Cost Explorer's PURCHASE_TYPE and the engine's source,
	// which say how the line item was priced.
	"kumo/PurchaseType",
	"kumo/Source",
}

// lineItemTypes are the CUR lineItem/LineItemType of each source.
var lineItemTypes = map[billing.Source]string{
	billing.SourceOnDemand:                  "Usage",
	billing.SourceSpot:                      "Usage",
	billing.SourceFreeTier:                  "Usage",
	billing.SourceReservedInstance:          "DiscountedUsage",
	billing.SourceRIUnused:                  "RIFee",
	billing.SourceRIUpfront:                 "Fee",
	billing.SourceSavingsPlanCovered:        "SavingsPlanCoveredUsage",
	billing.SourceSavingsPlanUnused:         "SavingsPlanRecurringFee",
	billing.SourceSavingsPlanUpfront:        "SavingsPlanUpfrontFee",
	billing.SourceCapacityReservationUnused: "Usage",
	billing.SourceDedicatedHost:             "Usage",
	billing.SourceDedicatedFee:              "Usage",
	billing.SourceEBS:                       "Usage",
	billing.SourceSnapshot:                  "Usage",
	billing.SourcePublicIPv4:                "Usage",
}

// productCodes are the CUR lineItem/ProductCode of each service.
var productCodes = map[string]string{
	billing.ServiceCompute:      "AmazonEC2",
	billing.ServiceEC2Other:     "AmazonEC2",
	billing.ServiceVPC:          "AmazonVPC",
	billing.ServiceSavingsPlans: "ComputeSavingsPlans",
}

// WriteCUR writes items as a Cost-and-Usage-Report-style CSV, one row per
// line item in the given order, with a resourceTags/user:KEY column (or
// resourceTags/aws:KEY for AWS's own tags) for every tag key the items
// carry. Quantities, rates and costs are exact to ten decimals.
func WriteCUR(w io.Writer, items []billing.LineItem) error {
	var keys []string
	seen := map[string]bool{}
	for i := range items {
		for k := range items[i].Tags {
			if !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
	}
	slices.Sort(keys)
	cw := csv.NewWriter(w)
	header := slices.Clone(curColumns)
	for _, k := range keys {
		if strings.HasPrefix(k, "aws:") {
			header = append(header, "resourceTags/"+k)
		} else {
			header = append(header, "resourceTags/user:"+k)
		}
	}
	if err := cw.Write(header); err != nil {
		return fmt.Errorf("write cost and usage report: %w", err)
	}
	row := make([]string, len(header))
	for i := range items {
		li := &items[i]
		start, end := li.Start.UTC().Format(time.RFC3339), li.End().UTC().Format(time.RFC3339)
		rate := ""
		if r := rateOf(li); r != nil {
			rate = decimalString(r)
		}
		riARN, spARN := "", ""
		switch li.Source {
		case billing.SourceReservedInstance, billing.SourceRIUnused, billing.SourceRIUpfront:
			riARN = fmt.Sprintf("arn:aws:ec2:%s:%s:reserved-instances/%s", li.Region, li.Account, li.ReservationID)
		case billing.SourceSavingsPlanCovered, billing.SourceSavingsPlanUnused, billing.SourceSavingsPlanUpfront:
			spARN = fmt.Sprintf("arn:aws:savingsplans::%s:savingsplan/%s", li.Account, li.ReservationID)
		}
		copy(row, []string{
			start + "/" + end, li.Payer, li.Account, lineItemTypes[li.Source], start, end,
			productCodes[li.Service], li.UsageType, li.Operation, li.Zone, li.ResourceID,
			li.Quantity.String(), li.Unit, rate, li.Amount.String(), description(li, rate),
			li.InstanceType, li.Region, riARN, spARN, li.PublicCost.String(), li.PurchaseType, li.Source.String(),
		})
		for j, k := range keys {
			row[len(curColumns)+j] = li.Tags[k]
		}
		if err := cw.Write(row); err != nil {
			return fmt.Errorf("write cost and usage report: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write cost and usage report: %w", err)
	}
	return nil
}

// description explains a line item in a sentence, as the CUR's
// lineItem/LineItemDescription does: "$0.096 per Hrs of BoxUsage:m5.large
// (OnDemand)".
func description(li *billing.LineItem, rate string) string {
	if rate == "" {
		return fmt.Sprintf("%s of %s (%s)", li.Amount, li.UsageType, li.Source)
	}
	return fmt.Sprintf("$%s per %s of %s (%s)", rate, li.Unit, li.UsageType, li.Source)
}
