package vpc_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awsquery/ec2api"
	"github.com/kumo-cloud/kumo/internal/ec2/platform"
	"github.com/kumo-cloud/kumo/internal/ec2/vpc"
	"github.com/kumo-cloud/kumo/internal/testenv"
)

func routeTable(t *testing.T, c *ec2.Client, id string) types.RouteTable {
	t.Helper()
	out, err := c.DescribeRouteTables(context.Background(), &ec2.DescribeRouteTablesInput{RouteTableIds: []string{id}})
	if err != nil || len(out.RouteTables) != 1 {
		t.Fatalf("describe %s: %+v %v", id, out, err)
	}
	return out.RouteTables[0]
}

func mainTable(t *testing.T, c *ec2.Client, vpcID string) types.RouteTable {
	t.Helper()
	out, err := c.DescribeRouteTables(context.Background(), &ec2.DescribeRouteTablesInput{Filters: append(byVPC(vpcID),
		types.Filter{Name: aws.String("association.main"), Values: []string{"true"}})})
	if err != nil || len(out.RouteTables) != 1 {
		t.Fatalf("main table of %s: %+v %v", vpcID, out, err)
	}
	return out.RouteTables[0]
}

// routeTo returns the route for dst: its target and state ("" if none).
func routeTo(tb types.RouteTable, dst string) (string, types.RouteState) {
	for _, r := range tb.Routes {
		if aws.ToString(r.DestinationCidrBlock) == dst {
			return aws.ToString(r.GatewayId), r.State
		}
	}
	return "", ""
}

func mainAssociation(tb types.RouteTable) string {
	for _, a := range tb.Associations {
		if aws.ToBool(a.Main) {
			return aws.ToString(a.RouteTableAssociationId)
		}
	}
	return ""
}

func service(env *testenv.Env) *vpc.Service {
	return &vpc.Service{Store: env.Daemon.Store, Zones: platform.ServedZones, Now: time.Now}
}

func testRequest(env *testenv.Env) *api.Request {
	return &api.Request{Region: env.Config.Regions[0], AccountID: env.AccountID, Now: time.Now()}
}

