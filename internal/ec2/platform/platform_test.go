package platform_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/google/go-cmp/cmp"

	"github.com/kumo-cloud/kumo/internal/testenv"
)

// code is the AWS error code of err.
func code(err error) string { return testenv.Code(err) }

func filter(name string, values ...string) types.Filter {
	return types.Filter{Name: aws.String(name), Values: values}
}

// wantCode fails unless err carries the AWS error code want.
func wantCode(t *testing.T, err error, want string) {
	t.Helper()
	if code(err) != want {
		t.Fatalf("got %v, want %s", err, want)
	}
}

func TestRegionsAndZones(t *testing.T) {
	env := testenv.Start(t)
	c := env.EC2()
	ctx := context.Background()

	t.Run("regions", func(t *testing.T) {
		tests := []struct {
			name    string
			in      ec2.DescribeRegionsInput
			want    []string // region:opt-in-status, in order
			errCode string
		}{
			{"default", ec2.DescribeRegionsInput{}, []string{"us-east-1:opt-in-not-required"}, ""},
			{"by name", ec2.DescribeRegionsInput{RegionNames: []string{"us-east-1"}}, []string{"us-east-1:opt-in-not-required"}, ""},
			{"by name not served", ec2.DescribeRegionsInput{RegionNames: []string{"eu-west-1"}}, []string{"eu-west-1:not-opted-in"}, ""},
			{"region-name wildcard", ec2.DescribeRegionsInput{AllRegions: aws.Bool(true), Filters: []types.Filter{filter("region-name", "us-*")}},
				[]string{"us-east-1:opt-in-not-required", "us-east-2:not-opted-in", "us-west-1:not-opted-in", "us-west-2:not-opted-in"}, ""},
			{"opt-in-status", ec2.DescribeRegionsInput{AllRegions: aws.Bool(true), Filters: []types.Filter{filter("opt-in-status", "opt-in-not-required")}},
				[]string{"us-east-1:opt-in-not-required"}, ""},
			{"filters are ANDed", ec2.DescribeRegionsInput{AllRegions: aws.Bool(true), Filters: []types.Filter{filter("region-name", "eu-*"), filter("opt-in-status", "opt-in-not-required")}}, nil, ""},
			{"unknown region", ec2.DescribeRegionsInput{RegionNames: []string{"us-east-9"}}, nil, "InvalidParameterValue"},
			{"unknown filter", ec2.DescribeRegionsInput{Filters: []types.Filter{filter("zone-name", "x")}}, nil, "InvalidParameterValue"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				out, err := c.DescribeRegions(ctx, &tt.in)
				if tt.errCode != "" {
					wantCode(t, err, tt.errCode)
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, r := range out.Regions {
					got = append(got, aws.ToString(r.RegionName)+":"+aws.ToString(r.OptInStatus))
					if want := "ec2." + aws.ToString(r.RegionName) + ".amazonaws.com"; aws.ToString(r.Endpoint) != want {
						t.Errorf("endpoint %q, want %q", aws.ToString(r.Endpoint), want)
					}
				}
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("(-want +got):\n%s", diff)
				}
			})
		}
	})
	t.Run("all regions", func(t *testing.T) {
		out, err := c.DescribeRegions(ctx, &ec2.DescribeRegionsInput{AllRegions: aws.Bool(true)})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Regions) < 30 {
			t.Errorf("%d regions, want at least 30", len(out.Regions))
		}
		seen := map[string]bool{}
		for _, r := range out.Regions {
			name, status := aws.ToString(r.RegionName), aws.ToString(r.OptInStatus)
			if want := map[bool]string{true: "opt-in-not-required", false: "not-opted-in"}[name == "us-east-1"]; status != want {
				t.Errorf("%s: opt-in-status %q, want %q", name, status, want)
			}
			if seen[name] {
				t.Errorf("%s listed twice", name)
			}
			seen[name] = true
		}
		for _, r := range []string{"us-east-1", "us-west-2", "eu-central-1", "ap-southeast-2", "sa-east-1"} {
			if !seen[r] {
				t.Errorf("%s missing", r)
			}
		}
	})

	t.Run("zones", func(t *testing.T) {
		tests := []struct {
			name    string
			in      ec2.DescribeAvailabilityZonesInput
			want    []string // name/id
			errCode string
		}{
			{"default", ec2.DescribeAvailabilityZonesInput{}, []string{"us-east-1a/use1-az1", "us-east-1b/use1-az2", "us-east-1c/use1-az3"}, ""},
			{"zone names", ec2.DescribeAvailabilityZonesInput{ZoneNames: []string{"us-east-1c", "us-east-1a"}}, []string{"us-east-1a/use1-az1", "us-east-1c/use1-az3"}, ""},
			{"zone ids", ec2.DescribeAvailabilityZonesInput{ZoneIds: []string{"use1-az2"}}, []string{"us-east-1b/use1-az2"}, ""},
			{"zone-name filter", ec2.DescribeAvailabilityZonesInput{Filters: []types.Filter{filter("zone-name", "*b")}}, []string{"us-east-1b/use1-az2"}, ""},
			{"state filter", ec2.DescribeAvailabilityZonesInput{Filters: []types.Filter{filter("state", "impaired")}}, nil, ""},
			{"unknown zone", ec2.DescribeAvailabilityZonesInput{ZoneNames: []string{"us-east-1z"}}, nil, "InvalidParameterValue"},
			{"zone of another region", ec2.DescribeAvailabilityZonesInput{ZoneNames: []string{"eu-west-1a"}}, nil, "InvalidParameterValue"},
			{"unknown zone id", ec2.DescribeAvailabilityZonesInput{ZoneIds: []string{"use1-az9"}}, nil, "InvalidParameterValue"},
			{"unknown filter", ec2.DescribeAvailabilityZonesInput{Filters: []types.Filter{filter("bogus", "x")}}, nil, "InvalidParameterValue"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				out, err := c.DescribeAvailabilityZones(ctx, &tt.in)
				if tt.errCode != "" {
					wantCode(t, err, tt.errCode)
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, z := range out.AvailabilityZones {
					got = append(got, aws.ToString(z.ZoneName)+"/"+aws.ToString(z.ZoneId))
					if z.State != types.AvailabilityZoneStateAvailable || aws.ToString(z.ZoneType) != "availability-zone" ||
						aws.ToString(z.RegionName) != "us-east-1" || z.OptInStatus != types.AvailabilityZoneOptInStatusOptInNotRequired {
						t.Errorf("zone %s: state %q, type %q, region %q, opt-in %q", aws.ToString(z.ZoneName),
							z.State, aws.ToString(z.ZoneType), aws.ToString(z.RegionName), z.OptInStatus)
					}
				}
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("(-want +got):\n%s", diff)
				}
			})
		}
	})

	t.Run("account attributes", func(t *testing.T) {
		values := func(out *ec2.DescribeAccountAttributesOutput) map[string][]string {
			m := map[string][]string{}
			for _, a := range out.AccountAttributes {
				var vs []string
				for _, v := range a.AttributeValues {
					vs = append(vs, aws.ToString(v.AttributeValue))
				}
				m[aws.ToString(a.AttributeName)] = vs
			}
			return m
		}
		out, err := c.DescribeAccountAttributes(ctx, &ec2.DescribeAccountAttributesInput{})
		if err != nil {
			t.Fatal(err)
		}
		all := values(out)
		for _, n := range []string{"supported-platforms", "default-vpc", "max-instances", "max-elastic-ips", "vpc-max-elastic-ips", "vpc-max-security-groups-per-interface"} {
			if len(all[n]) == 0 {
				t.Errorf("attribute %s missing: %v", n, all)
			}
		}
		out, err = c.DescribeAccountAttributes(ctx, &ec2.DescribeAccountAttributesInput{
			AttributeNames: []types.AccountAttributeName{types.AccountAttributeNameSupportedPlatforms},
		})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(map[string][]string{"supported-platforms": {"VPC"}}, values(out)); diff != "" {
			t.Errorf("supported-platforms (-want +got):\n%s", diff)
		}
		_, err = c.DescribeAccountAttributes(ctx, &ec2.DescribeAccountAttributesInput{AttributeNames: []types.AccountAttributeName{"max-instances-please"}})
		wantCode(t, err, "InvalidParameterValue")
	})
}

