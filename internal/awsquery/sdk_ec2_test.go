package awsquery_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/awsquery/ec2api"
)

var launch = time.Date(2024, 5, 6, 7, 8, 9, 123e6, time.UTC)

func newEC2(t *testing.T, handle handlerFunc) (*ec2.Client, *fakeAPI, string) {
	api, srv := startAPI(t, ec2api.Service, handle)
	client := ec2.NewFromConfig(sdkConfig(), func(o *ec2.Options) { o.BaseEndpoint = aws.String(srv.URL) })
	return client, api, srv.URL
}

func TestSDKEC2DescribeKeyPairs(t *testing.T) {
	client, api, _ := newEC2(t, func(action string, in, out any) error {
		out.(*ec2api.DescribeKeyPairsResult).KeyPairs = []ec2api.KeyPairInfo{{
			KeyPairId: str("key-0123"), KeyName: str("k1"), KeyFingerprint: str("ab:cd"), KeyType: str("ed25519"),
			PublicKey: str("ssh-ed25519 AAAA"), CreateTime: &launch,
			Tags: []ec2api.Tag{{Key: str("team"), Value: str("a&b")}},
		}}
		return nil
	})
	out, err := client.DescribeKeyPairs(context.Background(), &ec2.DescribeKeyPairsInput{
		Filters: []types.Filter{
			{Name: aws.String("key-name"), Values: []string{"k1", "k2"}},
			{Name: aws.String("tag:team"), Values: []string{"a&b"}},
		},
		KeyNames:         []string{"k1", "k2"},
		IncludePublicKey: aws.Bool(true),
		DryRun:           aws.Bool(false),
	})
	if err != nil {
		t.Fatalf("DescribeKeyPairs: %v", err)
	}
	wantIn := &ec2api.DescribeKeyPairsRequest{
		Filters: []ec2api.Filter{
			{Name: str("key-name"), Values: []string{"k1", "k2"}},
			{Name: str("tag:team"), Values: []string{"a&b"}},
		},
		KeyNames: []string{"k1", "k2"}, IncludePublicKey: boolp(true), DryRun: boolp(false),
	}
	if diff := cmp.Diff(wantIn, api.input("DescribeKeyPairs")); diff != "" {
		t.Errorf("decoded input (-want +got):\n%s", diff)
	}
	wantOut := []types.KeyPairInfo{{
		KeyPairId: aws.String("key-0123"), KeyName: aws.String("k1"), KeyFingerprint: aws.String("ab:cd"),
		KeyType: types.KeyTypeEd25519, PublicKey: aws.String("ssh-ed25519 AAAA"), CreateTime: &launch,
		Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("a&b")}},
	}}
	if diff := cmp.Diff(wantOut, out.KeyPairs, ignoreUnexported); diff != "" {
		t.Errorf("SDK output (-want +got):\n%s", diff)
	}
	if id, _ := awsmiddleware.GetRequestIDMetadata(out.ResultMetadata); id != api.lastID {
		t.Errorf("request id = %q, want %q", id, api.lastID)
	}
}

