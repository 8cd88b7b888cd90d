package ebs_test

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kumo-cloud/kumo/internal/ec2/ebs"
	"github.com/kumo-cloud/kumo/internal/ec2/instances"
	"github.com/kumo-cloud/kumo/internal/ec2/resource"
)

// TestInstanceFactsInStep guards the instance fields ebs reads through the
// raw store (it cannot import the instances package): each must decode
// from a stored instances.Instance.
func TestInstanceFactsInStep(t *testing.T) {
	in := instances.Instance{
		Meta:         resource.Meta{ID: "i-0123456789abcdef0", Account: "123456789012", Region: "us-east-1", Tags: map[string]string{"env": "dev"}},
		InstanceType: "t3.micro", AvailabilityZone: "us-east-1b",
		Metadata:   instances.MetadataOptions{HTTPTokens: "required", HopLimit: 2, HTTPEndpoint: "enabled"},
		IAMProfile: &instances.ProfileAssociation{ProfileARN: "arn:aws:iam::123456789012:instance-profile/web"},
	}
	b, err := json.Marshal(&in)
	if err != nil {
		t.Fatal(err)
	}
	var f ebs.InstanceFacts
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	got := f.Authz()
	want := map[string][]string{
		"ec2:ResourceTag/env": {"dev"}, "aws:ResourceTag/env": {"dev"},
		"ec2:InstanceType": {"t3.micro"}, "ec2:AvailabilityZone": {"us-east-1b"}, "ec2:Tenancy": {"default"},
		"ec2:RootDeviceType": {"ebs"}, "ec2:InstanceMarketType": {"on-demand"}, "ec2:MetadataHttpTokens": {"required"},
		"ec2:MetadataHttpEndpoint": {"enabled"}, "ec2:MetadataHttpPutResponseHopLimit": {"2"},
		"ec2:InstanceProfile": {"arn:aws:iam::123456789012:instance-profile/web"},
	}
	if got.ARN != "arn:aws:ec2:us-east-1:123456789012:instance/i-0123456789abcdef0" {
		t.Errorf("ARN %s", got.ARN)
	}
	if d := cmp.Diff(want, got.Keys); d != "" {
		t.Errorf("keys (-want +got):\n%s", d)
	}
}
