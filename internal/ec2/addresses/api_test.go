package addresses_test

import (
	"context"
	"net/netip"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/kumo-cloud/kumo/internal/testenv"
)

// code is the AWS error code of err.
func code(err error) string { return testenv.Code(err) }

// The association paths need running instances and are tested with real VMs
// (internal/ec2/instances/network_vm_test.go); these are the rest.
func TestAllocateDescribeRelease(t *testing.T) {
	env := testenv.Start(t)
	c := env.EC2()
	ctx := context.Background()

	var ids []string
	for range 5 {
		out, err := c.AllocateAddress(ctx, &ec2.AllocateAddressInput{Domain: types.DomainTypeVpc,
			TagSpecifications: []types.TagSpecification{{ResourceType: types.ResourceTypeElasticIp,
				Tags: []types.Tag{{Key: aws.String("app"), Value: aws.String("web")}}}}})
		if err != nil {
			t.Fatal(err)
		}
		ip := netip.MustParseAddr(aws.ToString(out.PublicIp))
		if !env.Config.PublicPool.Contains(ip) || out.Domain != types.DomainTypeVpc {
			t.Fatalf("allocated %+v, want an address of %s in domain vpc", out, env.Config.PublicPool)
		}
		ids = append(ids, aws.ToString(out.AllocationId))
	}
	if _, err := c.AllocateAddress(ctx, &ec2.AllocateAddressInput{}); code(err) != "AddressLimitExceeded" {
		t.Fatalf("sixth address: %v, want AddressLimitExceeded", err)
	}

	out, err := c.DescribeAddresses(ctx, &ec2.DescribeAddressesInput{AllocationIds: ids[:2]})
	if err != nil || len(out.Addresses) != 2 {
		t.Fatalf("describe by id: %+v %v", out, err)
	}
	if a := out.Addresses[0]; a.AssociationId != nil || len(a.Tags) != 1 || aws.ToString(a.PublicIpv4Pool) != "amazon" {
		t.Fatalf("unassociated address: %+v", a)
	}
	byIP, err := c.DescribeAddresses(ctx, &ec2.DescribeAddressesInput{PublicIps: []string{aws.ToString(out.Addresses[1].PublicIp)}})
	if err != nil || len(byIP.Addresses) != 1 || aws.ToString(byIP.Addresses[0].AllocationId) != aws.ToString(out.Addresses[1].AllocationId) {
		t.Fatalf("describe by public ip: %+v %v", byIP, err)
	}
	tagged, err := c.DescribeAddresses(ctx, &ec2.DescribeAddressesInput{Filters: []types.Filter{{Name: aws.String("tag:app"), Values: []string{"web"}}}})
	if err != nil || len(tagged.Addresses) != 5 {
		t.Fatalf("describe by tag: %d %v", len(tagged.Addresses), err)
	}

	for _, tc := range []struct {
		name string
		call func() error
		want string
	}{
		{"describe unknown id", func() error {
			_, err := c.DescribeAddresses(ctx, &ec2.DescribeAddressesInput{AllocationIds: []string{"eipalloc-0123456789abcdef0"}})
			return err
		}, "InvalidAllocationID.NotFound"},
		{"describe malformed id", func() error {
			_, err := c.DescribeAddresses(ctx, &ec2.DescribeAddressesInput{AllocationIds: []string{"eip-1"}})
			return err
		}, "InvalidAllocationID.Malformed"},
		{"describe unknown ip", func() error {
			_, err := c.DescribeAddresses(ctx, &ec2.DescribeAddressesInput{PublicIps: []string{"203.0.113.9"}})
			return err
		}, "InvalidAddress.NotFound"},
		{"release unknown", func() error {
			_, err := c.ReleaseAddress(ctx, &ec2.ReleaseAddressInput{AllocationId: aws.String("eipalloc-0123456789abcdef0")})
			return err
		}, "InvalidAllocationID.NotFound"},
		{"associate without target", func() error {
			_, err := c.AssociateAddress(ctx, &ec2.AssociateAddressInput{AllocationId: aws.String(ids[0])})
			return err
		}, "MissingParameter"},
		{"associate unknown instance", func() error {
			_, err := c.AssociateAddress(ctx, &ec2.AssociateAddressInput{AllocationId: aws.String(ids[0]), InstanceId: aws.String("i-0123456789abcdef0")})
			return err
		}, "InvalidInstanceID.NotFound"},
		{"disassociate unknown", func() error {
			_, err := c.DisassociateAddress(ctx, &ec2.DisassociateAddressInput{AssociationId: aws.String("eipassoc-0123456789abcdef0")})
			return err
		}, "InvalidAssociationID.NotFound"},
		{"classic domain", func() error {
			_, err := c.AllocateAddress(ctx, &ec2.AllocateAddressInput{Domain: types.DomainTypeStandard})
			return err
		}, "InvalidParameterValue"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.call(); code(err) != tc.want {
				t.Fatalf("got %v, want %s", err, tc.want)
			}
		})
	}

	// Another account sees none of them.
	other := env.NewAccount(t, "other")
	if _, err := other.DescribeAddresses(ctx, &ec2.DescribeAddressesInput{AllocationIds: ids[:1]}); code(err) != "InvalidAllocationID.NotFound" {
		t.Fatalf("other account: %v, want InvalidAllocationID.NotFound", err)
	}

	for _, id := range ids {
		if _, err := c.ReleaseAddress(ctx, &ec2.ReleaseAddressInput{AllocationId: aws.String(id)}); err != nil {
			t.Fatal(err)
		}
	}
	left, err := c.DescribeAddresses(ctx, &ec2.DescribeAddressesInput{})
	if err != nil || len(left.Addresses) != 0 {
		t.Fatalf("after release: %+v %v", left, err)
	}
	if _, err := c.AllocateAddress(ctx, &ec2.AllocateAddressInput{}); err != nil {
		t.Fatalf("allocate after release: %v", err)
	}
}
