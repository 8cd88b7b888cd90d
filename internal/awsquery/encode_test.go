package awsquery_test

import (
	"bytes"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/awsquery"
	"github.com/kumo-cloud/kumo/internal/awsquery/ec2api"
	"github.com/kumo-cloud/kumo/internal/awsquery/iamapi"
	"github.com/kumo-cloud/kumo/internal/awsquery/stsapi"
)

const ec2Open = `<?xml version="1.0" encoding="UTF-8"?>` + "\n"

func TestWriteEC2Response(t *testing.T) {
	tests := []struct {
		name, action string
		out          any
		want         string
	}{
		{
			name: "members in model order with nested lists", action: "DescribeKeyPairs",
			out: &ec2api.DescribeKeyPairsResult{KeyPairs: []ec2api.KeyPairInfo{{
				KeyPairId: str("key-1"), KeyFingerprint: str("ab:cd"), KeyName: str("a<b&c>"), KeyType: str("ed25519"),
				Tags:       []ec2api.Tag{{Key: str("k"), Value: str("v")}},
				CreateTime: tm("2024-01-02T05:04:05.678901+02:00"),
			}}},
			want: ec2Open + `<DescribeKeyPairsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r-1</requestId>` +
				`<keySet><item><keyPairId>key-1</keyPairId><keyFingerprint>ab:cd</keyFingerprint><keyName>a&lt;b&amp;c&gt;</keyName>` +
				`<keyType>ed25519</keyType><tagSet><item><key>k</key><value>v</value></item></tagSet>` +
				`<createTime>2024-01-02T03:04:05.678Z</createTime></item></keySet></DescribeKeyPairsResponse>`,
		},
		{
			name: "empty result set", action: "DescribeKeyPairs",
			out: &ec2api.DescribeKeyPairsResult{KeyPairs: []ec2api.KeyPairInfo{}},
			want: ec2Open + `<DescribeKeyPairsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r-1</requestId>` +
				`<keySet/></DescribeKeyPairsResponse>`,
		},
		{
			name: "nil slice omitted", action: "DescribeKeyPairs", out: &ec2api.DescribeKeyPairsResult{},
			want: ec2Open + `<DescribeKeyPairsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r-1</requestId>` +
				`</DescribeKeyPairsResponse>`,
		},
		{
			name: "nested structures and ints", action: "StopInstances",
			out: &ec2api.StopInstancesResult{StoppingInstances: []ec2api.InstanceStateChange{{
				InstanceId:    str("i-1"),
				CurrentState:  &ec2api.InstanceState{Code: i32(64), Name: str("stopping")},
				PreviousState: &ec2api.InstanceState{Code: i32(16), Name: str("running")},
			}}},
			want: ec2Open + `<StopInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r-1</requestId>` +
				`<instancesSet><item><currentState><code>64</code><name>stopping</name></currentState>` +
				`<instanceId>i-1</instanceId><previousState><code>16</code><name>running</name></previousState></item></instancesSet></StopInstancesResponse>`,
		},
		{
			name: "return true", action: "DeleteKeyPair", out: &ec2api.DeleteKeyPairResult{Return: boolp(true)},
			want: ec2Open + `<DeleteKeyPairResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r-1</requestId>` +
				`<return>true</return></DeleteKeyPairResponse>`,
		},
		{
			name: "no output", action: "CreateTags", out: &awsquery.Empty{},
			want: ec2Open + `<CreateTagsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r-1</requestId>` +
				`</CreateTagsResponse>`,
		},
		{
			name: "text that XML cannot carry", action: "GetConsoleOutput",
			out: &ec2api.GetConsoleOutputResult{InstanceId: str("a\x00b\xffc\r\nd\tü")},
			want: ec2Open + `<GetConsoleOutputResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r-1</requestId>` +
				"<instanceId>a\uFFFDb\uFFFDc&#xD;\nd\tü</instanceId></GetConsoleOutputResponse>",
		},
		{
			name: "blob", action: "Blob", out: &wire{Blob: []byte("hi"), Names: []string{"x"}},
			want: ec2Open + `<BlobResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r-1</requestId>` +
				`<blob>aGk=</blob><names><item>x</item></names></BlobResponse>`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := awsquery.WriteEC2Response(&b, tc.action, "r-1", tc.out); err != nil {
				t.Fatalf("WriteEC2Response: %v", err)
			}
			if diff := cmp.Diff(tc.want, b.String()); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
		})
	}
}

