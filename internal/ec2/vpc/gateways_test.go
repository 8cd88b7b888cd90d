package vpc_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/kumo-cloud/kumo/internal/testenv"
)

func createGateway(t *testing.T, c *ec2.Client) string {
	t.Helper()
	out, err := c.CreateInternetGateway(context.Background(), &ec2.CreateInternetGatewayInput{})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.InternetGateway.InternetGatewayId)
}

func attach(t *testing.T, c *ec2.Client, igw, vpcID string) {
	t.Helper()
	if _, err := c.AttachInternetGateway(context.Background(), &ec2.AttachInternetGatewayInput{InternetGatewayId: aws.String(igw), VpcId: aws.String(vpcID)}); err != nil {
		t.Fatalf("attach %s to %s: %v", igw, vpcID, err)
	}
}

func gatewayOf(t *testing.T, c *ec2.Client, id string) types.InternetGateway {
	t.Helper()
	out, err := c.DescribeInternetGateways(context.Background(), &ec2.DescribeInternetGatewaysInput{InternetGatewayIds: []string{id}})
	if err != nil || len(out.InternetGateways) != 1 {
		t.Fatalf("describe %s: %+v %v", id, out, err)
	}
	return out.InternetGateways[0]
}

func TestInternetGateways(t *testing.T) {
	env := testenv.Start(t)
	c := env.EC2()
	ctx := context.Background()
	a, b := createVPC(t, c, "10.0.0.0/16"), createVPC(t, c, "10.1.0.0/16")

	out, err := c.CreateInternetGateway(ctx, &ec2.CreateInternetGatewayInput{TagSpecifications: []types.TagSpecification{{
		ResourceType: types.ResourceTypeInternetGateway, Tags: []types.Tag{{Key: aws.String("Name"), Value: aws.String("gw")}}}}})
	if err != nil {
		t.Fatal(err)
	}
	igw := aws.ToString(out.InternetGateway.InternetGatewayId)
	if len(out.InternetGateway.Attachments) != 0 || len(out.InternetGateway.Tags) != 1 || aws.ToString(out.InternetGateway.OwnerId) != env.AccountID {
		t.Errorf("created %+v", out.InternetGateway)
	}
	second := createGateway(t, c)
	attachIn := func(g, v string) *ec2.AttachInternetGatewayInput {
		return &ec2.AttachInternetGatewayInput{InternetGatewayId: aws.String(g), VpcId: aws.String(v)}
	}
	detachIn := func(g, v string) *ec2.DetachInternetGatewayInput {
		return &ec2.DetachInternetGatewayInput{InternetGatewayId: aws.String(g), VpcId: aws.String(v)}
	}

	t.Run("attach", func(t *testing.T) {
		attach(t, c, igw, a)
		g := gatewayOf(t, c, igw)
		if len(g.Attachments) != 1 || aws.ToString(g.Attachments[0].VpcId) != a || g.Attachments[0].State != types.AttachmentStatus("available") {
			t.Errorf("attachments %+v", g.Attachments)
		}
		tests := []struct {
			name string
			in   *ec2.AttachInternetGatewayInput
			code string
		}{
			{"again", attachIn(igw, a), "Resource.AlreadyAssociated"},
			{"elsewhere", attachIn(igw, b), "Resource.AlreadyAssociated"},
			{"VPC has one", attachIn(second, a), "InvalidParameterValue"},
			{"unknown gateway", attachIn("igw-0123456789abcdef0", b), "InvalidInternetGatewayID.NotFound"},
			{"malformed gateway", attachIn("igw-?", b), "InvalidInternetGatewayID.Malformed"},
			{"unknown VPC", attachIn(second, "vpc-0123456789abcdef0"), "InvalidVpcID.NotFound"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := c.AttachInternetGateway(ctx, tt.in)
				wantCode(t, err, tt.code)
			})
		}
	})
	t.Run("filters", func(t *testing.T) {
		for _, f := range []types.Filter{
			{Name: aws.String("attachment.vpc-id"), Values: []string{a}},
			{Name: aws.String("attachment.state"), Values: []string{"availab?e"}}, // and the default VPC's
			{Name: aws.String("tag:Name"), Values: []string{"gw"}},
			{Name: aws.String("internet-gateway-id"), Values: []string{igw}},
		} {
			out, err := c.DescribeInternetGateways(ctx, &ec2.DescribeInternetGatewaysInput{Filters: []types.Filter{f,
				{Name: aws.String("owner-id"), Values: []string{env.AccountID}}}})
			want := 1
			if aws.ToString(f.Name) == "attachment.state" {
				want = 2
			}
			if err != nil || len(out.InternetGateways) != want || aws.ToString(out.InternetGateways[0].InternetGatewayId) != igw &&
				aws.ToString(out.InternetGateways[want-1].InternetGatewayId) != igw {
				t.Errorf("filter %s: %+v %v", aws.ToString(f.Name), out, err)
			}
		}
		_, err := c.DescribeInternetGateways(ctx, &ec2.DescribeInternetGatewaysInput{Filters: []types.Filter{{Name: aws.String("vpc-id"), Values: []string{a}}}})
		wantCode(t, err, "InvalidParameterValue")
	})
	t.Run("delete attached", func(t *testing.T) {
		_, err := c.DeleteInternetGateway(ctx, &ec2.DeleteInternetGatewayInput{InternetGatewayId: aws.String(igw)})
		wantCode(t, err, "DependencyViolation")
	})
	t.Run("detach", func(t *testing.T) {
		_, err := c.DetachInternetGateway(ctx, detachIn(igw, b))
		wantCode(t, err, "Gateway.NotAttached")
		_, err = c.DetachInternetGateway(ctx, detachIn(second, a))
		wantCode(t, err, "Gateway.NotAttached")
		if _, err := c.DetachInternetGateway(ctx, detachIn(igw, a)); err != nil {
			t.Fatal(err)
		}
		if g := gatewayOf(t, c, igw); len(g.Attachments) != 0 {
			t.Errorf("still attached: %+v", g.Attachments)
		}
		_, err = c.DetachInternetGateway(ctx, detachIn(igw, a))
		wantCode(t, err, "Gateway.NotAttached")
		attach(t, c, igw, b) // free to go elsewhere now
		attach(t, c, second, a)
	})
	t.Run("delete", func(t *testing.T) {
		third := createGateway(t, c)
		if _, err := c.DeleteInternetGateway(ctx, &ec2.DeleteInternetGatewayInput{InternetGatewayId: aws.String(third)}); err != nil {
			t.Fatal(err)
		}
		_, err := c.DeleteInternetGateway(ctx, &ec2.DeleteInternetGatewayInput{InternetGatewayId: aws.String(third)})
		wantCode(t, err, "InvalidInternetGatewayID.NotFound")
		_, err = c.DescribeInternetGateways(ctx, &ec2.DescribeInternetGatewaysInput{InternetGatewayIds: []string{third}})
		wantCode(t, err, "InvalidInternetGatewayID.NotFound")
	})
	t.Run("tags", func(t *testing.T) {
		if _, err := c.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{second}, Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}}); err != nil {
			t.Fatal(err)
		}
		if g := gatewayOf(t, c, second); len(g.Tags) != 1 {
			t.Errorf("tags %+v", g.Tags)
		}
	})
}