func TestInstanceTypeOfferings(t *testing.T) {
	env := testenv.Start(t)
	c := env.EC2()
	ctx := context.Background()

	tests := []struct {
		name     string
		in       ec2.DescribeInstanceTypeOfferingsInput
		location func(string) bool // every offering's location passes
		want     []string          // type@location, exact when set
		includes string            // type@location that must be listed
		errCode  string
	}{
		{name: "default is region", location: func(l string) bool { return l == "us-east-1" }, includes: "t2.micro@us-east-1"},
		{name: "region t2.micro", in: ec2.DescribeInstanceTypeOfferingsInput{Filters: []types.Filter{filter("instance-type", "t2.micro")}},
			want: []string{"t2.micro@us-east-1"}},
		{name: "zones t2.micro", in: ec2.DescribeInstanceTypeOfferingsInput{LocationType: types.LocationTypeAvailabilityZone, Filters: []types.Filter{filter("instance-type", "t2.micro")}},
			want: []string{"t2.micro@us-east-1a", "t2.micro@us-east-1b", "t2.micro@us-east-1c"}},
		{name: "zone ids t2.micro", in: ec2.DescribeInstanceTypeOfferingsInput{LocationType: types.LocationTypeAvailabilityZoneId, Filters: []types.Filter{filter("instance-type", "t2.micro")}},
			want: []string{"t2.micro@use1-az1", "t2.micro@use1-az2", "t2.micro@use1-az3"}},
		{name: "location filter", in: ec2.DescribeInstanceTypeOfferingsInput{LocationType: types.LocationTypeAvailabilityZone, Filters: []types.Filter{filter("location", "us-east-1b")}},
			location: func(l string) bool { return l == "us-east-1b" }, includes: "m5.8xlarge@us-east-1b"},
		{name: "invalid location type", in: ec2.DescribeInstanceTypeOfferingsInput{LocationType: "planet"}, errCode: "InvalidParameterValue"},
		{name: "unknown filter", in: ec2.DescribeInstanceTypeOfferingsInput{Filters: []types.Filter{filter("vcpus", "2")}}, errCode: "InvalidParameterValue"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			p := ec2.NewDescribeInstanceTypeOfferingsPaginator(c, &tt.in)
			for p.HasMorePages() {
				out, err := p.NextPage(ctx)
				if tt.errCode != "" {
					wantCode(t, err, tt.errCode)
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				for _, o := range out.InstanceTypeOfferings {
					got = append(got, string(o.InstanceType)+"@"+aws.ToString(o.Location))
					if tt.location != nil && !tt.location(aws.ToString(o.Location)) {
						t.Errorf("offering %s@%s (%s)", o.InstanceType, aws.ToString(o.Location), o.LocationType)
					}
				}
			}
			if tt.want != nil {
				slices.Sort(got)
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("(-want +got):\n%s", diff)
				}
			}
			if tt.includes != "" && !slices.Contains(got, tt.includes) {
				t.Errorf("%s not offered (%d offerings)", tt.includes, len(got))
			}
			if dup := len(got) - len(slices.Compact(slices.Sorted(slices.Values(got)))); dup != 0 {
				t.Errorf("%d offerings listed twice", dup)
			}
			if len(got) == 0 {
				t.Error("no offerings")
			}
		})
	}
}