func TestRouteTables(t *testing.T) {
	env := testenv.Start(t)
	c := env.EC2()
	ctx := context.Background()
	svc := service(env)
	region := env.Config.Regions[0]
	routed := func(subnet string) bool {
		t.Helper()
		ok, err := svc.InternetRouted(ctx, region, env.AccountID, subnet)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}

	id := createVPC(t, c, "10.0.0.0/16")
	otherVPC := createVPC(t, c, "10.1.0.0/16")
	sn, sn2 := createSubnet(t, c, id, "10.0.1.0/24"), createSubnet(t, c, id, "10.0.2.0/24")
	otherSubnet := createSubnet(t, c, otherVPC, "10.1.1.0/24")
	igw := createGateway(t, c)
	main := mainTable(t, c, id)
	mainID := aws.ToString(main.RouteTableId)
	rt, err := c.CreateRouteTable(ctx, &ec2.CreateRouteTableInput{VpcId: aws.String(id), ClientToken: aws.String("tok-1")})
	if err != nil {
		t.Fatal(err)
	}
	pub := aws.ToString(rt.RouteTable.RouteTableId)
	if len(rt.RouteTable.Routes) != 1 || len(rt.RouteTable.Associations) != 0 {
		t.Errorf("new table %+v", rt.RouteTable)
	}
	again, err := c.CreateRouteTable(ctx, &ec2.CreateRouteTableInput{VpcId: aws.String(id), ClientToken: aws.String("tok-1")})
	if err != nil || aws.ToString(again.RouteTable.RouteTableId) != pub {
		t.Errorf("retry with the same token: %+v %v", again, err)
	}
	route := func(dst, gw string) *ec2.CreateRouteInput {
		return &ec2.CreateRouteInput{RouteTableId: aws.String(pub), DestinationCidrBlock: aws.String(dst), GatewayId: aws.String(gw)}
	}

	t.Run("create route errors", func(t *testing.T) {
		tests := []struct {
			name string
			in   *ec2.CreateRouteInput
			code string
		}{
			{"gateway not attached", route("0.0.0.0/0", igw), "InvalidParameterValue"},
			{"unknown gateway", route("0.0.0.0/0", "igw-0123456789abcdef0"), "InvalidGatewayID.NotFound"},
			{"bad cidr", route("0.0.0/0", igw), "InvalidParameterValue"},
			{"local route's range", route("10.0.0.0/16", igw), "RouteAlreadyExists"},
			{"inside the VPC", route("10.0.5.0/24", igw), "InvalidParameterValue"},
			{"unknown table", &ec2.CreateRouteInput{RouteTableId: aws.String("rtb-0123456789abcdef0"), DestinationCidrBlock: aws.String("0.0.0.0/0"), GatewayId: aws.String(igw)}, "InvalidRouteTableID.NotFound"},
			{"no target", &ec2.CreateRouteInput{RouteTableId: aws.String(pub), DestinationCidrBlock: aws.String("0.0.0.0/0")}, "MissingParameter"},
			{"nat target", &ec2.CreateRouteInput{RouteTableId: aws.String(pub), DestinationCidrBlock: aws.String("0.0.0.0/0"), NatGatewayId: aws.String("nat-0123456789abcdef0")}, "InvalidParameterValue"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := c.CreateRoute(ctx, tt.in)
				wantCode(t, err, tt.code)
			})
		}
	})
	attach(t, c, igw, id)
	t.Run("routes", func(t *testing.T) {
		if _, err := c.CreateRoute(ctx, route("0.0.0.0/0", igw)); err != nil {
			t.Fatal(err)
		}
		_, err := c.CreateRoute(ctx, route("0.0.0.0/0", igw))
		wantCode(t, err, "RouteAlreadyExists")
		if _, err := c.CreateRoute(ctx, route("192.0.2.0/24", igw)); err != nil {
			t.Fatal(err)
		}
		if g, st := routeTo(routeTable(t, c, pub), "0.0.0.0/0"); g != igw || st != types.RouteStateActive {
			t.Errorf("route %s %s", g, st)
		}
		_, err = c.DeleteRoute(ctx, &ec2.DeleteRouteInput{RouteTableId: aws.String(pub), DestinationCidrBlock: aws.String("10.0.0.0/16")})
		wantCode(t, err, "InvalidParameterValue")
		_, err = c.DeleteRoute(ctx, &ec2.DeleteRouteInput{RouteTableId: aws.String(pub), DestinationCidrBlock: aws.String("198.51.100.0/24")})
		wantCode(t, err, "InvalidRoute.NotFound")
		if _, err := c.DeleteRoute(ctx, &ec2.DeleteRouteInput{RouteTableId: aws.String(pub), DestinationCidrBlock: aws.String("192.0.2.0/24")}); err != nil {
			t.Fatal(err)
		}
		_, err = c.ReplaceRoute(ctx, &ec2.ReplaceRouteInput{RouteTableId: aws.String(pub), DestinationCidrBlock: aws.String("192.0.2.0/24"), GatewayId: aws.String(igw)})
		wantCode(t, err, "InvalidParameterValue")
		_, err = c.ReplaceRoute(ctx, &ec2.ReplaceRouteInput{RouteTableId: aws.String(pub), DestinationCidrBlock: aws.String("10.0.0.0/16"), GatewayId: aws.String(igw)})
		wantCode(t, err, "InvalidParameterValue")
		if _, err := c.ReplaceRoute(ctx, &ec2.ReplaceRouteInput{RouteTableId: aws.String(pub), DestinationCidrBlock: aws.String("0.0.0.0/0"), GatewayId: aws.String(igw)}); err != nil {
			t.Fatal(err)
		}
		f, err := c.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: []types.Filter{
			{Name: aws.String("route.gateway-id"), Values: []string{igw}}, {Name: aws.String("route.destination-cidr-block"), Values: []string{"0.0.0.0/0"}}}})
		if err != nil || len(f.RouteTables) != 1 || aws.ToString(f.RouteTables[0].RouteTableId) != pub {
			t.Errorf("route filters: %+v %v", f, err)
		}
	})
	t.Run("associations", func(t *testing.T) {
		if routed(sn) {
			t.Error("subnet on the main table (no default route) is internet routed")
		}
		as, err := c.AssociateRouteTable(ctx, &ec2.AssociateRouteTableInput{RouteTableId: aws.String(pub), SubnetId: aws.String(sn)})
		if err != nil || as.AssociationState.State != types.RouteTableAssociationStateCodeAssociated {
			t.Fatal(as, err)
		}
		assoc := aws.ToString(as.AssociationId)
		if !routed(sn) || routed(sn2) {
			t.Error("only the associated subnet should be internet routed")
		}
		_, err = c.AssociateRouteTable(ctx, &ec2.AssociateRouteTableInput{RouteTableId: aws.String(mainID), SubnetId: aws.String(sn)})
		wantCode(t, err, "Resource.AlreadyAssociated")
		_, err = c.AssociateRouteTable(ctx, &ec2.AssociateRouteTableInput{RouteTableId: aws.String(pub), SubnetId: aws.String(otherSubnet)})
		wantCode(t, err, "InvalidParameterValue")
		_, err = c.DeleteRouteTable(ctx, &ec2.DeleteRouteTableInput{RouteTableId: aws.String(pub)})
		wantCode(t, err, "DependencyViolation")
		f, err := c.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: []types.Filter{{Name: aws.String("association.subnet-id"), Values: []string{sn}}}})
		if err != nil || len(f.RouteTables) != 1 || aws.ToString(f.RouteTables[0].RouteTableId) != pub {
			t.Errorf("association filter: %+v %v", f, err)
		}

		// Back to the main table under a new association id, then off again.
		rep, err := c.ReplaceRouteTableAssociation(ctx, &ec2.ReplaceRouteTableAssociationInput{AssociationId: aws.String(assoc), RouteTableId: aws.String(mainID)})
		if err != nil || aws.ToString(rep.NewAssociationId) == assoc {
			t.Fatal(rep, err)
		}
		if routed(sn) {
			t.Error("subnet moved to the main table is still internet routed")
		}
		_, err = c.DisassociateRouteTable(ctx, &ec2.DisassociateRouteTableInput{AssociationId: aws.String(assoc)})
		wantCode(t, err, "InvalidAssociationID.NotFound")
		if _, err := c.DisassociateRouteTable(ctx, &ec2.DisassociateRouteTableInput{AssociationId: rep.NewAssociationId}); err != nil {
			t.Fatal(err)
		}
		_, err = c.DisassociateRouteTable(ctx, &ec2.DisassociateRouteTableInput{AssociationId: aws.String(mainAssociation(main))})
		wantCode(t, err, "InvalidParameterValue")
		_, err = c.DisassociateRouteTable(ctx, &ec2.DisassociateRouteTableInput{AssociationId: aws.String("rtbassoc-x")})
		wantCode(t, err, "InvalidAssociationID.Malformed")
	})
	t.Run("main moves", func(t *testing.T) {
		_, err := c.DeleteRouteTable(ctx, &ec2.DeleteRouteTableInput{RouteTableId: aws.String(mainID)})
		wantCode(t, err, "DependencyViolation")
		rep, err := c.ReplaceRouteTableAssociation(ctx, &ec2.ReplaceRouteTableAssociationInput{
			AssociationId: aws.String(mainAssociation(main)), RouteTableId: aws.String(pub)})
		if err != nil {
			t.Fatal(err)
		}
		if now := mainTable(t, c, id); aws.ToString(now.RouteTableId) != pub || mainAssociation(now) != aws.ToString(rep.NewAssociationId) {
			t.Errorf("main table now %+v", now)
		}
		if !routed(sn) || !routed(sn2) {
			t.Error("subnets without an association follow the main table")
		}
		if _, err := c.DeleteRouteTable(ctx, &ec2.DeleteRouteTableInput{RouteTableId: aws.String(mainID)}); err != nil {
			t.Fatalf("old main table: %v", err)
		}
	})
	t.Run("blackhole after detach", func(t *testing.T) {
		if _, err := c.DetachInternetGateway(ctx, &ec2.DetachInternetGatewayInput{InternetGatewayId: aws.String(igw), VpcId: aws.String(id)}); err != nil {
			t.Fatal(err)
		}
		if _, st := routeTo(routeTable(t, c, pub), "0.0.0.0/0"); st != types.RouteStateBlackhole {
			t.Errorf("route state %s", st)
		}
		if routed(sn) {
			t.Error("routed through a detached gateway")
		}
		f, err := c.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: []types.Filter{{Name: aws.String("route.state"), Values: []string{"blackhole"}}}})
		if err != nil || len(f.RouteTables) != 1 {
			t.Errorf("blackhole filter: %+v %v", f, err)
		}
		if _, err := c.DeleteInternetGateway(ctx, &ec2.DeleteInternetGatewayInput{InternetGatewayId: aws.String(igw)}); err != nil {
			t.Fatal(err)
		}
		if g, st := routeTo(routeTable(t, c, pub), "0.0.0.0/0"); g != igw || st != types.RouteStateBlackhole {
			t.Errorf("route to a deleted gateway: %s %s", g, st)
		}
	})
	t.Run("subnet deleted with its association", func(t *testing.T) {
		if _, err := c.AssociateRouteTable(ctx, &ec2.AssociateRouteTableInput{RouteTableId: aws.String(pub), SubnetId: aws.String(sn2)}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: aws.String(sn2)}); err != nil {
			t.Fatal(err)
		}
		if tb := routeTable(t, c, pub); len(tb.Associations) != 1 || !aws.ToBool(tb.Associations[0].Main) {
			t.Errorf("associations %+v", tb.Associations)
		}
	})
}

