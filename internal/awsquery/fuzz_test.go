package awsquery_test

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/url"
	"testing"

	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/awsquery"
	"github.com/kumo-cloud/kumo/internal/awsquery/ec2api"
	"github.com/kumo-cloud/kumo/internal/awsquery/iamapi"
	"github.com/kumo-cloud/kumo/internal/awsquery/stsapi"
)

var fuzzSvc = &awsquery.Service{Name: "fuzz", Protocol: awsquery.Query, XMLNamespace: "urn:fuzz/",
	Operations: map[string]*awsquery.Operation{"Fuzz": {Name: "Fuzz", ResultWrapper: "FuzzResult"}}}

// FuzzDecode feeds arbitrary query strings to Decode under both flavours and
// several input types. Decode must return nil or a 400 *awserr.Error and never
// panic; whatever it accepts must encode to well-formed XML.
func FuzzDecode(f *testing.F) {
	for _, seed := range []string{
		// Valid requests.
		"InstanceId.1=i-1&InstanceId.2=i-2&MaxResults=5&NextToken=t&DryRun=true",
		"Filter.1.Name=tag:Name&Filter.1.Value.1=x&Filter.1.Value.2=y&Filter.2.Name=a&Filter.2.Value.1=b",
		"ImageId=ami-1&MinCount=1&MaxCount=1&BlockDeviceMapping.1.DeviceName=%2Fdev%2Fxvda&BlockDeviceMapping.1.Ebs.VolumeSize=8" +
			"&TagSpecification.1.ResourceType=instance&TagSpecification.1.Tag.1.Key=Name&TagSpecification.1.Tag.1.Value=web&UserData=aGk%3D",
		"ImageId=ami-1&MinCount=1&MaxCount=1&NetworkInterface.1.Ipv6Addresses.1.Ipv6Address=%3A%3A1&NetworkInterface.1.SecurityGroupId.1=sg",
		"KeyName=k&PublicKeyMaterial=c3NoLXJzYSBBQUFB",
		"RoleArn=a&RoleSessionName=s&PolicyArns.member.1.arn=p&Tags.member.1.Key=k&Tags.member.1.Value=v&TransitiveTagKeys.member.1=k",
		"UserName=bob&Tags=&Path=%2F",
		"Attrs.entry.1.key=k&Attrs.entry.1.value=v&Named.entry.1.Name=n&Named.entry.1.Val=1&FlatMap.1.key=a&FlatMap.1.value=b",
		"Nested.member.1.member.1=a&Flat.1=x&Entry.1=y&Items.Item.1=z&Kid.Id=1&Kid.Self.Id=2&Kids.member.3.Id=4",
		"T=2024-01-02T03:04:05.123%2B01:00&D=NaN&L=-9223372036854775808&I=2147483647&Blob=&bee=FALSE",
		// Hostile requests.
		"InstanceId=i-1&InstanceId.0=x&InstanceId.01=y&InstanceId.-1=z",
		"InstanceId.99999999999999999999=x&InstanceId.10001=y",
		"Filter.1=x&Filter.1.Name=y&Filter.1.Value=z&Filter.1.Value.1.Deeper=q",
		"Filter..Name=x&.=y&=z&Filter.1.=w&.Filter=v",
		"MaxResults=1e3&MaxResults=5&DryRun=1&NextToken.1=x",
		"Kid.Self.Self.Self.Self.Self.Self.Self.Self.Self.Self.Self.Self.Self.Id=1",
		"Attrs.entry.1.key=k&Attrs.entry.1.key.x=k&Attrs.entry.1=v&Attrs.entry=x&Attrs.1.key=k",
		"S=%ff%fe%00%01%0d&T=%00&D=Infinity&D=-0&Blob=%3D%3D%3D",
		"T=99999999999&T=-1&T=2024-13-45T99:99:99Z&D=1e400",
		"Tags.member.1.Key=k&Tags.member.1.Key.x=1&Tags.member=&Tags.member.0.Key=1",
		"%zz=1&a=%zz",
	} {
		f.Add(seed)
	}
	targets := []struct {
		p      awsquery.Protocol
		svc    *awsquery.Service
		action string
		newIn  func() any
	}{
		{awsquery.EC2, ec2api.Service, "DescribeInstances", func() any { return new(ec2api.DescribeInstancesRequest) }},
		{awsquery.EC2, ec2api.Service, "RunInstances", func() any { return new(ec2api.RunInstancesRequest) }},
		{awsquery.EC2, ec2api.Service, "ImportKeyPair", func() any { return new(ec2api.ImportKeyPairRequest) }},
		{awsquery.EC2, ec2api.Service, "Fuzz", func() any { return new(wire) }},
		{awsquery.Query, stsapi.Service, "AssumeRole", func() any { return new(stsapi.AssumeRoleRequest) }},
		{awsquery.Query, iamapi.Service, "CreateUser", func() any { return new(iamapi.CreateUserRequest) }},
		{awsquery.Query, fuzzSvc, "Fuzz", func() any { return new(wire) }},
	}
	f.Fuzz(func(t *testing.T, raw string) {
		params, _ := url.ParseQuery(raw) // keeps what parsed; Decode must cope with anything
		for _, tg := range targets {
			in := tg.newIn()
			err := awsquery.Decode(tg.p, params, in)
			if err != nil {
				e, ok := awserr.As(err)
				if !ok || e.Status != http.StatusBadRequest {
					t.Fatalf("%s %s: Decode returned %T %v, want a 400 *awserr.Error", tg.p, tg.action, err, err)
				}
				continue
			}
			var b bytes.Buffer
			if err := tg.svc.WriteResponse(&b, tg.action, "r", in); err != nil {
				t.Fatalf("%s %s: encoding the decoded input: %v", tg.p, tg.action, err)
			}
			if err := wellFormed(b.Bytes()); err != nil {
				t.Fatalf("%s %s: encoded XML is malformed: %v\n%s", tg.p, tg.action, err, b.Bytes())
			}
		}
	})
}

func wellFormed(doc []byte) error {
	d := xml.NewDecoder(bytes.NewReader(doc))
	for {
		if _, err := d.Token(); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
	}
}
