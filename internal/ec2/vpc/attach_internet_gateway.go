package vpc

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/awsquery"
	"github.com/kumo-cloud/kumo/internal/awsquery/ec2api"
	"github.com/kumo-cloud/kumo/internal/store"
)

// AttachInternetGateway attaches a gateway to a VPC. A gateway serves one VPC
// and a VPC has at most one gateway; the attachment is written to both
// records in one transaction.
func (h *Handlers) AttachInternetGateway(ctx context.Context, r *api.Request, in *ec2api.AttachInternetGatewayRequest) (*awsquery.Empty, error) {
	gid, vid, err := gatewayAndVPC(in.InternetGatewayId, in.VpcId)
	if err != nil {
		return nil, err
	}
	if err := h.authorizeAttachment(ctx, r, in.DryRun, gid, vid); err != nil {
		return nil, err
	}
	err = h.VPCs.updateAttachment(ctx, r.Region, r.AccountID, gid, vid, func(g *InternetGateway, v *VPC) error {
		if g.VPCID != "" {
			return awserr.BadRequest("Resource.AlreadyAssociated", "resource %s is already attached to network %s", g.ID, g.VPCID)
		}
		if v.InternetGatewayID != "" {
			return awserr.InvalidParameterValue("Network %s already has an internet gateway attached", v.ID)
		}
		g.VPCID, v.InternetGatewayID = v.ID, g.ID
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &awsquery.Empty{}, nil
}

// DetachInternetGateway detaches a gateway from its VPC. Routes to it become
// blackholes. As on AWS, it fails while instances of the VPC have public
// addresses, which would become unreachable.
func (h *Handlers) DetachInternetGateway(ctx context.Context, r *api.Request, in *ec2api.DetachInternetGatewayRequest) (*awsquery.Empty, error) {
	gid, vid, err := gatewayAndVPC(in.InternetGatewayId, in.VpcId)
	if err != nil {
		return nil, err
	}
	if err := h.authorizeAttachment(ctx, r, in.DryRun, gid, vid); err != nil {
		return nil, err
	}
	err = h.VPCs.updateAttachment(ctx, r.Region, r.AccountID, gid, vid, func(g *InternetGateway, v *VPC) error {
		if g.VPCID != v.ID {
			return awserr.BadRequest("Gateway.NotAttached", "resource %s is not attached to network %s", g.ID, v.ID)
		}
		mapped, err := h.VPCs.publicAddressesMapped(ctx, v)
		if err != nil {
			return err
		}
		if mapped {
			return awserr.BadRequest("DependencyViolation", "Network %s has some mapped public address(es). Please unmap those public address(es) before detaching the gateway.", v.ID)
		}
		g.VPCID, v.InternetGatewayID = "", ""
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &awsquery.Empty{}, nil
}

// authorizeAttachment authorizes attaching or detaching a gateway and a
// VPC, on both.
func (h *Handlers) authorizeAttachment(ctx context.Context, r *api.Request, dryRun *bool, gid, vid string) error {
	g, err := h.VPCs.GetGateway(ctx, r.Region, r.AccountID, gid)
	if err != nil {
		return err
	}
	v, err := h.VPCs.GetVPC(ctx, r.Region, r.AccountID, vid)
	if err != nil {
		return err
	}
	return r.AuthorizeOn(dryRun, g.authz(), v.Authz())
}

func gatewayAndVPC(gatewayID, vpcID *string) (string, string, error) {
	gid, vid := aws.ToString(gatewayID), aws.ToString(vpcID)
	if !GatewayKind.ValidID(gid) {
		return "", "", awserr.BadRequest(GatewayKind.Malformed, "Invalid id: \"%s\"", gid)
	}
	if !VPCKind.ValidID(vid) {
		return "", "", awserr.BadRequest(VPCKind.Malformed, "Invalid id: \"%s\"", vid)
	}
	return gid, vid, nil
}

// updateAttachment applies change to a gateway and a VPC and writes both on
// the revisions it read.
func (s *Service) updateAttachment(ctx context.Context, region, account, gid, vid string, change func(*InternetGateway, *VPC) error) error {
	return retry(func() error {
		g, grev, err := getRev[InternetGateway](ctx, s.Store, GatewayKind, region, account, gid)
		if err != nil {
			return err
		}
		v, vrev, err := getRev[VPC](ctx, s.Store, VPCKind, region, account, vid)
		if err != nil {
			return err
		}
		if err := change(g, v); err != nil {
			return err
		}
		return s.commit(ctx, s.Store.Txn().
			Update(GatewayKind.Key(region, account, gid), grev, g).
			Update(VPCKind.Key(region, account, vid), vrev, v))
	})
}

// instanceAddress is the part of an instance record (package instances, which
// imports this one) that says whether it has a public address in a VPC.
type instanceAddress struct {
	State    string `json:"state"`
	VPCID    string `json:"vpcId"`
	PublicIP string `json:"publicIp"`
}

// publicAddressesMapped reports whether an instance of the VPC that is not
// terminated has a public address.
func (s *Service) publicAddressesMapped(ctx context.Context, v *VPC) (bool, error) {
	found := false
	err := s.Store.List(ctx, store.Key("instance", v.Region, v.Account)+"/", "", func(it store.Item) (bool, error) {
		var in instanceAddress
		if err := json.Unmarshal(it.Value, &in); err != nil {
			return false, fmt.Errorf("decode %s: %w", it.Key, err)
		}
		if in.VPCID == v.ID && in.PublicIP != "" && in.State != "terminated" {
			found = true
			return false, nil
		}
		return true, nil
	})
	return found, err
}