func TestNetworkIsolation(t *testing.T) {
	env := testenv.Start(t)
	ctx := context.Background()
	_, keyB, err := env.Daemon.Accounts.Create(ctx, "tenant-b", false, nil)
	if err != nil {
		t.Fatal(err)
	}
	a, b := env.EC2(), env.EC2As(keyB.ID, keyB.Secret)
	id := createVPC(t, a, "10.0.0.0/16")
	sn := createSubnet(t, a, id, "10.0.0.0/24")
	igw := createGateway(t, a)
	rtb := aws.ToString(mainTable(t, a, id).RouteTableId)

	_, err = b.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{VpcIds: []string{id}})
	wantCode(t, err, "InvalidVpcID.NotFound")
	_, err = b.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: aws.String(id)})
	wantCode(t, err, "InvalidVpcID.NotFound")
	_, err = b.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: aws.String(id), CidrBlock: aws.String("10.0.1.0/24")})
	wantCode(t, err, "InvalidVpcID.NotFound")
	_, err = b.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: aws.String(sn)})
	wantCode(t, err, "InvalidSubnetID.NotFound")
	_, err = b.DescribeInternetGateways(ctx, &ec2.DescribeInternetGatewaysInput{InternetGatewayIds: []string{igw}})
	wantCode(t, err, "InvalidInternetGatewayID.NotFound")
	bVPC := createVPC(t, b, "10.0.0.0/16")
	_, err = b.AttachInternetGateway(ctx, &ec2.AttachInternetGatewayInput{InternetGatewayId: aws.String(igw), VpcId: aws.String(bVPC)})
	wantCode(t, err, "InvalidInternetGatewayID.NotFound")
	_, err = b.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{RouteTableIds: []string{rtb}})
	wantCode(t, err, "InvalidRouteTableID.NotFound")
	_, err = b.CreateRoute(ctx, &ec2.CreateRouteInput{RouteTableId: aws.String(rtb), DestinationCidrBlock: aws.String("0.0.0.0/0"), GatewayId: aws.String(igw)})
	wantCode(t, err, "InvalidRouteTableID.NotFound")
	mine, err := b.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{})
	if err != nil || len(mine.RouteTables) != 2 { // B's default VPC's main table and bVPC's
		t.Errorf("B's tables: %+v %v", mine, err)
	}
}

