package awsquery_test

import (
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/awsquery"
	"github.com/kumo-cloud/kumo/internal/awsquery/ec2api"
	"github.com/kumo-cloud/kumo/internal/awsquery/iamapi"
	"github.com/kumo-cloud/kumo/internal/awsquery/stsapi"
)

// decodeCase decodes query into a fresh value from newIn and compares it with
// want, or the error with wantErr ("Code: Message").
type decodeCase struct {
	name    string
	query   string
	newIn   func() any
	want    any
	wantErr string
}

func runDecode(t *testing.T, p awsquery.Protocol, cases []decodeCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			params, err := url.ParseQuery(tc.query)
			if err != nil {
				t.Fatalf("ParseQuery: %v", err)
			}
			in := tc.newIn()
			err = awsquery.Decode(p, params, in)
			if tc.wantErr != "" {
				if err == nil {
					t.Fatalf("Decode = nil, want %q", tc.wantErr)
				}
				if _, ok := awserr.As(err); !ok {
					t.Fatalf("Decode error %T is not an *awserr.Error", err)
				}
				if got := err.Error(); got != tc.wantErr {
					t.Fatalf("Decode error\n got %q\nwant %q", got, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if diff := cmp.Diff(tc.want, in); diff != "" {
				t.Errorf("decoded (-want +got):\n%s", diff)
			}
		})
	}
}

func str(s string) *string { return &s }
func i32(i int32) *int32   { return &i }
func i64(i int64) *int64   { return &i }
func boolp(b bool) *bool   { return &b }
func f64(f float64) *float64 {
	return &f
}
func tm(s string) *time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return &t
}

