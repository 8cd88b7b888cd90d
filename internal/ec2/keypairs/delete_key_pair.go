package keypairs

import (
	"cmp"
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/awsquery/ec2api"
	"github.com/kumo-cloud/kumo/internal/store"
)

// DeleteKeyPair deletes a key pair by name or id. Deleting one that does not
// exist succeeds, as on AWS.
func (h *Handlers) DeleteKeyPair(ctx context.Context, r *api.Request, in *ec2api.DeleteKeyPairRequest) (*ec2api.DeleteKeyPairResult, error) {
	name, id := aws.ToString(in.KeyName), aws.ToString(in.KeyPairId)
	if name == "" && id == "" {
		return nil, awserr.MissingParameter("KeyName or KeyPairId")
	}
	if id != "" && !Kind.ValidID(id) {
		return nil, awserr.BadRequest(Kind.Malformed, "Invalid id: \"%s\" (expecting \"key-...\")", id)
	}
	for {
		var kp *KeyPair
		var rev int64
		var err error
		if id != "" {
			kp, rev, err = h.byID(ctx, r.Region, r.AccountID, id)
		} else {
			kp, rev, err = h.byName(ctx, r.Region, r.AccountID, name)
		}
		if err != nil {
			return nil, err
		}
		if kp == nil || (name != "" && kp.Name != name) {
			// Nothing to delete, which succeeds, if the caller may delete
			// a key of that name.
			if err := r.AuthorizeOn(in.DryRun, Kind.Authz(r.Region, r.AccountID, cmp.Or(name, "*"), nil)); err != nil {
				return nil, err
			}
			return &ec2api.DeleteKeyPairResult{Return: aws.Bool(true)}, nil
		}
		if err := r.AuthorizeOn(in.DryRun, kp.authz()); err != nil {
			return nil, err
		}
		err = h.Store.Txn().
			Delete(Kind.Key(kp.Region, kp.Account, kp.ID), rev).
			Delete(nameKey(kp.Region, kp.Account, kp.Name), 0).
			Commit(ctx)
		if errors.Is(err, store.ErrConflict) {
			continue // tagged or replaced meanwhile: look again
		}
		if err != nil {
			return nil, err
		}
		return &ec2api.DeleteKeyPairResult{Return: aws.Bool(true), KeyPairId: aws.String(kp.ID)}, nil
	}
}