// TestChanged checks that mutations wake the host agent and reads do not.
func TestChanged(t *testing.T) {
	env := testenv.Start(t)
	ctx := context.Background()
	calls := 0
	svc := service(env)
	svc.Changed = func() { calls++ }
	h := &vpc.Handlers{VPCs: svc}
	r := testRequest(env)
	if _, err := svc.EnsureDefault(ctx, r.Region, r.AccountID); err != nil {
		t.Fatal(err)
	}
	calls = 0
	v, err := h.CreateVpc(ctx, r, &ec2api.CreateVpcRequest{CidrBlock: aws.String("10.0.0.0/16")})
	if err != nil {
		t.Fatal(err)
	}
	g, err := h.CreateInternetGateway(ctx, r, &ec2api.CreateInternetGatewayRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.AttachInternetGateway(ctx, r, &ec2api.AttachInternetGatewayRequest{InternetGatewayId: g.InternetGateway.InternetGatewayId, VpcId: v.Vpc.VpcId}); err != nil {
		t.Fatal(err)
	}
	sg, err := h.CreateSecurityGroup(ctx, r, &ec2api.CreateSecurityGroupRequest{GroupName: aws.String("g"), Description: aws.String("g"), VpcId: v.Vpc.VpcId})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.AuthorizeSecurityGroupIngress(ctx, r, &ec2api.AuthorizeSecurityGroupIngressRequest{GroupId: sg.GroupId,
		IpProtocol: aws.String("tcp"), FromPort: aws.Int32(22), ToPort: aws.Int32(22), CidrIp: aws.String("0.0.0.0/0")}); err != nil {
		t.Fatal(err)
	}
	if calls != 5 {
		t.Errorf("5 mutations woke the agent %d times", calls)
	}
	if _, err := h.DescribeRouteTables(ctx, r, &ec2api.DescribeRouteTablesRequest{}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.AttachInternetGateway(ctx, r, &ec2api.AttachInternetGatewayRequest{InternetGatewayId: g.InternetGateway.InternetGatewayId, VpcId: v.Vpc.VpcId}); err == nil {
		t.Fatal("attached twice")
	}
	if calls != 5 {
		t.Errorf("a read and a failed call woke the agent: %d", calls)
	}
}