func TestDecodeEC2(t *testing.T) {
	instances := func() any { return new(ec2api.DescribeInstancesRequest) }
	run := func() any { return new(ec2api.RunInstancesRequest) }
	runInstances := "ImageId=ami-1&MinCount=1&MaxCount=2&"
	runDecode(t, awsquery.EC2, []decodeCase{
		{name: "flat list", query: "InstanceId.1=i-1&InstanceId.2=i-2", newIn: instances,
			want: &ec2api.DescribeInstancesRequest{InstanceIds: []string{"i-1", "i-2"}}},
		{name: "list indexes sorted with gaps", query: "InstanceId.10=c&InstanceId.3=b&InstanceId.1=a", newIn: instances,
			want: &ec2api.DescribeInstancesRequest{InstanceIds: []string{"a", "b", "c"}}},
		{name: "nested list in structure list",
			query: "Filter.1.Name=tag:Name&Filter.1.Value.1=x&Filter.1.Value.2=y&Filter.2.Name=instance-state-name&Filter.2.Value.1=running",
			newIn: instances,
			want: &ec2api.DescribeInstancesRequest{Filters: []ec2api.Filter{
				{Name: str("tag:Name"), Values: []string{"x", "y"}},
				{Name: str("instance-state-name"), Values: []string{"running"}},
			}}},
		{name: "raw locationName refused", query: "dryRun=true", newIn: instances,
			wantErr: "UnknownParameter: The parameter dryRun is not recognized"},
		{name: "booleans case-insensitive", query: "DryRun=TRUE&MaxResults=5&NextToken=t", newIn: instances,
			want: &ec2api.DescribeInstancesRequest{DryRun: boolp(true), MaxResults: i32(5), NextToken: str("t")}},
		{name: "false", query: "DryRun=False", newIn: instances,
			want: &ec2api.DescribeInstancesRequest{DryRun: boolp(false)}},
		{name: "run instances nested structures",
			query: runInstances + "BlockDeviceMapping.1.DeviceName=/dev/xvda&BlockDeviceMapping.1.Ebs.VolumeSize=20&" +
				"BlockDeviceMapping.1.Ebs.DeleteOnTermination=true&TagSpecification.1.ResourceType=instance&" +
				"TagSpecification.1.Tag.1.Key=Name&TagSpecification.1.Tag.1.Value=web&UserData=aGk%3D&" +
				"Placement.AvailabilityZone=us-east-1a&SecurityGroupId.1=sg-1",
			newIn: run,
			want: &ec2api.RunInstancesRequest{
				ImageId: str("ami-1"), MinCount: i32(1), MaxCount: i32(2), UserData: str("aGk="),
				BlockDeviceMappings: []ec2api.BlockDeviceMapping{{
					DeviceName: str("/dev/xvda"),
					Ebs:        &ec2api.EbsBlockDevice{VolumeSize: i32(20), DeleteOnTermination: boolp(true)},
				}},
				TagSpecifications: []ec2api.TagSpecification{{
					ResourceType: str("instance"),
					Tags:         []ec2api.Tag{{Key: str("Name"), Value: str("web")}},
				}},
				Placement:        &ec2api.Placement{AvailabilityZone: str("us-east-1a")},
				SecurityGroupIds: []string{"sg-1"},
			}},
		{name: "queryName wins over locationName",
			query: runInstances + "NetworkInterface.1.DeviceIndex=0&NetworkInterface.1.Ipv6Addresses.1.Ipv6Address=2001:db8::1",
			newIn: run,
			want: &ec2api.RunInstancesRequest{
				ImageId: str("ami-1"), MinCount: i32(1), MaxCount: i32(2),
				NetworkInterfaces: []ec2api.InstanceNetworkInterfaceSpecification{{
					DeviceIndex:   i32(0),
					Ipv6Addresses: []ec2api.InstanceIpv6Address{{Ipv6Address: str("2001:db8::1")}},
				}},
			}},
		{name: "locationName not accepted when queryName is set",
			query: runInstances + "NetworkInterface.1.Ipv6AddressesSet.1.Ipv6Address=x", newIn: run,
			wantErr: "UnknownParameter: The parameter NetworkInterface.1.Ipv6AddressesSet is not recognized"},
		{name: "blob", query: "KeyName=k&PublicKeyMaterial=c3NoLXJzYSBBQUFB",
			newIn: func() any { return new(ec2api.ImportKeyPairRequest) },
			want:  &ec2api.ImportKeyPairRequest{KeyName: str("k"), PublicKeyMaterial: []byte("ssh-rsa AAAA")}},
		{name: "bad blob", query: "KeyName=k&PublicKeyMaterial=!!",
			newIn:   func() any { return new(ec2api.ImportKeyPairRequest) },
			wantErr: "InvalidParameterValue: Value (!!) for parameter PublicKeyMaterial is invalid. Expected: 'Base64'."},
		{name: "bad integer", query: "MaxResults=abc", newIn: instances,
			wantErr: "InvalidParameterValue: Value (abc) for parameter MaxResults is invalid. Expected: 'Integer'."},
		{name: "integer out of int32 range", query: "MaxResults=2147483648", newIn: instances,
			wantErr: "InvalidParameterValue: Value (2147483648) for parameter MaxResults is invalid. Expected: 'Integer'."},
		{name: "bad boolean", query: "DryRun=yes", newIn: instances,
			wantErr: "InvalidParameterValue: Value (yes) for parameter DryRun is invalid. Expected: 'Boolean'."},
		{name: "bad nested integer", query: runInstances + "BlockDeviceMapping.2.Ebs.VolumeSize=-", newIn: run,
			wantErr: "InvalidParameterValue: Value (-) for parameter BlockDeviceMapping.2.Ebs.VolumeSize is invalid. Expected: 'Integer'."},
		{name: "unknown parameter", query: "Foo=1", newIn: instances,
			wantErr: "UnknownParameter: The parameter Foo is not recognized"},
		{name: "unknown nested parameter", query: "Filter.1.Nme=x", newIn: instances,
			wantErr: "UnknownParameter: The parameter Filter.1.Nme is not recognized"},
		{name: "list without index", query: "InstanceId=i-1", newIn: instances,
			wantErr: "UnknownParameter: The parameter InstanceId is not recognized"},
		{name: "zero index", query: "InstanceId.0=i-1", newIn: instances,
			wantErr: "UnknownParameter: The parameter InstanceId.0 is not recognized"},
		{name: "leading zero index", query: "InstanceId.01=i-1", newIn: instances,
			wantErr: "UnknownParameter: The parameter InstanceId.01 is not recognized"},
		{name: "non-numeric index", query: "InstanceId.x=i-1", newIn: instances,
			wantErr: "UnknownParameter: The parameter InstanceId.x is not recognized"},
		{name: "index over the cap", query: "InstanceId.10001=i-1", newIn: instances,
			wantErr: "InvalidParameterValue: Index 10001 of parameter InstanceId exceeds the limit of 10000."},
		{name: "huge index", query: "InstanceId.99999999999999999999999=i-1", newIn: instances,
			wantErr: "InvalidParameterValue: Index 99999999999999999999999 of parameter InstanceId exceeds the limit of 10000."},
		{name: "scalar with children", query: "MaxResults.1=5", newIn: instances,
			wantErr: "UnknownParameter: The parameter MaxResults.1 is not recognized"},
		{name: "structure with a value", query: runInstances + "Placement=x", newIn: run,
			wantErr: "UnknownParameter: The parameter Placement is not recognized"},
		{name: "empty segment", query: "Filter..Name=x", newIn: instances,
			wantErr: "UnknownParameter: The parameter Filter..Name is not recognized"},
		{name: "missing required", query: "ImageId=ami-1&MaxCount=1", newIn: run,
			wantErr: "MissingParameter: The request must contain the parameter MinCount"},
		{name: "missing required in nested structure", query: runInstances + "ElasticGpuSpecification.1.Foo=x", newIn: run,
			wantErr: "UnknownParameter: The parameter ElasticGpuSpecification.1.Foo is not recognized"},
		{name: "missing required in present list element", query: runInstances + "ElasticInferenceAccelerator.1.Count=1", newIn: run,
			wantErr: "MissingParameter: The request must contain the parameter ElasticInferenceAccelerator.1.Type"},
		{name: "missing required list", query: "ResourceId.1=i-1",
			newIn:   func() any { return new(ec2api.CreateTagsRequest) },
			wantErr: "MissingParameter: The request must contain the parameter Tag"},
	})
}

