package platform

import (
	"context"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/awsquery/ec2api"
	"github.com/kumo-cloud/kumo/internal/catalog"
	"github.com/kumo-cloud/kumo/internal/ec2/filter"
)

// DescribeRegions lists the regions this Kumo serves, which are the regions
// enabled for every account. With AllRegions it lists every AWS region, the ones
// Kumo does not serve as not-opted-in.
func (h *Handlers) DescribeRegions(_ context.Context, r *api.Request, in *ec2api.DescribeRegionsRequest) (*ec2api.DescribeRegionsResult, error) {
	fs, err := filter.FromWire(in.Filters, []string{"endpoint", "opt-in-status", "region-name"}, false)
	if err != nil {
		return nil, err
	}
	var unknown []string
	for _, n := range in.RegionNames {
		if _, ok := catalog.LookupRegion(n); !ok {
			unknown = append(unknown, n)
		}
	}
	if len(unknown) > 0 {
		return nil, awserr.InvalidParameterValue("Invalid region: %s", strings.Join(unknown, ", "))
	}
	if err := r.Authorize(in.DryRun); err != nil {
		return nil, err
	}
	want := set(in.RegionNames)
	out := &ec2api.DescribeRegionsResult{Regions: []ec2api.Region{}}
	for _, reg := range catalog.Regions() {
		status := catalog.NotOptedIn
		if h.serves(reg.Name) {
			status = catalog.OptInNotRequired
		}
		if status == catalog.NotOptedIn && !aws.ToBool(in.AllRegions) && !want[reg.Name] {
			continue
		}
		if want != nil && !want[reg.Name] {
			continue
		}
		fields := filter.Values(map[string][]string{
			"endpoint": {reg.Endpoint}, "opt-in-status": {status}, "region-name": {reg.Name},
		})
		if !fs.Match(fields, nil) {
			continue
		}
		out.Regions = append(out.Regions, ec2api.Region{
			RegionName: aws.String(reg.Name), Endpoint: aws.String(reg.Endpoint), OptInStatus: aws.String(status),
		})
	}
	return out, nil
}

// DescribeAvailabilityZones lists the zones of the request's region.
func (h *Handlers) DescribeAvailabilityZones(_ context.Context, r *api.Request, in *ec2api.DescribeAvailabilityZonesRequest) (*ec2api.DescribeAvailabilityZonesResult, error) {
	fs, err := filter.FromWire(in.Filters, []string{"group-name", "message", "opt-in-status", "region-name",
		"state", "zone-id", "zone-name", "zone-type", "network-border-group", "parent-zone-id", "parent-zone-name"}, false)
	if err != nil {
		return nil, err
	}
	zones := ServedZones(r.Region)
	byName, byID := map[string]bool{}, map[string]bool{}
	for _, z := range zones {
		byName[z.Name], byID[z.ID] = true, true
	}
	for _, n := range in.ZoneNames {
		if !byName[n] {
			return nil, awserr.InvalidParameterValue("Invalid availability zone: [%s]", n)
		}
	}
	for _, id := range in.ZoneIds {
		if !byID[id] {
			return nil, awserr.InvalidParameterValue("Invalid availability zone: [%s]", id)
		}
	}
	if err := r.Authorize(in.DryRun); err != nil {
		return nil, err
	}
	wantName, wantID := set(in.ZoneNames), set(in.ZoneIds)
	out := &ec2api.DescribeAvailabilityZonesResult{AvailabilityZones: []ec2api.AvailabilityZone{}}
	for _, z := range zones {
		if wantName != nil && !wantName[z.Name] || wantID != nil && !wantID[z.ID] {
			continue
		}
		fields := filter.Values(map[string][]string{
			"group-name": {z.GroupName}, "opt-in-status": {z.OptInStatus}, "region-name": {z.Region},
			"state": {z.State}, "zone-id": {z.ID}, "zone-name": {z.Name}, "zone-type": {z.Type},
			"network-border-group": {z.NetworkBorderGroup},
		})
		if !fs.Match(fields, nil) {
			continue
		}
		out.AvailabilityZones = append(out.AvailabilityZones, ec2api.AvailabilityZone{
			State: aws.String(z.State), OptInStatus: aws.String(z.OptInStatus), Messages: []ec2api.AvailabilityZoneMessage{},
			RegionName: aws.String(z.Region), ZoneName: aws.String(z.Name), ZoneId: aws.String(z.ID),
			GroupName: aws.String(z.GroupName), NetworkBorderGroup: aws.String(z.NetworkBorderGroup), ZoneType: aws.String(z.Type),
		})
	}
	return out, nil
}

func set(xs []string) map[string]bool {
	if len(xs) == 0 {
		return nil
	}
	m := make(map[string]bool, len(xs))
	for _, x := range xs {
		m[x] = true
	}
	return m
}
