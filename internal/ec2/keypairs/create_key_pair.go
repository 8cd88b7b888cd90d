package keypairs

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/awsquery/ec2api"
	"github.com/kumo-cloud/kumo/internal/ec2/resource"
	"github.com/kumo-cloud/kumo/internal/ec2/tags"
	"github.com/kumo-cloud/kumo/internal/sshkey"
)

// CreateKeyPair makes a key pair and returns its private key, which Kumo does not keep.
func (h *Handlers) CreateKeyPair(ctx context.Context, r *api.Request, in *ec2api.CreateKeyPairRequest) (*ec2api.KeyPair, error) {
	name := aws.ToString(in.KeyName)
	if err := validName(name); err != nil {
		return nil, err
	}
	typ := sshkey.Type(aws.ToString(in.KeyType))
	if typ == "" {
		typ = sshkey.RSA
	}
	if typ != sshkey.RSA && typ != sshkey.ED25519 {
		return nil, awserr.InvalidParameterValue("Value (%s) for parameter keyType is invalid. Valid values are rsa, ed25519.", typ)
	}
	format := sshkey.Format(aws.ToString(in.KeyFormat))
	if format == "" {
		format = sshkey.PEM
	}
	if format != sshkey.PEM && format != sshkey.PPK {
		return nil, awserr.InvalidParameterValue("Value (%s) for parameter keyFormat is invalid. Valid values are pem, ppk.", format)
	}
	tagSet, err := tags.ForType(tags.SpecsFromWire(in.TagSpecifications), Kind.Type, Kind.Type)
	if err != nil {
		return nil, err
	}
	kp := &KeyPair{
		Meta: resource.Meta{ID: Kind.NewID(), Account: r.AccountID, Region: r.Region, Tags: tagSet, CreatedAt: r.Now.UTC()},
		Name: name, Type: string(typ),
	}
	if err := authorizeNew(r, in.DryRun, kp); err != nil {
		return nil, err
	}
	gen, err := sshkey.Generate(typ, format, name)
	if errors.Is(err, sshkey.ErrInvalidParameter) {
		return nil, awserr.InvalidParameterValue("%v", err)
	}
	if err != nil {
		return nil, err
	}
	kp.Fingerprint, kp.PublicKey = gen.Fingerprint, gen.PublicKey
	if err := h.save(ctx, kp); err != nil {
		return nil, err
	}
	return &ec2api.KeyPair{
		KeyFingerprint: aws.String(kp.Fingerprint),
		KeyMaterial:    aws.String(gen.PrivateKey),
		KeyName:        aws.String(kp.Name),
		KeyPairId:      aws.String(kp.ID),
		Tags:           tags.ToWire(kp.Tags),
	}, nil
}
