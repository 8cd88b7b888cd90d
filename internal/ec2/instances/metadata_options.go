package instances

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awsquery/ec2api"
)

// ModifyInstanceMetadataOptions changes the IMDS settings of an instance; the
// metadata service applies them to the next request.
func (h *Handlers) ModifyInstanceMetadataOptions(ctx context.Context, r *api.Request, in *ec2api.ModifyInstanceMetadataOptionsRequest) (*ec2api.ModifyInstanceMetadataOptionsResult, error) {
	id := aws.ToString(in.InstanceId)
	if err := checkID(id); err != nil {
		return nil, err
	}
	var opts MetadataOptions
	req := &ec2api.InstanceMetadataOptionsRequest{HttpTokens: in.HttpTokens, HttpPutResponseHopLimit: in.HttpPutResponseHopLimit,
		HttpEndpoint: in.HttpEndpoint, InstanceMetadataTags: in.InstanceMetadataTags}
	if err := metadataOptions(req, &opts); err != nil { // validates the values
		return nil, err
	}
	inst, _, err := h.Instances.Get(ctx, r.Region, r.AccountID, id)
	if err != nil {
		return nil, err
	}
	if inst.State == Terminated {
		return nil, incorrectState(inst, "modified")
	}
	if err := r.AuthorizeOn(in.DryRun, inst.authz()); err != nil {
		return nil, err
	}
	inst, err = h.Instances.Update(ctx, r.Region, r.AccountID, id, func(i *Instance) error {
		if in.HttpTokens != nil {
			i.Metadata.HTTPTokens = *in.HttpTokens
		}
		if in.HttpPutResponseHopLimit != nil {
			i.Metadata.HopLimit = *in.HttpPutResponseHopLimit
		}
		if in.HttpEndpoint != nil {
			i.Metadata.HTTPEndpoint = *in.HttpEndpoint
		}
		if in.InstanceMetadataTags != nil {
			i.Metadata.Tags = *in.InstanceMetadataTags
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	h.kick()
	w := h.wire(inst, r.Now)
	w.MetadataOptions.State = aws.String("pending")
	return &ec2api.ModifyInstanceMetadataOptionsResult{InstanceId: aws.String(id), InstanceMetadataOptions: w.MetadataOptions}, nil
}