func TestSDKEC2DescribeInstances(t *testing.T) {
	attach := launch.Add(time.Second)
	client, _, _ := newEC2(t, func(action string, in, out any) error {
		res := out.(*ec2api.DescribeInstancesResult)
		res.NextToken = str("page-2")
		res.Reservations = []ec2api.Reservation{{
			ReservationId: str("r-1"), OwnerId: str("123456789012"), Groups: []ec2api.GroupIdentifier{},
			Instances: []ec2api.Instance{{
				InstanceId: str("i-0abc"), ImageId: str("ami-1"), InstanceType: str("t3.micro"), KeyName: str("k1"),
				AmiLaunchIndex: i32(0), LaunchTime: &launch,
				Placement:      &ec2api.Placement{AvailabilityZone: str("us-east-1a"), Tenancy: str("default")},
				PrivateDnsName: str("ip-10-0-0-5.ec2.internal"), PrivateIpAddress: str("10.0.0.5"),
				PublicIpAddress: str("203.0.113.5"), SubnetId: str("subnet-1"), VpcId: str("vpc-1"),
				State:        &ec2api.InstanceState{Code: i32(16), Name: str("running")},
				Architecture: str("x86_64"), Hypervisor: str("xen"), VirtualizationType: str("hvm"),
				RootDeviceName: str("/dev/xvda"), RootDeviceType: str("ebs"),
				EbsOptimized: boolp(false), EnaSupport: boolp(true), SourceDestCheck: boolp(true),
				ProductCodes: []ec2api.ProductCode{},
				Monitoring:   &ec2api.Monitoring{State: str("disabled")},
				BlockDeviceMappings: []ec2api.InstanceBlockDeviceMapping{{
					DeviceName: str("/dev/xvda"),
					Ebs: &ec2api.EbsInstanceBlockDevice{
						AttachTime: &attach, DeleteOnTermination: boolp(true), Status: str("attached"), VolumeId: str("vol-1"),
					},
				}},
				NetworkInterfaces: []ec2api.InstanceNetworkInterface{{
					NetworkInterfaceId: str("eni-1"), MacAddress: str("02:00:00:00:00:01"),
					Groups:             []ec2api.GroupIdentifier{{GroupId: str("sg-1"), GroupName: str("default")}},
					Attachment:         &ec2api.InstanceNetworkInterfaceAttachment{DeviceIndex: i32(0), AttachTime: &attach},
					PrivateIpAddresses: []ec2api.InstancePrivateIpAddress{{Primary: boolp(true), PrivateIpAddress: str("10.0.0.5")}},
				}},
				SecurityGroups: []ec2api.GroupIdentifier{{GroupId: str("sg-1"), GroupName: str("default")}},
				Tags:           []ec2api.Tag{{Key: str("Name"), Value: str("web <1>")}, {Key: str("empty"), Value: str("")}},
				CpuOptions:     &ec2api.CpuOptions{CoreCount: i32(1), ThreadsPerCore: i32(2)},
				MetadataOptions: &ec2api.InstanceMetadataOptionsResponse{
					HttpTokens: str("required"), HttpPutResponseHopLimit: i32(2), State: str("applied"),
				},
			}},
		}}
		return nil
	})
	out, err := client.DescribeInstances(context.Background(), &ec2.DescribeInstancesInput{MaxResults: aws.Int32(5)})
	if err != nil {
		t.Fatalf("DescribeInstances: %v", err)
	}
	sg := []types.GroupIdentifier{{GroupId: aws.String("sg-1"), GroupName: aws.String("default")}}
	want := []types.Reservation{{
		ReservationId: aws.String("r-1"), OwnerId: aws.String("123456789012"),
		Instances: []types.Instance{{
			InstanceId: aws.String("i-0abc"), ImageId: aws.String("ami-1"), InstanceType: types.InstanceTypeT3Micro,
			KeyName: aws.String("k1"), AmiLaunchIndex: aws.Int32(0), LaunchTime: &launch,
			Placement:      &types.Placement{AvailabilityZone: aws.String("us-east-1a"), Tenancy: types.TenancyDefault},
			PrivateDnsName: aws.String("ip-10-0-0-5.ec2.internal"), PrivateIpAddress: aws.String("10.0.0.5"),
			PublicIpAddress: aws.String("203.0.113.5"), SubnetId: aws.String("subnet-1"), VpcId: aws.String("vpc-1"),
			State:        &types.InstanceState{Code: aws.Int32(16), Name: types.InstanceStateNameRunning},
			Architecture: types.ArchitectureValuesX8664, Hypervisor: types.HypervisorTypeXen,
			VirtualizationType: types.VirtualizationTypeHvm,
			RootDeviceName:     aws.String("/dev/xvda"), RootDeviceType: types.DeviceTypeEbs,
			EbsOptimized: aws.Bool(false), EnaSupport: aws.Bool(true), SourceDestCheck: aws.Bool(true),
			Monitoring: &types.Monitoring{State: types.MonitoringStateDisabled},
			BlockDeviceMappings: []types.InstanceBlockDeviceMapping{{
				DeviceName: aws.String("/dev/xvda"),
				Ebs: &types.EbsInstanceBlockDevice{
					AttachTime: &attach, DeleteOnTermination: aws.Bool(true), Status: types.AttachmentStatusAttached,
					VolumeId: aws.String("vol-1"),
				},
			}},
			NetworkInterfaces: []types.InstanceNetworkInterface{{
				NetworkInterfaceId: aws.String("eni-1"), MacAddress: aws.String("02:00:00:00:00:01"), Groups: sg,
				Attachment: &types.InstanceNetworkInterfaceAttachment{DeviceIndex: aws.Int32(0), AttachTime: &attach},
				PrivateIpAddresses: []types.InstancePrivateIpAddress{{
					Primary: aws.Bool(true), PrivateIpAddress: aws.String("10.0.0.5"),
				}},
			}},
			SecurityGroups: sg,
			Tags:           []types.Tag{{Key: aws.String("Name"), Value: aws.String("web <1>")}, {Key: aws.String("empty"), Value: aws.String("")}},
			CpuOptions:     &types.CpuOptions{CoreCount: aws.Int32(1), ThreadsPerCore: aws.Int32(2)},
			MetadataOptions: &types.InstanceMetadataOptionsResponse{
				HttpTokens: types.HttpTokensStateRequired, HttpPutResponseHopLimit: aws.Int32(2),
				State: types.InstanceMetadataOptionsStateApplied,
			},
		}},
	}}
	if diff := cmp.Diff(want, out.Reservations, ignoreUnexported, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("SDK output (-want +got):\n%s", diff)
	}
	if aws.ToString(out.NextToken) != "page-2" {
		t.Errorf("NextToken = %q, want page-2", aws.ToString(out.NextToken))
	}
}

