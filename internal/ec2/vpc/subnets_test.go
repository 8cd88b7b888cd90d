package vpc_test

import (
	"context"
	"net/netip"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/kumo-cloud/kumo/internal/ec2/vpc"
	"github.com/kumo-cloud/kumo/internal/testenv"
)

func TestSubnets(t *testing.T) {
	env := testenv.Start(t)
	c := env.EC2()
	ctx := context.Background()
	id := createVPC(t, c, "10.0.0.0/16")
	other := createVPC(t, c, "10.1.0.0/16")
	createSubnet(t, c, id, "10.0.0.0/24")

	t.Run("create errors", func(t *testing.T) {
		tests := []struct {
			name, vpc, cidr, zone, zoneID, code string
		}{
			{"outside the VPC", id, "10.2.0.0/24", "", "", "InvalidSubnet.Range"},
			{"larger than the VPC", id, "10.0.0.0/15", "", "", "InvalidSubnet.Range"},
			{"too small", id, "10.0.1.0/29", "", "", "InvalidSubnet.Range"},
			{"same range", id, "10.0.0.0/24", "", "", "InvalidSubnet.Conflict"},
			{"overlap", id, "10.0.0.128/25", "", "", "InvalidSubnet.Conflict"},
			{"covers another", id, "10.0.0.0/20", "", "", "InvalidSubnet.Conflict"},
			{"not a cidr", id, "10.0.1.0", "", "", "InvalidParameterValue"},
			{"unserved zone", id, "10.0.1.0/24", "us-east-1f", "", "InvalidParameterValue"},
			{"other region's zone", id, "10.0.1.0/24", "eu-west-1a", "", "InvalidParameterValue"},
			{"unserved zone id", id, "10.0.1.0/24", "", "use1-az99", "InvalidParameterValue"},
			{"zone and zone id", id, "10.0.1.0/24", "us-east-1a", "use1-az1", "InvalidParameterCombination"},
			{"unknown vpc", "vpc-0123456789abcdef0", "10.0.1.0/24", "", "", "InvalidVpcID.NotFound"},
			{"malformed vpc", "vpc-1", "10.0.1.0/24", "", "", "InvalidVpcID.Malformed"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				in := &ec2.CreateSubnetInput{VpcId: aws.String(tt.vpc), CidrBlock: aws.String(tt.cidr)}
				if tt.zone != "" {
					in.AvailabilityZone = aws.String(tt.zone)
				}
				if tt.zoneID != "" {
					in.AvailabilityZoneId = aws.String(tt.zoneID)
				}
				_, err := c.CreateSubnet(ctx, in)
				wantCode(t, err, tt.code)
			})
		}
	})
	t.Run("same range in another VPC", func(t *testing.T) {
		createSubnet(t, c, other, "10.1.0.0/24")
	})
	t.Run("zone and attributes", func(t *testing.T) {
		out, err := c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: aws.String(id), CidrBlock: aws.String("10.0.16.0/20"),
			AvailabilityZoneId: aws.String("use1-az2"),
			TagSpecifications:  []types.TagSpecification{{ResourceType: types.ResourceTypeSubnet, Tags: []types.Tag{{Key: aws.String("tier"), Value: aws.String("web")}}}}})
		if err != nil {
			t.Fatal(err)
		}
		sn := out.Subnet
		if aws.ToString(sn.AvailabilityZone) != "us-east-1b" || aws.ToInt32(sn.AvailableIpAddressCount) != 4091 ||
			aws.ToBool(sn.MapPublicIpOnLaunch) || aws.ToBool(sn.DefaultForAz) || len(sn.Tags) != 1 || sn.State != types.SubnetStateAvailable {
			t.Errorf("created %+v", sn)
		}
		if _, err := c.ModifySubnetAttribute(ctx, &ec2.ModifySubnetAttributeInput{SubnetId: sn.SubnetId,
			MapPublicIpOnLaunch: &types.AttributeBooleanValue{Value: aws.Bool(true)}}); err != nil {
			t.Fatal(err)
		}
		_, err = c.ModifySubnetAttribute(ctx, &ec2.ModifySubnetAttributeInput{SubnetId: sn.SubnetId,
			AssignIpv6AddressOnCreation: &types.AttributeBooleanValue{Value: aws.Bool(true)}})
		wantCode(t, err, "InvalidParameterValue")
		_, err = c.ModifySubnetAttribute(ctx, &ec2.ModifySubnetAttributeInput{SubnetId: sn.SubnetId,
			MapPublicIpOnLaunch: &types.AttributeBooleanValue{Value: aws.Bool(true)}, EnableDns64: &types.AttributeBooleanValue{Value: aws.Bool(false)}})
		wantCode(t, err, "InvalidParameterCombination")
		d, err := c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []types.Filter{{Name: aws.String("tag:tier"), Values: []string{"web"}}}})
		if err != nil || len(d.Subnets) != 1 || !aws.ToBool(d.Subnets[0].MapPublicIpOnLaunch) {
			t.Errorf("described %+v %v", d, err)
		}
	})
	t.Run("delete", func(t *testing.T) {
		sn := createSubnet(t, c, id, "10.0.32.0/24")
		// An address of the subnet given out (as RunInstances does) keeps it.
		ip := netip.MustParseAddr("10.0.32.10")
		key := vpc.IPKey(env.Config.Regions[0], id, ip)
		if err := env.Daemon.Store.Txn().Create(key, map[string]string{"instance": "i-0123456789abcdef0"}).Commit(ctx); err != nil {
			t.Fatal(err)
		}
		_, err := c.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: aws.String(sn)})
		wantCode(t, err, "DependencyViolation")
		if err := env.Daemon.Store.Txn().Delete(key, 0).Commit(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := c.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: aws.String(sn)}); err != nil {
			t.Fatal(err)
		}
		_, err = c.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: aws.String(sn)})
		wantCode(t, err, "InvalidSubnetID.NotFound")
		_, err = c.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: aws.String("subnet-zz")})
		wantCode(t, err, "InvalidSubnetID.Malformed")
	})
}