// typeFacts are the published AWS figures the tests hold Kumo to.
type typeFacts struct {
	VCPUs           int32
	MemoryMiB       int64
	InstanceStorage bool
	Storage         string // "<total> GB nvme <support>: <count>x<size> <type>", "" without instance store
	Network         string
	EBSMaxMbps      int32 // 0 without EBS optimization figures
	Burstable       bool
	FreeTier        bool
}

func factsOf(it types.InstanceTypeInfo) typeFacts {
	f := typeFacts{
		VCPUs: aws.ToInt32(it.VCpuInfo.DefaultVCpus), MemoryMiB: aws.ToInt64(it.MemoryInfo.SizeInMiB),
		InstanceStorage: aws.ToBool(it.InstanceStorageSupported), Network: aws.ToString(it.NetworkInfo.NetworkPerformance),
		Burstable: aws.ToBool(it.BurstablePerformanceSupported), FreeTier: aws.ToBool(it.FreeTierEligible),
	}
	if s := it.InstanceStorageInfo; s != nil {
		f.Storage = fmt.Sprintf("%d GB nvme %s:", aws.ToInt64(s.TotalSizeInGB), s.NvmeSupport)
		for _, d := range s.Disks {
			f.Storage += fmt.Sprintf(" %dx%d %s", aws.ToInt32(d.Count), aws.ToInt64(d.SizeInGB), d.Type)
		}
	}
	if e := it.EbsInfo; e != nil && e.EbsOptimizedInfo != nil {
		f.EBSMaxMbps = aws.ToInt32(e.EbsOptimizedInfo.MaximumBandwidthInMbps)
	}
	return f
}