func TestDecodeQuery(t *testing.T) {
	createUser := func() any { return new(iamapi.CreateUserRequest) }
	assumeRole := func() any { return new(stsapi.AssumeRoleRequest) }
	runDecode(t, awsquery.Query, []decodeCase{
		{name: "member list of structures",
			query: "UserName=bob&Path=%2F&Tags.member.1.Key=team&Tags.member.1.Value=core&Tags.member.2.Key=env&Tags.member.2.Value=dev",
			newIn: createUser,
			want: &iamapi.CreateUserRequest{UserName: str("bob"), Path: str("/"), Tags: []iamapi.Tag{
				{Key: str("team"), Value: str("core")}, {Key: str("env"), Value: str("dev")},
			}}},
		{name: "empty list as Name=", query: "UserName=bob&Tags=", newIn: createUser,
			want: &iamapi.CreateUserRequest{UserName: str("bob"), Tags: []iamapi.Tag{}}},
		{name: "EC2-style list refused", query: "UserName=bob&Tags.1.Key=k&Tags.1.Value=v", newIn: createUser,
			wantErr: "UnknownParameter: The parameter Tags.1 is not recognized"},
		{name: "list with a value", query: "UserName=bob&Tags=x", newIn: createUser,
			wantErr: "UnknownParameter: The parameter Tags is not recognized"},
		{name: "missing required member of list element", query: "UserName=bob&Tags.member.1.Key=k", newIn: createUser,
			wantErr: "MissingParameter: The request must contain the parameter Tags.member.1.Value"},
		{name: "lowercase member name",
			query: "RoleArn=arn:aws:iam::1:role/r&RoleSessionName=s&PolicyArns.member.1.arn=arn:p&DurationSeconds=900&TransitiveTagKeys.member.1=team",
			newIn: assumeRole,
			want: &stsapi.AssumeRoleRequest{
				RoleArn: str("arn:aws:iam::1:role/r"), RoleSessionName: str("s"), DurationSeconds: i32(900),
				PolicyArns: []stsapi.PolicyDescriptorType{{Arn: str("arn:p")}}, TransitiveTagKeys: []string{"team"},
			}},
		{name: "missing required", query: "RoleArn=arn", newIn: assumeRole,
			wantErr: "MissingParameter: The request must contain the parameter RoleSessionName"},
		{name: "no input", query: "", newIn: func() any { return new(stsapi.GetCallerIdentityRequest) },
			want: &stsapi.GetCallerIdentityRequest{}},
		{name: "no input takes no parameters", query: "Foo=bar", newIn: func() any { return new(stsapi.GetCallerIdentityRequest) },
			wantErr: "UnknownParameter: The parameter Foo is not recognized"},
	})
}