func TestSDKEC2RunInstances(t *testing.T) {
	client, api, _ := newEC2(t, func(action string, in, out any) error {
		req := in.(*ec2api.RunInstancesRequest)
		res := out.(*ec2api.Reservation)
		res.ReservationId = str("r-9")
		res.Instances = []ec2api.Instance{{InstanceId: str("i-9"), ImageId: req.ImageId, LaunchTime: &launch,
			State: &ec2api.InstanceState{Code: i32(0), Name: str("pending")}}}
		return nil
	})
	userData := "I2Nsb3VkLWNvbmZpZwo="
	out, err := client.RunInstances(context.Background(), &ec2.RunInstancesInput{
		ImageId: aws.String("ami-1"), InstanceType: types.InstanceTypeT3Micro, MinCount: aws.Int32(1), MaxCount: aws.Int32(3),
		KeyName: aws.String("k1"), UserData: aws.String(userData), SecurityGroupIds: []string{"sg-1", "sg-2"},
		BlockDeviceMappings: []types.BlockDeviceMapping{{
			DeviceName: aws.String("/dev/xvda"),
			Ebs: &types.EbsBlockDevice{VolumeSize: aws.Int32(20), VolumeType: types.VolumeTypeGp3,
				DeleteOnTermination: aws.Bool(true), Encrypted: aws.Bool(false)},
		}},
		TagSpecifications: []types.TagSpecification{
			{ResourceType: types.ResourceTypeInstance, Tags: []types.Tag{
				{Key: aws.String("Name"), Value: aws.String("web")}, {Key: aws.String("env"), Value: aws.String("dev")},
			}},
			{ResourceType: types.ResourceTypeVolume, Tags: []types.Tag{{Key: aws.String("Name"), Value: aws.String("root")}}},
		},
		NetworkInterfaces: []types.InstanceNetworkInterfaceSpecification{{
			DeviceIndex: aws.Int32(0), SubnetId: aws.String("subnet-1"), Groups: []string{"sg-1"},
			Ipv6Addresses: []types.InstanceIpv6Address{{Ipv6Address: aws.String("2001:db8::5")}},
		}},
		MetadataOptions: &types.InstanceMetadataOptionsRequest{HttpTokens: types.HttpTokensStateRequired,
			HttpPutResponseHopLimit: aws.Int32(2)},
		Placement: &types.Placement{AvailabilityZone: aws.String("us-east-1a")},
	})
	if err != nil {
		t.Fatalf("RunInstances: %v", err)
	}
	got := api.input("RunInstances").(*ec2api.RunInstancesRequest)
	if aws.ToString(got.ClientToken) == "" {
		t.Error("the SDK's ClientToken did not arrive")
	}
	want := &ec2api.RunInstancesRequest{
		ImageId: str("ami-1"), InstanceType: str("t3.micro"), MinCount: i32(1), MaxCount: i32(3),
		KeyName: str("k1"), UserData: str(userData), SecurityGroupIds: []string{"sg-1", "sg-2"},
		BlockDeviceMappings: []ec2api.BlockDeviceMapping{{
			DeviceName: str("/dev/xvda"),
			Ebs: &ec2api.EbsBlockDevice{VolumeSize: i32(20), VolumeType: str("gp3"),
				DeleteOnTermination: boolp(true), Encrypted: boolp(false)},
		}},
		TagSpecifications: []ec2api.TagSpecification{
			{ResourceType: str("instance"), Tags: []ec2api.Tag{{Key: str("Name"), Value: str("web")}, {Key: str("env"), Value: str("dev")}}},
			{ResourceType: str("volume"), Tags: []ec2api.Tag{{Key: str("Name"), Value: str("root")}}},
		},
		NetworkInterfaces: []ec2api.InstanceNetworkInterfaceSpecification{{
			DeviceIndex: i32(0), SubnetId: str("subnet-1"), Groups: []string{"sg-1"},
			Ipv6Addresses: []ec2api.InstanceIpv6Address{{Ipv6Address: str("2001:db8::5")}},
		}},
		MetadataOptions: &ec2api.InstanceMetadataOptionsRequest{HttpTokens: str("required"), HttpPutResponseHopLimit: i32(2)},
		Placement:       &ec2api.Placement{AvailabilityZone: str("us-east-1a")},
	}
	if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(ec2api.RunInstancesRequest{}, "ClientToken")); diff != "" {
		t.Errorf("decoded input (-want +got):\n%s", diff)
	}
	if len(out.Instances) != 1 || aws.ToString(out.Instances[0].InstanceId) != "i-9" ||
		out.Instances[0].State.Name != types.InstanceStateNamePending || !out.Instances[0].LaunchTime.Equal(launch) {
		t.Errorf("SDK output = %+v", out.Instances)
	}
}

