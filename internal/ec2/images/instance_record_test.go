package images_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/kumo-cloud/kumo/internal/ec2/images"
	"github.com/kumo-cloud/kumo/internal/ec2/instances"
	"github.com/kumo-cloud/kumo/internal/ec2/resource"
)

// TestInstanceRecordInStep guards the instance fields images reads through
// the raw store (it cannot import the instances package): every one must
// decode from a stored instances.Instance.
func TestInstanceRecordInStep(t *testing.T) {
	launched := time.Date(2026, 2, 3, 4, 5, 6, 0, time.UTC)
	in := instances.Instance{
		Meta:    resource.Meta{ID: "i-0123456789abcdef0", Account: "123456789012", Region: "us-east-1"},
		ImageID: "ami-0123456789abcdef0", AvailabilityZone: "us-east-1b", LaunchTime: launched, Host: "h1",
		State: instances.Running, RebootSeq: 3, RebootDone: 2,
		Root: instances.RootDevice{VolumeID: "vol-0123456789abcdef0", DeviceName: "/dev/xvda", SizeGiB: 8, VolumeType: "gp3", DeleteOnTermination: true},
	}
	b, err := json.Marshal(&in)
	if err != nil {
		t.Fatal(err)
	}
	var got images.InstanceRecord
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	want := images.InstanceRecord{ID: in.ID, Account: in.Account, Region: in.Region, ImageID: in.ImageID, AvailabilityZone: in.AvailabilityZone,
		LaunchTime: launched, Host: "h1", State: "running", RebootSeq: 3, RebootDone: 2}
	want.Root.VolumeID, want.Root.DeviceName, want.Root.SizeGiB, want.Root.VolumeType, want.Root.DeleteOnTermination = "vol-0123456789abcdef0", "/dev/xvda", 8, "gp3", true
	if got != want {
		t.Errorf("decoded %+v\nwant    %+v", got, want)
	}
}