// wire exercises every tag option on a hand-written struct.
type wire struct {
	S       *string           `aws:"S"`
	B       *bool             `aws:"B,loc=bee"`
	I       *int32            `aws:"I"`
	L       *int64            `aws:"L"`
	D       *float64          `aws:"D"`
	T       *time.Time        `aws:"T"`
	Blob    []byte            `aws:"Blob"`
	Names   []string          `aws:"Names"`
	Items   []string          `aws:"Items,member=Item"`
	Flat    []string          `aws:"Flat,flat"`
	FlatM   []string          `aws:"FlatM,flat,member=Entry"`
	Attrs   map[string]string `aws:"Attrs"`
	Named   map[string]int32  `aws:"Named,key=Name,value=Val"`
	FlatMap map[string]string `aws:"FlatMap,flat"`
	Nested  [][]string        `aws:"Nested"`
	Times   []time.Time       `aws:"Times"`
	Child   *child            `aws:"Child,loc=Kid"`
	Kids    []child           `aws:"Kids"`
}

type child struct {
	ID   *string `aws:"Id,req"`
	Self *child  `aws:"Self"`
}

func TestDecodeQueryShapes(t *testing.T) {
	w := func() any { return new(wire) }
	runDecode(t, awsquery.Query, []decodeCase{
		{name: "member lists", query: "Names.member.2=b&Names.member.1=a&Items.Item.1=x", newIn: w,
			want: &wire{Names: []string{"a", "b"}, Items: []string{"x"}}},
		{name: "default member name refused when locationName set", query: "Items.member.1=x", newIn: w,
			wantErr: "UnknownParameter: The parameter Items.member is not recognized"},
		{name: "flattened lists", query: "Flat.1=a&Flat.2=b&Entry.1=c", newIn: w,
			want: &wire{Flat: []string{"a", "b"}, FlatM: []string{"c"}}},
		{name: "maps", query: "Attrs.entry.1.key=k1&Attrs.entry.1.value=v1&Attrs.entry.2.key=k2&Attrs.entry.2.value=v2&" +
			"Named.entry.1.Name=n&Named.entry.1.Val=7&FlatMap.1.key=fk&FlatMap.1.value=fv", newIn: w,
			want: &wire{Attrs: map[string]string{"k1": "v1", "k2": "v2"}, Named: map[string]int32{"n": 7}, FlatMap: map[string]string{"fk": "fv"}}},
		{name: "map entry without key", query: "Attrs.entry.1.value=v", newIn: w,
			wantErr: "MissingParameter: The request must contain the parameter Attrs.entry.1.key"},
		{name: "map entry unknown child", query: "Attrs.entry.1.key=k&Attrs.entry.1.value=v&Attrs.entry.1.x=v", newIn: w,
			wantErr: "UnknownParameter: The parameter Attrs.entry.1.x is not recognized"},
		{name: "map value type checked", query: "Named.entry.1.Name=n&Named.entry.1.Val=x", newIn: w,
			wantErr: "InvalidParameterValue: Value (x) for parameter Named.entry.1.Val is invalid. Expected: 'Integer'."},
		{name: "nested lists", query: "Nested.member.1.member.1=a&Nested.member.1.member.2=b&Nested.member.2.member.1=c", newIn: w,
			want: &wire{Nested: [][]string{{"a", "b"}, {"c"}}}},
		{name: "locationName and recursion", query: "Kid.Id=1&Kid.Self.Id=2&Kid.Self.Self.Id=3&Kids.member.1.Id=4", newIn: w,
			want: &wire{Child: &child{ID: str("1"), Self: &child{ID: str("2"), Self: &child{ID: str("3")}}}, Kids: []child{{ID: str("4")}}}},
		{name: "required inside recursion", query: "Kid.Id=1&Kid.Self.Self.Id=3", newIn: w,
			wantErr: "MissingParameter: The request must contain the parameter Kid.Self.Id"},
		{name: "scalars", query: "S=a+b&bee=false&I=-2147483648&L=9223372036854775807&D=1.5e3&Blob=AAE%3D", newIn: w,
			want: &wire{S: str("a b"), B: boolp(false), I: i32(-2147483648), L: i64(9223372036854775807), D: f64(1500), Blob: []byte{0, 1}}},
		{name: "member name is not the query name when loc is set", query: "B=true", newIn: w,
			wantErr: "UnknownParameter: The parameter B is not recognized"},
		{name: "int32 underflow", query: "I=-2147483649", newIn: w,
			wantErr: "InvalidParameterValue: Value (-2147483649) for parameter I is invalid. Expected: 'Integer'."},
		{name: "long overflow", query: "L=9223372036854775808", newIn: w,
			wantErr: "InvalidParameterValue: Value (9223372036854775808) for parameter L is invalid. Expected: 'Long'."},
		{name: "hex double refused", query: "D=0x1p3", newIn: w,
			wantErr: "InvalidParameterValue: Value (0x1p3) for parameter D is invalid. Expected: 'Double'."},
		{name: "empty string", query: "S=", newIn: w, want: &wire{S: str("")}},
	})
}