func TestSDKEC2Error(t *testing.T) {
	client, api, _ := newEC2(t, func(action string, in, out any) error {
		return awserr.BadRequest("InvalidKeyPair.NotFound", "The key pair '%s' does not exist", in.(*ec2api.DescribeKeyPairsRequest).KeyNames[0])
	})
	_, err := client.DescribeKeyPairs(context.Background(), &ec2.DescribeKeyPairsInput{KeyNames: []string{"nope"}})
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("error %v is not a smithy.APIError", err)
	}
	if apiErr.ErrorCode() != "InvalidKeyPair.NotFound" || apiErr.ErrorMessage() != "The key pair 'nope' does not exist" {
		t.Errorf("APIError = %q / %q", apiErr.ErrorCode(), apiErr.ErrorMessage())
	}
	var respErr *awshttp.ResponseError
	if !errors.As(err, &respErr) {
		t.Fatalf("error %v is not an awshttp.ResponseError", err)
	}
	if respErr.ServiceRequestID() != api.lastID || respErr.HTTPStatusCode() != http.StatusBadRequest {
		t.Errorf("request id %q status %d, want %q 400", respErr.ServiceRequestID(), respErr.HTTPStatusCode(), api.lastID)
	}

}

// TestRawDecodeError posts a form the SDK would never send and checks the
// error body a client sees.
func TestRawDecodeError(t *testing.T) {
	_, api, srvURL := newEC2(t, func(action string, in, out any) error { return nil })
	resp, err := http.PostForm(srvURL, url.Values{"Action": {"DescribeInstances"}, "Version": {"2016-11-15"}, "Bogus.1": {"x"}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	want := `<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<Response><Errors><Error><Code>UnknownParameter</Code>` +
		`<Message>The parameter Bogus is not recognized</Message></Error></Errors><RequestID>` + api.lastID + `</RequestID></Response>`
	if resp.StatusCode != http.StatusBadRequest || string(body) != want {
		t.Errorf("got %d %s\nwant 400 %s", resp.StatusCode, body, want)
	}
}

func TestGETQueryString(t *testing.T) {
	_, api, srvURL := newEC2(t, func(action string, in, out any) error {
		out.(*ec2api.DescribeKeyPairsResult).KeyPairs = []ec2api.KeyPairInfo{}
		return nil
	})
	resp, err := http.Get(srvURL + "/?Action=DescribeKeyPairs&Version=2016-11-15&KeyName.2=b&KeyName.1=a")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "<keySet/>") {
		t.Fatalf("GET: %d %s", resp.StatusCode, body)
	}
	if diff := cmp.Diff(&ec2api.DescribeKeyPairsRequest{KeyNames: []string{"a", "b"}}, api.input("DescribeKeyPairs")); diff != "" {
		t.Errorf("decoded input (-want +got):\n%s", diff)
	}
}