// TestConcurrentSubnets races creates of one range, and associations of one
// subnet with different tables: exactly one of each wins.
func TestConcurrentSubnets(t *testing.T) {
	env := testenv.Start(t)
	c := env.EC2()
	ctx := context.Background()
	id := createVPC(t, c, "10.0.0.0/16")
	race := func(n int, call func(i int) error) map[string]int {
		codes := make(chan string, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				codes <- code(call(i))
			}()
		}
		wg.Wait()
		close(codes)
		out := map[string]int{}
		for c := range codes {
			out[c]++
		}
		return out
	}
	got := race(8, func(int) error {
		_, err := c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: aws.String(id), CidrBlock: aws.String("10.0.0.0/24")})
		return err
	})
	if got[""] != 1 || got["InvalidSubnet.Conflict"] != 7 {
		t.Errorf("concurrent creates: %v", got)
	}
	sns, _ := c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: byVPC(id)})
	sn := aws.ToString(sns.Subnets[0].SubnetId)
	var tables []string
	for range 8 {
		rt, err := c.CreateRouteTable(ctx, &ec2.CreateRouteTableInput{VpcId: aws.String(id)})
		if err != nil {
			t.Fatal(err)
		}
		tables = append(tables, aws.ToString(rt.RouteTable.RouteTableId))
	}
	got = race(8, func(i int) error {
		_, err := c.AssociateRouteTable(ctx, &ec2.AssociateRouteTableInput{RouteTableId: aws.String(tables[i]), SubnetId: aws.String(sn)})
		return err
	})
	if got[""] != 1 || got["Resource.AlreadyAssociated"] != 7 {
		t.Errorf("concurrent associations: %v", got)
	}
}
