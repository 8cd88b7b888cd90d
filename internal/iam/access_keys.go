package iam

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/accounts"
	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/awsquery"
	"github.com/kumo-cloud/kumo/internal/awsquery/iamapi"
)

// maxAccessKeys is IAM's AccessKeysPerUser quota.
const maxAccessKeys = 2

// keyOwner resolves the UserName of an access key action: the named user, or
// the caller when none is named.
func keyOwner(r *api.Request, userName *string) (name string, root bool, err *awserr.Error) {
	if userName != nil {
		if err := validName(*userName, "userName", maxUserName); err != nil {
			return "", false, err
		}
		return *userName, false, nil
	}
	c := callerOf(r)
	if c.root {
		return "", true, nil
	}
	if c.userName == "" {
		return "", false, validationError("Must specify userName when calling with non-User credentials")
	}
	return c.userName, false, nil
}

func validAccessKeyID(id string) *awserr.Error {
	if len(id) < 16 {
		return constraint(id, "accessKeyId", "Member must have length greater than or equal to 16")
	}
	if len(id) > 128 {
		return constraint(id, "accessKeyId", "Member must have length less than or equal to 128")
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return constraint(id, "accessKeyId", `Member must satisfy regular expression pattern: [\w]+`)
		}
	}
	return nil
}

// rootKeysUnsupported answers the key actions on the root's own keys, which
// Kumo manages with `kumo account` rather than through IAM.
func rootKeysUnsupported() *awserr.Error {
	return invalidInput("Kumo manages root access keys with the kumo account command; name an IAM user with UserName.")
}

