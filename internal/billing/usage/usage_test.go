package usage_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/kumo-cloud/kumo/internal/billing/usage"
	"github.com/kumo-cloud/kumo/internal/testenv"
)

// TestChangesAreMetered: the API's billable changes leave usage events in
// the same transaction — a launch, a stop, a volume's creation, resize and
// deletion — and nothing else does.
func TestChangesAreMetered(t *testing.T) {
	env := testenv.Start(t)
	ctx := context.Background()
	c := env.EC2()
	imgs, err := c.DescribeImages(ctx, &ec2.DescribeImagesInput{Owners: []string{"amazon"}})
	if err != nil || len(imgs.Images) == 0 {
		t.Fatalf("images: %v", err)
	}
	run, err := c.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: imgs.Images[0].ImageId, InstanceType: types.InstanceTypeT3Micro,
		MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
		TagSpecifications: []types.TagSpecification{{ResourceType: types.ResourceTypeInstance, Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("a")}}}}})
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(run.Instances[0].InstanceId)
	if _, err := c.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{id}, Tags: []types.Tag{{Key: aws.String("x"), Value: aws.String("y")}}}); err != nil {
		t.Fatal(err) // not billable: no event
	}
	if _, err := c.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{id}}); err != nil {
		t.Fatal(err)
	}

	events, err := usage.OfAccount(ctx, env.Daemon.Store, env.AccountID)
	if err != nil {
		t.Fatal(err)
	}
	var states []string
	root := ""
	for _, e := range events {
		switch {
		case e.ID == id && e.Kind == usage.Instance:
			states = append(states, e.State)
			if e.InstanceType != "t3.micro" || e.Zone == "" || e.Platform != "Linux/UNIX" || e.Market != "on-demand" || e.Time.IsZero() {
				t.Errorf("instance event %+v", e)
			}
		case e.Kind == usage.Volume:
			root = e.ID
			if e.State != usage.Created || e.SizeGiB == 0 || e.VolumeType != "gp3" {
				t.Errorf("root volume event %+v", e)
			}
		}
	}
	if len(states) != 2 || states[0] != "pending" || states[1] != "stopping" || events[len(events)-1].Tags["team"] != "a" && root == "" {
		t.Errorf("instance events %v (root volume %q), want [pending stopping]", states, root)
	}

	vol, err := c.CreateVolume(ctx, &ec2.CreateVolumeInput{AvailabilityZone: aws.String("us-east-1a"), Size: aws.Int32(10), VolumeType: types.VolumeTypeGp3})
	if err != nil {
		t.Fatal(err)
	}
	vid := aws.ToString(vol.VolumeId)
	if _, err := c.DeleteVolume(ctx, &ec2.DeleteVolumeInput{VolumeId: vol.VolumeId}); err != nil {
		t.Fatal(err)
	}
	events, err = usage.OfAccount(ctx, env.Daemon.Store, env.AccountID)
	if err != nil {
		t.Fatal(err)
	}
	var vstates []string
	for _, e := range events {
		if e.ID == vid {
			vstates = append(vstates, e.State)
		}
	}
	if len(vstates) != 2 || vstates[0] != usage.Created || vstates[1] != usage.Deleted {
		t.Errorf("volume events %v, want [created deleted]", vstates)
	}

	// Public IPv4: the instance's auto-assigned address from launch, an
	// Elastic IP from allocation to release.
	eip, err := c.AllocateAddress(ctx, &ec2.AllocateAddressInput{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ReleaseAddress(ctx, &ec2.ReleaseAddressInput{AllocationId: eip.AllocationId}); err != nil {
		t.Fatal(err)
	}
	events, err = usage.OfAccount(ctx, env.Daemon.Store, env.AccountID)
	if err != nil {
		t.Fatal(err)
	}
	ipv4 := map[string][]string{}
	for _, e := range events {
		if e.Kind == usage.PublicIPv4 {
			ipv4[e.ID] = append(ipv4[e.ID], e.State)
		}
	}
	if got := ipv4[id]; len(got) != 1 || got[0] != usage.Created {
		t.Errorf("auto-assigned address events %v, want [created]", got)
	}
	if got := ipv4[aws.ToString(eip.AllocationId)]; len(got) != 2 || got[0] != usage.Created || got[1] != usage.Deleted {
		t.Errorf("Elastic IP events %v, want [created deleted]", got)
	}
}
