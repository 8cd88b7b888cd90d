package vpc

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awsquery/ec2api"
	"github.com/kumo-cloud/kumo/internal/ec2/tags"
)

// CreateInternetGateway makes an internet gateway, attached to nothing.
func (h *Handlers) CreateInternetGateway(ctx context.Context, r *api.Request, in *ec2api.CreateInternetGatewayRequest) (*ec2api.CreateInternetGatewayResult, error) {
	tagSet, err := tags.ForType(tags.SpecsFromWire(in.TagSpecifications), GatewayKind.Type, GatewayKind.Type)
	if err != nil {
		return nil, err
	}
	if err := authorizeNew(r, in.DryRun, []api.Resource{GatewayKind.New(r.Region, r.AccountID, tagSet)}); err != nil {
		return nil, err
	}
	g := &InternetGateway{Meta: h.VPCs.metaFunc(r.Region, r.AccountID)(GatewayKind)}
	g.Tags = tagSet
	if err := h.VPCs.commit(ctx, h.VPCs.Store.Txn().Create(GatewayKind.Key(r.Region, r.AccountID, g.ID), g)); err != nil {
		return nil, err
	}
	out := gatewayToWire(g)
	return &ec2api.CreateInternetGatewayResult{InternetGateway: &out}, nil
}

func gatewayToWire(g *InternetGateway) ec2api.InternetGateway {
	out := ec2api.InternetGateway{InternetGatewayId: aws.String(g.ID), OwnerId: aws.String(g.Account),
		Tags: tags.ToWire(g.Tags), Attachments: []ec2api.InternetGatewayAttachment{}}
	if g.VPCID != "" {
		out.Attachments = append(out.Attachments, ec2api.InternetGatewayAttachment{State: aws.String("available"), VpcId: aws.String(g.VPCID)})
	}
	return out
}