// CreateAccessKey makes an access key for a user (at most two per user). The
// secret is in this answer only.
func (s *Service) CreateAccessKey(ctx context.Context, r *api.Request, in *iamapi.CreateAccessKeyRequest) (*iamapi.CreateAccessKeyResponse, error) {
	name, root, aerr := keyOwner(r, in.UserName)
	if aerr != nil {
		return nil, aerr
	}
	if err := s.authorizeKeys(ctx, r, name, root); err != nil {
		return nil, err
	}
	if root {
		return nil, rootKeysUnsupported()
	}
	var k *AccessKey
	err := retry(func() error {
		u, rev, err := s.user(ctx, r.AccountID, name)
		if err != nil {
			return err
		}
		if len(u.AccessKeys) >= maxAccessKeys {
			return limitExceeded("Cannot exceed quota for AccessKeysPerUser: %d", maxAccessKeys)
		}
		k = &AccessKey{
			ID: accounts.NewAccessKeyID("AKIA"), Secret: accounts.NewSecret(), Account: r.AccountID,
			UserName: u.Name, Status: statusActive, CreatedAt: r.Now.UTC(),
		}
		u.AccessKeys = append(u.AccessKeys, k.ID)
		return s.Store.Txn().
			Update(entityKey(r.AccountID, kindUser, u.Name), rev, u).
			Create(accessKeyKey(k.ID), k).
			Commit(ctx)
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.CreateAccessKeyResponse{AccessKey: &iamapi.AccessKey{
		UserName: aws.String(k.UserName), AccessKeyId: aws.String(k.ID), Status: aws.String(k.Status),
		SecretAccessKey: aws.String(k.Secret), CreateDate: aws.Time(k.CreatedAt),
	}}, nil
}

// userKeys loads the access keys of a user, in the order they were made.
func (s *Service) userKeys(ctx context.Context, u *User) ([]*AccessKey, error) {
	out := make([]*AccessKey, 0, len(u.AccessKeys))
	for _, id := range u.AccessKeys {
		k, _, err := load[AccessKey](ctx, s.Store, accessKeyKey(id))
		if err != nil {
			return nil, err
		}
		if k != nil {
			out = append(out, k)
		}
	}
	return out, nil
}

// ListAccessKeys lists a user's access keys without their secrets. Called by
// the root without a UserName it lists the root's key.
func (s *Service) ListAccessKeys(ctx context.Context, r *api.Request, in *iamapi.ListAccessKeysRequest) (*iamapi.ListAccessKeysResponse, error) {
	name, root, aerr := keyOwner(r, in.UserName)
	if aerr != nil {
		return nil, aerr
	}
	if _, err := pageSize(in.MaxItems); err != nil {
		return nil, err
	}
	if err := s.authorizeKeys(ctx, r, name, root); err != nil {
		return nil, err
	}
	var meta []iamapi.AccessKeyMetadata
	if root {
		if s.Accounts != nil {
			k, err := s.Accounts.RootKey(ctx, r.AccountID)
			if err != nil && !errors.Is(err, accounts.ErrNotFound) {
				return nil, err
			}
			if k != nil {
				meta = append(meta, iamapi.AccessKeyMetadata{
					AccessKeyId: aws.String(k.ID), Status: aws.String(statusActive), CreateDate: aws.Time(k.CreatedAt),
				})
			}
		}
	} else {
		u, _, err := s.user(ctx, r.AccountID, name)
		if err != nil {
			return nil, err
		}
		keys, err := s.userKeys(ctx, u)
		if err != nil {
			return nil, err
		}
		for _, k := range keys {
			meta = append(meta, iamapi.AccessKeyMetadata{
				UserName: aws.String(k.UserName), AccessKeyId: aws.String(k.ID),
				Status: aws.String(k.Status), CreateDate: aws.Time(k.CreatedAt),
			})
		}
	}
	page, truncated, next, err := paginateOrdered(meta, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &iamapi.ListAccessKeysResponse{AccessKeyMetadata: append([]iamapi.AccessKeyMetadata{}, page...), IsTruncated: truncated, Marker: next}, nil
}

// ownedKey loads the key id of user name, or answers NoSuchEntity when the
// user has no such key.
func (s *Service) ownedKey(ctx context.Context, account, name, id string) (*AccessKey, int64, error) {
	if _, _, err := s.user(ctx, account, name); err != nil {
		return nil, 0, err
	}
	k, rev, err := load[AccessKey](ctx, s.Store, accessKeyKey(id))
	if err != nil {
		return nil, 0, err
	}
	if k == nil || k.Account != account || nameKey(k.UserName) != nameKey(name) {
		return nil, 0, noSuchEntity("The Access Key with id %s cannot be found.", id)
	}
	return k, rev, nil
}

// UpdateAccessKey makes a key Active or Inactive; an inactive key cannot sign.
func (s *Service) UpdateAccessKey(ctx context.Context, r *api.Request, in *iamapi.UpdateAccessKeyRequest) (*awsquery.Empty, error) {
	name, root, aerr := keyOwner(r, in.UserName)
	if aerr != nil {
		return nil, aerr
	}
	id, status := aws.ToString(in.AccessKeyId), aws.ToString(in.Status)
	if err := validAccessKeyID(id); err != nil {
		return nil, err
	}
	if status != statusActive && status != statusInactive {
		return nil, constraint(status, "status", "Member must satisfy enum value set: [Active, Inactive]")
	}
	if err := s.authorizeKeys(ctx, r, name, root); err != nil {
		return nil, err
	}
	if root {
		return nil, rootKeysUnsupported()
	}
	return &awsquery.Empty{}, retry(func() error {
		k, rev, err := s.ownedKey(ctx, r.AccountID, name, id)
		if err != nil {
			return err
		}
		k.Status = status
		return s.Store.Txn().Update(accessKeyKey(id), rev, k).Commit(ctx)
	})
}

// DeleteAccessKey deletes a key for good.
func (s *Service) DeleteAccessKey(ctx context.Context, r *api.Request, in *iamapi.DeleteAccessKeyRequest) (*awsquery.Empty, error) {
	name, root, aerr := keyOwner(r, in.UserName)
	if aerr != nil {
		return nil, aerr
	}
	id := aws.ToString(in.AccessKeyId)
	if err := validAccessKeyID(id); err != nil {
		return nil, err
	}
	if err := s.authorizeKeys(ctx, r, name, root); err != nil {
		return nil, err
	}
	if root {
		return nil, rootKeysUnsupported()
	}
	return &awsquery.Empty{}, retry(func() error {
		k, krev, err := s.ownedKey(ctx, r.AccountID, name, id)
		if err != nil {
			return err
		}
		u, urev, err := s.user(ctx, r.AccountID, k.UserName)
		if err != nil {
			return err
		}
		u.AccessKeys = remove(u.AccessKeys, id)
		return s.Store.Txn().
			Delete(accessKeyKey(id), krev).
			Update(entityKey(r.AccountID, kindUser, u.Name), urev, u).
			Commit(ctx)
	})
}

// GetAccessKeyLastUsed tells when and where a key of the caller's account
// last signed a request; "N/A" for a key never used. The root's keys belong
// to the user "root".
func (s *Service) GetAccessKeyLastUsed(ctx context.Context, r *api.Request, in *iamapi.GetAccessKeyLastUsedRequest) (*iamapi.GetAccessKeyLastUsedResponse, error) {
	id := aws.ToString(in.AccessKeyId)
	if err := validAccessKeyID(id); err != nil {
		return nil, err
	}
	// The action is on the key's owner, so the key is looked up first.
	notUsed := &iamapi.AccessKeyLastUsed{ServiceName: aws.String("N/A"), Region: aws.String("N/A")}
	k, _, err := load[AccessKey](ctx, s.Store, accessKeyKey(id))
	if err != nil {
		return nil, err
	}
	if k != nil && k.Account == r.AccountID {
		if err := s.authorizeKeys(ctx, r, k.UserName, false); err != nil {
			return nil, err
		}
		used := notUsed
		if k.LastUsed != nil {
			used = &iamapi.AccessKeyLastUsed{LastUsedDate: aws.Time(*k.LastUsed), ServiceName: aws.String(k.LastService), Region: aws.String(k.LastRegion)}
		}
		return &iamapi.GetAccessKeyLastUsedResponse{UserName: aws.String(k.UserName), AccessKeyLastUsed: used}, nil
	}
	if s.Accounts != nil {
		rk, err := s.Accounts.AccessKey(ctx, id)
		if err != nil && !errors.Is(err, accounts.ErrNotFound) {
			return nil, err
		}
		if rk != nil && rk.AccountID == r.AccountID && rk.UserName == "" {
			if err := s.authorizeKeys(ctx, r, "", true); err != nil {
				return nil, err
			}
			return &iamapi.GetAccessKeyLastUsedResponse{UserName: aws.String("root"), AccessKeyLastUsed: notUsed}, nil
		}
	}
	// GetAccessKeyLastUsed has no NoSuchEntity: a key that is not the
	// account's is one the caller may not ask about.
	return nil, awserr.New(http.StatusForbidden, "AccessDenied", "User: %s is not authorized to perform: iam:GetAccessKeyLastUsed on resource: access key %s",
		r.PrincipalARN, id)
}

// keyUseGranularity bounds how often a key's last use is written: a busy
// key would otherwise cost one etcd write per request.
const keyUseGranularity = time.Minute

// NoteAccessKeyUse records that key akid signed a request for service in
// region at time at, for GetAccessKeyLastUsed. Keys that are not IAM users'
// are ignored. Uses closer than a minute to the last recorded one of the
// same service and region are not written.
func (s *Service) NoteAccessKeyUse(ctx context.Context, akid, service, region string, at time.Time) error {
	return retry(func() error {
		k, rev, err := load[AccessKey](ctx, s.Store, accessKeyKey(akid))
		if err != nil || k == nil {
			return err
		}
		if k.LastUsed != nil && at.Sub(*k.LastUsed) < keyUseGranularity && k.LastService == service && k.LastRegion == region {
			return nil
		}
		at := at.UTC()
		k.LastUsed, k.LastService, k.LastRegion = &at, service, region
		return s.Store.Txn().Update(accessKeyKey(akid), rev, k).Commit(ctx)
	})
}
