package platform

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/awsquery/ec2api"
	"github.com/kumo-cloud/kumo/internal/catalog"
	"github.com/kumo-cloud/kumo/internal/ec2/filter"
	"github.com/kumo-cloud/kumo/internal/ec2/paging"
)

// DescribeInstanceTypeOfferings lists which types are offered in the region or
// in each served zone.
func (h *Handlers) DescribeInstanceTypeOfferings(_ context.Context, r *api.Request, in *ec2api.DescribeInstanceTypeOfferingsRequest) (*ec2api.DescribeInstanceTypeOfferingsResult, error) {
	fs, err := filter.FromWire(in.Filters, []string{"instance-type", "location"}, false)
	if err != nil {
		return nil, err
	}
	lt := catalog.LocationType(aws.ToString(in.LocationType))
	switch lt {
	case "":
		lt = catalog.LocationRegion
	case catalog.LocationRegion, catalog.LocationAvailabilityZone, catalog.LocationAvailabilityZoneID:
	default:
		return nil, awserr.InvalidParameterValue("Value (%s) for parameter locationType is invalid. Valid values are region, availability-zone, availability-zone-id.", lt)
	}
	pg := paging.Request{Op: "DescribeInstanceTypeOfferings", MaxResults: in.MaxResults, NextToken: in.NextToken}
	size, err := pg.Bounds(5, 1000, 1000)
	if err != nil {
		return nil, err
	}
	if err := r.Authorize(in.DryRun); err != nil {
		return nil, err
	}
	served := map[string]bool{r.Region: true}
	for _, z := range ServedZones(r.Region) {
		served[z.Name], served[z.ID] = true, true
	}
	var hits []catalog.Offering
	for _, o := range catalog.Offerings(r.Region) {
		if o.LocationType != lt || !served[o.Location] {
			continue
		}
		if fs.Match(filter.Values(map[string][]string{"instance-type": {o.InstanceType}, "location": {o.Location}}), nil) {
			hits = append(hits, o)
		}
	}
	page, next, err := paging.Page(pg, hits, size, func(o catalog.Offering) string { return o.Location + "/" + o.InstanceType })
	if err != nil {
		return nil, err
	}
	out := &ec2api.DescribeInstanceTypeOfferingsResult{InstanceTypeOfferings: []ec2api.InstanceTypeOffering{}, NextToken: next}
	for _, o := range page {
		out.InstanceTypeOfferings = append(out.InstanceTypeOfferings, ec2api.InstanceTypeOffering{
			InstanceType: aws.String(o.InstanceType), LocationType: aws.String(string(o.LocationType)), Location: aws.String(o.Location),
		})
	}
	return out, nil
}