func TestDecodeTimestamps(t *testing.T) {
	w := func() any { return new(wire) }
	want := func(s string) *wire { return &wire{T: tm(s)} }
	runDecode(t, awsquery.EC2, []decodeCase{
		{name: "iso8601 Z", query: "T=2024-01-02T03:04:05Z", newIn: w, want: want("2024-01-02T03:04:05Z")},
		{name: "iso8601 millis", query: "T=2024-01-02T03:04:05.123Z", newIn: w, want: want("2024-01-02T03:04:05.123Z")},
		{name: "iso8601 offset", query: "T=2024-01-02T05:04:05%2B02:00", newIn: w, want: want("2024-01-02T03:04:05Z")},
		{name: "no zone is UTC", query: "T=2024-01-02T03:04:05", newIn: w, want: want("2024-01-02T03:04:05Z")},
		{name: "epoch seconds", query: "T=1704164645", newIn: w, want: want("2024-01-02T03:04:05Z")},
		{name: "epoch fraction", query: "T=1704164645.5", newIn: w, want: want("2024-01-02T03:04:05.5Z")},
		{name: "garbage", query: "T=yesterday", newIn: w,
			wantErr: "InvalidParameterValue: Value (yesterday) for parameter T is invalid. Expected: 'DateTime'."},
		{name: "absurd epoch", query: "T=1e300", newIn: w,
			wantErr: "InvalidParameterValue: Value (1e300) for parameter T is invalid. Expected: 'DateTime'."},
	})
}

func TestDecodeLimits(t *testing.T) {
	params := url.Values{}
	for i := range 10001 {
		params.Set("InstanceId."+strconv.Itoa(i+1), "i")
	}
	err := awsquery.Decode(awsquery.EC2, params, new(ec2api.DescribeInstancesRequest))
	if e, ok := awserr.As(err); !ok || e.Code != "InvalidParameterValue" {
		t.Fatalf("10001 parameters: got %v, want InvalidParameterValue", err)
	}
	long := "Filter"
	for range 100 {
		long += ".1"
	}
	err = awsquery.Decode(awsquery.EC2, url.Values{long: {"x"}}, new(ec2api.DescribeInstancesRequest))
	if e, ok := awserr.As(err); !ok || e.Code != "UnknownParameter" {
		t.Fatalf("deep name: got %v, want UnknownParameter", err)
	}
	if err := awsquery.Decode(awsquery.EC2, nil, ec2api.DescribeInstancesRequest{}); err == nil {
		t.Fatal("decoding into a non-pointer succeeded")
	}
}
