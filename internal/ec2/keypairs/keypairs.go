// Package keypairs serves the EC2 key pair API: CreateKeyPair, ImportKeyPair,
// DescribeKeyPairs and DeleteKeyPair. Key pair names are unique per account and
// region; the public key is what instances later install for ec2-user.
package keypairs

import (
	"context"
	"errors"
	"unicode"

	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/ec2/resource"
	"github.com/kumo-cloud/kumo/internal/store"
)

// Kind is the key pair resource kind.
var Kind = resource.Kind{
	Type: "key-pair", Prefix: "key", Store: "keypair", Noun: "key pair",
	NotFound: "InvalidKeyPair.NotFound", Malformed: "InvalidKeyPairId.Malformed",
}

func init() { resource.Register(Kind) }

// KeyPair is the stored record of a key pair.
type KeyPair struct {
	resource.Meta
	Name        string `json:"name"`
	Type        string `json:"type"`
	Fingerprint string `json:"fingerprint"`
	PublicKey   string `json:"publicKey"`
}

// nameIndex maps a key pair name to its id; creating it in the same transaction
// as the record makes names unique per account and region.
type nameIndex struct {
	ID string `json:"id"`
}

func nameKey(region, account, name string) string {
	return store.Key("keypair-name", region, account, name)
}

// Handlers serves the key pair actions.
type Handlers struct {
	Store *store.Store
}

// validName checks a key pair name: 1–255 ASCII characters, as AWS.
func validName(name string) error {
	if name == "" {
		return awserr.MissingParameter("KeyName")
	}
	if len(name) > 255 {
		return awserr.InvalidParameterValue("Value (%s) for parameter keyName is invalid. Length exceeds maximum of 255 characters.", name)
	}
	for _, r := range name {
		if r > unicode.MaxASCII || unicode.IsControl(r) {
			return awserr.InvalidParameterValue("Value (%s) for parameter keyName is invalid. Character sets beyond ASCII are not supported.", name)
		}
	}
	return nil
}

// save creates the record and its name index atomically.
func (h *Handlers) save(ctx context.Context, kp *KeyPair) error {
	err := h.Store.Txn().
		Create(nameKey(kp.Region, kp.Account, kp.Name), nameIndex{ID: kp.ID}).
		Create(Kind.Key(kp.Region, kp.Account, kp.ID), kp).
		Commit(ctx)
	if errors.Is(err, store.ErrConflict) {
		return awserr.BadRequest("InvalidKeyPair.Duplicate", "The keypair '%s' already exists.", kp.Name)
	}
	return err
}

// byName returns the key pair with the given name, or nil.
func (h *Handlers) byName(ctx context.Context, region, account, name string) (*KeyPair, int64, error) {
	var idx nameIndex
	if _, err := h.Store.Get(ctx, nameKey(region, account, name), &idx); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, 0, nil
		}
		return nil, 0, err
	}
	return h.byID(ctx, region, account, idx.ID)
}

// byID returns the key pair with the given id, or nil.
func (h *Handlers) byID(ctx context.Context, region, account, id string) (*KeyPair, int64, error) {
	var kp KeyPair
	rev, err := h.Store.Get(ctx, Kind.Key(region, account, id), &kp)
	if errors.Is(err, store.ErrNotFound) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, err
	}
	return &kp, rev, nil
}

// list returns every key pair of the account in the region, ordered by id.
func (h *Handlers) list(ctx context.Context, region, account string) ([]KeyPair, error) {
	return store.ListAll[KeyPair](ctx, h.Store, Kind.ListPrefix(region, account))
}

// Lookup returns the account's key pair with the given name, or
// InvalidKeyPair.NotFound. RunInstances uses it to copy the public key.
func Lookup(ctx context.Context, s *store.Store, region, account, name string) (*KeyPair, error) {
	kp, _, err := (&Handlers{Store: s}).byName(ctx, region, account, name)
	if err != nil {
		return nil, err
	}
	if kp == nil {
		return nil, awserr.BadRequest("InvalidKeyPair.NotFound", "The key pair '%s' does not exist", name)
	}
	return kp, nil
}
