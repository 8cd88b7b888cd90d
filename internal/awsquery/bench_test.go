package awsquery_test

import (
	"io"
	"net/url"
	"strconv"
	"testing"

	"github.com/kumo-cloud/kumo/internal/awsquery"
	"github.com/kumo-cloud/kumo/internal/awsquery/ec2api"
)

// page returns a DescribeInstances result of n fully populated instances.
func page(n int) *ec2api.DescribeInstancesResult {
	res := &ec2api.DescribeInstancesResult{}
	for i := range n {
		id := "i-" + strconv.Itoa(100000+i)
		res.Reservations = append(res.Reservations, ec2api.Reservation{
			ReservationId: str("r-" + id), OwnerId: str("123456789012"), Groups: []ec2api.GroupIdentifier{},
			Instances: []ec2api.Instance{{
				InstanceId: str(id), ImageId: str("ami-1"), InstanceType: str("t3.micro"), KeyName: str("k1"),
				AmiLaunchIndex: i32(0), LaunchTime: &launch,
				Placement:      &ec2api.Placement{AvailabilityZone: str("us-east-1a"), Tenancy: str("default")},
				PrivateDnsName: str("ip-10-0-0-5.ec2.internal"), PrivateIpAddress: str("10.0.0.5"),
				SubnetId: str("subnet-1"), VpcId: str("vpc-1"),
				State:        &ec2api.InstanceState{Code: i32(16), Name: str("running")},
				Architecture: str("x86_64"), Hypervisor: str("xen"), VirtualizationType: str("hvm"),
				RootDeviceName: str("/dev/xvda"), RootDeviceType: str("ebs"),
				EbsOptimized: boolp(false), EnaSupport: boolp(true), SourceDestCheck: boolp(true),
				Monitoring: &ec2api.Monitoring{State: str("disabled")},
				BlockDeviceMappings: []ec2api.InstanceBlockDeviceMapping{{
					DeviceName: str("/dev/xvda"),
					Ebs: &ec2api.EbsInstanceBlockDevice{AttachTime: &launch, DeleteOnTermination: boolp(true),
						Status: str("attached"), VolumeId: str("vol-" + id)},
				}},
				NetworkInterfaces: []ec2api.InstanceNetworkInterface{{
					NetworkInterfaceId: str("eni-" + id), MacAddress: str("02:00:00:00:00:01"),
					Groups:             []ec2api.GroupIdentifier{{GroupId: str("sg-1"), GroupName: str("default")}},
					Attachment:         &ec2api.InstanceNetworkInterfaceAttachment{DeviceIndex: i32(0), AttachTime: &launch},
					PrivateIpAddresses: []ec2api.InstancePrivateIpAddress{{Primary: boolp(true), PrivateIpAddress: str("10.0.0.5")}},
				}},
				SecurityGroups: []ec2api.GroupIdentifier{{GroupId: str("sg-1"), GroupName: str("default")}},
				Tags:           []ec2api.Tag{{Key: str("Name"), Value: str("web " + id)}},
				CpuOptions:     &ec2api.CpuOptions{CoreCount: i32(1), ThreadsPerCore: i32(2)},
			}},
		})
	}
	return res
}

func BenchmarkWriteEC2DescribeInstances1000(b *testing.B) {
	out := page(1000)
	b.ReportAllocs()
	for b.Loop() {
		if err := awsquery.WriteEC2Response(io.Discard, "DescribeInstances", "r", out); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeRunInstances(b *testing.B) {
	params, _ := url.ParseQuery("ImageId=ami-1&MinCount=1&MaxCount=1&BlockDeviceMapping.1.DeviceName=%2Fdev%2Fxvda" +
		"&BlockDeviceMapping.1.Ebs.VolumeSize=8&TagSpecification.1.ResourceType=instance&TagSpecification.1.Tag.1.Key=Name" +
		"&TagSpecification.1.Tag.1.Value=web&UserData=aGk%3D&SecurityGroupId.1=sg-1&KeyName=k&InstanceType=t3.micro")
	b.ReportAllocs()
	for b.Loop() {
		if err := awsquery.Decode(awsquery.EC2, params, new(ec2api.RunInstancesRequest)); err != nil {
			b.Fatal(err)
		}
	}
}