func TestWriteQueryResponse(t *testing.T) {
	testSvc := &awsquery.Service{Name: "test", Protocol: awsquery.Query, XMLNamespace: "urn:test/",
		Operations: map[string]*awsquery.Operation{"Op": {Name: "Op", ResultWrapper: "OpResult"}}}
	created := time.Date(2024, 1, 2, 3, 4, 5, 600e6, time.UTC)
	tests := []struct {
		name, action string
		svc          *awsquery.Service
		out          any
		want         string
	}{
		{
			name: "sts", action: "GetCallerIdentity", svc: stsapi.Service,
			out: &stsapi.GetCallerIdentityResponse{UserId: str("AID"), Account: str("123456789012"), Arn: str("arn:aws:iam::123456789012:user/bob")},
			want: `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>` +
				`<UserId>AID</UserId><Account>123456789012</Account><Arn>arn:aws:iam::123456789012:user/bob</Arn>` +
				`</GetCallerIdentityResult><ResponseMetadata><RequestId>r-2</RequestId></ResponseMetadata></GetCallerIdentityResponse>`,
		},
		{
			name: "member lists and timestamps", action: "ListUsers", svc: iamapi.Service,
			out: &iamapi.ListUsersResponse{Users: []iamapi.User{{
				Path: str("/"), UserName: str("bob"), UserId: str("AIDA"), Arn: str("arn"), CreateDate: &created,
				Tags: []iamapi.Tag{{Key: str("k"), Value: str("v")}},
			}}, IsTruncated: boolp(false)},
			want: `<ListUsersResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><ListUsersResult><Users><member>` +
				`<Path>/</Path><UserName>bob</UserName><UserId>AIDA</UserId><Arn>arn</Arn><CreateDate>2024-01-02T03:04:05Z</CreateDate>` +
				`<Tags><member><Key>k</Key><Value>v</Value></member></Tags></member></Users><IsTruncated>false</IsTruncated>` +
				`</ListUsersResult><ResponseMetadata><RequestId>r-2</RequestId></ResponseMetadata></ListUsersResponse>`,
		},
		{
			name: "no output, no result wrapper", action: "DeleteUser", svc: iamapi.Service, out: &awsquery.Empty{},
			want: `<DeleteUserResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">` +
				`<ResponseMetadata><RequestId>r-2</RequestId></ResponseMetadata></DeleteUserResponse>`,
		},
		{
			name: "flattened lists, maps, nested lists, doubles", action: "Op", svc: testSvc,
			out: &wire{
				B: boolp(true), D: f64(math.Inf(-1)), Items: []string{"i"}, Flat: []string{"a", "b"}, FlatM: []string{"c"},
				Attrs: map[string]string{"z": "1", "a": "2"}, Named: map[string]int32{"n": 7}, FlatMap: map[string]string{"k": "v"},
				Nested: [][]string{{"x"}, {}}, Names: []string{},
			},
			want: `<OpResponse xmlns="urn:test/"><OpResult><bee>true</bee><D>-Infinity</D><Names/><Items><Item>i</Item></Items>` +
				`<Flat>a</Flat><Flat>b</Flat><Entry>c</Entry>` +
				`<Attrs><entry><key>a</key><value>2</value></entry><entry><key>z</key><value>1</value></entry></Attrs>` +
				`<Named><entry><Name>n</Name><Val>7</Val></entry></Named><FlatMap><key>k</key><value>v</value></FlatMap>` +
				`<Nested><member><member>x</member></member><member/></Nested>` +
				`</OpResult><ResponseMetadata><RequestId>r-2</RequestId></ResponseMetadata></OpResponse>`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := awsquery.WriteQueryResponse(&b, tc.svc, tc.action, "r-2", tc.out); err != nil {
				t.Fatalf("WriteQueryResponse: %v", err)
			}
			if diff := cmp.Diff(tc.want, b.String()); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
		})
	}
}

func TestWriteErrors(t *testing.T) {
	var b bytes.Buffer
	awsquery.WriteEC2Error(&b, "InvalidKeyPair.NotFound", "The key pair 'a&b' does not exist", "r-3")
	want := ec2Open + `<Response><Errors><Error><Code>InvalidKeyPair.NotFound</Code>` +
		`<Message>The key pair 'a&amp;b' does not exist</Message></Error></Errors><RequestID>r-3</RequestID></Response>`
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("EC2 error (-want +got):\n%s", diff)
	}

	b.Reset()
	awsquery.WriteQueryError(&b, iamapi.Service, "Sender", "NoSuchEntity", "The user with name bob cannot be found.", "r-4")
	want = `<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type>` +
		`<Code>NoSuchEntity</Code><Message>The user with name bob cannot be found.</Message></Error>` +
		`<RequestId>r-4</RequestId></ErrorResponse>`
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("query error (-want +got):\n%s", diff)
	}

	b.Reset()
	stsapi.Service.WriteError(&b, awserr.New(500, "InternalError", "boom"), "r-5")
	if !strings.Contains(b.String(), "<Type>Receiver</Type>") {
		t.Errorf("5xx error is not typed Receiver: %s", b.String())
	}
}

func TestWriteRefusesBadInput(t *testing.T) {
	var b bytes.Buffer
	if err := awsquery.WriteEC2Response(&b, "Bad<Action", "r", nil); err == nil {
		t.Error("WriteEC2Response accepted a bad action name")
	}
	if err := awsquery.WriteEC2Response(&b, "Op", "r", 42); err == nil {
		t.Error("WriteEC2Response accepted a non-struct")
	}
	if err := awsquery.WriteQueryResponse(&b, stsapi.Service, "Op", "r", []string{}); err == nil {
		t.Error("WriteQueryResponse accepted a non-struct")
	}
}
