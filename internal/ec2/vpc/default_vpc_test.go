package vpc_test

import (
	"context"
	"fmt"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/kumo-cloud/kumo/internal/ec2/resource"
	"github.com/kumo-cloud/kumo/internal/ec2/vpc"
	"github.com/kumo-cloud/kumo/internal/store"
	"github.com/kumo-cloud/kumo/internal/testenv"
)

func TestDefaultVPCRouting(t *testing.T) {
	env := testenv.Start(t)
	c := env.EC2()
	ctx := context.Background()
	def, err := c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{})
	if err != nil || len(def.Vpcs) != 1 {
		t.Fatal(def, err)
	}
	id := aws.ToString(def.Vpcs[0].VpcId)
	igws, err := c.DescribeInternetGateways(ctx, &ec2.DescribeInternetGatewaysInput{})
	if err != nil || len(igws.InternetGateways) != 1 || len(igws.InternetGateways[0].Attachments) != 1 ||
		aws.ToString(igws.InternetGateways[0].Attachments[0].VpcId) != id {
		t.Fatalf("gateways %+v %v", igws, err)
	}
	igw := aws.ToString(igws.InternetGateways[0].InternetGatewayId)
	tb := mainTable(t, c, id)
	if g, st := routeTo(tb, "172.31.0.0/16"); g != "local" || st != types.RouteStateActive {
		t.Errorf("local route %s %s", g, st)
	}
	if g, st := routeTo(tb, "0.0.0.0/0"); g != igw || st != types.RouteStateActive {
		t.Errorf("default route %s %s", g, st)
	}
	if !vpcAttr(t, c, id, types.VpcAttributeNameEnableDnsHostnames) || !vpcAttr(t, c, id, types.VpcAttributeNameEnableDnsSupport) {
		t.Error("default VPC: want DNS support and hostnames")
	}
	sns, _ := c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{})
	for _, sn := range sns.Subnets {
		ok, err := service(env).InternetRouted(ctx, env.Config.Regions[0], env.AccountID, aws.ToString(sn.SubnetId))
		if err != nil || !ok {
			t.Errorf("default subnet %s: internet routed %v %v", aws.ToString(sn.SubnetId), ok, err)
		}
	}
}

// TestUpgradeDefaultVPC writes a default VPC as versions before route tables
// did and checks that concurrent first uses give it exactly one internet
// gateway and one main route table.
func TestUpgradeDefaultVPC(t *testing.T) {
	env := testenv.Start(t)
	ctx := context.Background()
	acct, key, err := env.Daemon.Accounts.Create(ctx, "old", false, nil)
	if err != nil {
		t.Fatal(err)
	}
	region, svc := env.Config.Regions[0], service(env)
	meta := func(k resource.Kind) resource.Meta {
		return resource.Meta{ID: k.NewID(), Account: acct.ID, Region: region, CreatedAt: time.Now()}
	}
	v := &vpc.VPC{Meta: meta(vpc.VPCKind), CIDR: vpc.DefaultCIDR, IsDefault: true, InstanceTenancy: "default",
		DNSSupport: true, DNSHostnames: true, DHCPOptionsID: "dopt-0123456789abcdef0"}
	sn := &vpc.Subnet{Meta: meta(vpc.SubnetKind), VPCID: v.ID, CIDR: netip.MustParsePrefix("172.31.0.0/20"),
		AvailabilityZone: "us-east-1a", AvailabilityZoneID: "use1-az1", DefaultForAZ: true, MapPublicIPOnLaunch: true}
	err = env.Daemon.Store.Txn().
		Create(store.Key("defaultvpc", region, acct.ID), map[string]string{"vpcId": v.ID}).
		Create(vpc.VPCKind.Key(region, acct.ID, v.ID), v).
		Create(vpc.SubnetKind.Key(region, acct.ID, sn.ID), sn).Commit(ctx)
	if err != nil {
		t.Fatal(err)
	}

	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i%2 == 0 {
				_, err := svc.EnsureDefault(ctx, region, acct.ID)
				errs <- err
				return
			}
			ok, err := svc.InternetRouted(ctx, region, acct.ID, sn.ID)
			if err == nil && !ok {
				err = fmt.Errorf("default subnet not internet routed")
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	c := env.EC2As(key.ID, key.Secret)
	igws, err := c.DescribeInternetGateways(ctx, &ec2.DescribeInternetGatewaysInput{})
	if err != nil || len(igws.InternetGateways) != 1 {
		t.Fatalf("gateways %+v %v", igws, err)
	}
	tables, err := c.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{})
	if err != nil || len(tables.RouteTables) != 1 {
		t.Fatalf("tables %+v %v", tables, err)
	}
	if g, st := routeTo(tables.RouteTables[0], "0.0.0.0/0"); g != aws.ToString(igws.InternetGateways[0].InternetGatewayId) || st != types.RouteStateActive {
		t.Errorf("default route %s %s", g, st)
	}
}