// allTypes walks every page of DescribeInstanceTypes.
func allTypes(t *testing.T, c *ec2.Client, in *ec2.DescribeInstanceTypesInput, limit int32) (got []types.InstanceTypeInfo, pages int) {
	t.Helper()
	p := ec2.NewDescribeInstanceTypesPaginator(c, in, func(o *ec2.DescribeInstanceTypesPaginatorOptions) { o.Limit = limit })
	for p.HasMorePages() {
		out, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if limit > 0 && len(out.InstanceTypes) > int(limit) {
			t.Errorf("page of %d, MaxResults %d", len(out.InstanceTypes), limit)
		}
		got, pages = append(got, out.InstanceTypes...), pages+1
	}
	return got, pages
}

func TestInstanceTypes(t *testing.T) {
	env := testenv.Start(t)
	c := env.EC2()
	ctx := context.Background()

	t.Run("aws facts", func(t *testing.T) {
		want := map[string]typeFacts{
			"t2.micro":    {VCPUs: 1, MemoryMiB: 1024, Network: "Low to Moderate", Burstable: true, FreeTier: true},
			"c5d.4xlarge": {VCPUs: 16, MemoryMiB: 32768, InstanceStorage: true, Storage: "400 GB nvme required: 1x400 ssd", Network: "Up to 10 Gigabit", EBSMaxMbps: 4750},
			"r5.16xlarge": {VCPUs: 64, MemoryMiB: 524288, Network: "20 Gigabit", EBSMaxMbps: 13600},
			"m5.8xlarge":  {VCPUs: 32, MemoryMiB: 131072, Network: "10 Gigabit", EBSMaxMbps: 6800},
		}
		out, err := c.DescribeInstanceTypes(ctx, &ec2.DescribeInstanceTypesInput{
			InstanceTypes: []types.InstanceType{"t2.micro", "c5d.4xlarge", "r5.16xlarge", "m5.8xlarge"},
		})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]typeFacts{}
		for _, it := range out.InstanceTypes {
			got[string(it.InstanceType)] = factsOf(it)
			if it.GpuInfo != nil {
				t.Errorf("%s has GpuInfo %+v", it.InstanceType, it.GpuInfo)
			}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
	t.Run("gpu", func(t *testing.T) {
		out, err := c.DescribeInstanceTypes(ctx, &ec2.DescribeInstanceTypesInput{InstanceTypes: []types.InstanceType{"p3.8xlarge"}})
		if err != nil || len(out.InstanceTypes) != 1 || out.InstanceTypes[0].GpuInfo == nil {
			t.Fatalf("p3.8xlarge: %+v, %v", out, err)
		}
		g := out.InstanceTypes[0].GpuInfo
		var got []string
		for _, d := range g.Gpus {
			got = append(got, fmt.Sprintf("%dx %s %s %d MiB", aws.ToInt32(d.Count), aws.ToString(d.Manufacturer), aws.ToString(d.Name), aws.ToInt32(d.MemoryInfo.SizeInMiB)))
		}
		if diff := cmp.Diff([]string{"4x NVIDIA V100 16384 MiB"}, got); diff != "" || aws.ToInt32(g.TotalGpuMemoryInMiB) != 65536 {
			t.Errorf("total %d MiB; gpus (-want +got):\n%s", aws.ToInt32(g.TotalGpuMemoryInMiB), diff)
		}
	})

	t.Run("filters", func(t *testing.T) {
		arch := func(it types.InstanceTypeInfo) bool {
			return slices.Contains(it.ProcessorInfo.SupportedArchitectures, types.ArchitectureTypeArm64)
		}
		tests := []struct {
			name     string
			filters  []types.Filter
			each     func(types.InstanceTypeInfo) bool
			includes []string
			want     []string // exact, when set
		}{
			{"instance-type wildcard", []types.Filter{filter("instance-type", "m5.*")},
				func(it types.InstanceTypeInfo) bool { return strings.HasPrefix(string(it.InstanceType), "m5.") },
				nil, []string{"m5.12xlarge", "m5.16xlarge", "m5.24xlarge", "m5.2xlarge", "m5.4xlarge", "m5.8xlarge", "m5.large", "m5.metal", "m5.xlarge"}},
			{"instance-type question mark", []types.Filter{filter("instance-type", "t2.?icro")}, nil, nil, []string{"t2.micro"}},
			{"default-vcpus", []types.Filter{filter("vcpu-info.default-vcpus", "64")},
				func(it types.InstanceTypeInfo) bool { return aws.ToInt32(it.VCpuInfo.DefaultVCpus) == 64 },
				[]string{"r5.16xlarge", "m5.16xlarge", "c7g.16xlarge"}, nil},
			{"previous generation", []types.Filter{filter("current-generation", "false")},
				func(it types.InstanceTypeInfo) bool { return !aws.ToBool(it.CurrentGeneration) }, []string{"m3.medium"}, nil},
			{"current generation", []types.Filter{filter("current-generation", "true")},
				func(it types.InstanceTypeInfo) bool { return aws.ToBool(it.CurrentGeneration) }, []string{"t2.micro", "m5.8xlarge"}, nil},
			{"arm64", []types.Filter{filter("processor-info.supported-architecture", "arm64")}, arch,
				[]string{"c7g.medium", "m6g.medium", "t4g.nano"}, nil},
			{"filters are ANDed", []types.Filter{filter("instance-type", "m5.*"), filter("vcpu-info.default-vcpus", "32")}, nil, nil, []string{"m5.8xlarge"}},
			{"free tier", []types.Filter{filter("free-tier-eligible", "true")}, nil, nil, []string{"t2.micro", "t3.micro"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				its, _ := allTypes(t, c, &ec2.DescribeInstanceTypesInput{Filters: tt.filters}, 0)
				var got []string
				for _, it := range its {
					got = append(got, string(it.InstanceType))
					if tt.each != nil && !tt.each(it) {
						t.Errorf("%s does not fit the filter", it.InstanceType)
					}
				}
				slices.Sort(got)
				if tt.want != nil {
					if diff := cmp.Diff(tt.want, got); diff != "" {
						t.Errorf("(-want +got):\n%s", diff)
					}
				}
				for _, n := range tt.includes {
					if !slices.Contains(got, n) {
						t.Errorf("%s missing from %v", n, got)
					}
				}
			})
		}
	})

	t.Run("pagination", func(t *testing.T) {
		var sets [][]string
		for _, limit := range []int32{0, 20} {
			its, pages := allTypes(t, c, &ec2.DescribeInstanceTypesInput{}, limit)
			var names []string
			for _, it := range its {
				names = append(names, string(it.InstanceType))
			}
			slices.Sort(names)
			if n := len(slices.Compact(slices.Clone(names))); n != len(names) || n < 85 {
				t.Errorf("MaxResults %d: %d types, %d distinct, want at least 85 each once", limit, len(names), n)
			}
			if limit == 20 && pages < 5 {
				t.Errorf("MaxResults 20 gave %d pages for %d types", pages, len(names))
			}
			sets = append(sets, names)
		}
		if diff := cmp.Diff(sets[0], sets[1]); diff != "" {
			t.Errorf("default pages vs pages of 20 (-default +20):\n%s", diff)
		}
	})

	t.Run("errors", func(t *testing.T) {
		tests := []struct {
			name    string
			in      ec2.DescribeInstanceTypesInput
			errCode string
		}{
			{"unknown type", ec2.DescribeInstanceTypesInput{InstanceTypes: []types.InstanceType{"t2.huge"}}, "InvalidInstanceType"},
			{"known and unknown", ec2.DescribeInstanceTypesInput{InstanceTypes: []types.InstanceType{"t2.micro", "x9.large"}}, "InvalidInstanceType"},
			{"unknown filter", ec2.DescribeInstanceTypesInput{Filters: []types.Filter{filter("vcpus", "2")}}, "InvalidParameterValue"},
			{"MaxResults 4", ec2.DescribeInstanceTypesInput{MaxResults: aws.Int32(4)}, "InvalidParameterValue"},
			{"MaxResults 101", ec2.DescribeInstanceTypesInput{MaxResults: aws.Int32(101)}, "InvalidParameterValue"},
			{"bad token", ec2.DescribeInstanceTypesInput{NextToken: aws.String("garbage")}, "InvalidPaginationToken"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := c.DescribeInstanceTypes(ctx, &tt.in)
				wantCode(t, err, tt.errCode)
			})
		}
	})
}
