package keypairs

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/awsquery/ec2api"
	"github.com/kumo-cloud/kumo/internal/ec2/resource"
	"github.com/kumo-cloud/kumo/internal/ec2/tags"
	"github.com/kumo-cloud/kumo/internal/sshkey"
)

// ImportKeyPair registers a public key made elsewhere.
func (h *Handlers) ImportKeyPair(ctx context.Context, r *api.Request, in *ec2api.ImportKeyPairRequest) (*ec2api.ImportKeyPairResult, error) {
	name := aws.ToString(in.KeyName)
	if err := validName(name); err != nil {
		return nil, err
	}
	imp, err := sshkey.ParsePublic(in.PublicKeyMaterial)
	if err != nil {
		return nil, awserr.BadRequest("InvalidKey.Format", "Key is not in valid OpenSSH public key format")
	}
	tagSet, err := tags.ForType(tags.SpecsFromWire(in.TagSpecifications), Kind.Type, Kind.Type)
	if err != nil {
		return nil, err
	}
	kp := &KeyPair{
		Meta: resource.Meta{ID: Kind.NewID(), Account: r.AccountID, Region: r.Region, Tags: tagSet, CreatedAt: r.Now.UTC()},
		Name: name, Type: string(imp.Type), Fingerprint: imp.Fingerprint, PublicKey: imp.PublicKey,
	}
	if err := authorizeNew(r, in.DryRun, kp); err != nil {
		return nil, err
	}
	if err := h.save(ctx, kp); err != nil {
		return nil, err
	}
	return &ec2api.ImportKeyPairResult{
		KeyFingerprint: aws.String(kp.Fingerprint),
		KeyName:        aws.String(kp.Name),
		KeyPairId:      aws.String(kp.ID),
		Tags:           tags.ToWire(kp.Tags),
	}, nil
}
