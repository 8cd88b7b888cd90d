// Package accounts owns the tenants of a Kumo cloud and their access keys.
//
// Every resource belongs to exactly one account. The operator account is made on
// the first start of `kumo serve`; `kumo account create` makes more. Access keys
// map an access key id to its account and secret for SigV4 verification.
package accounts

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/kumo-cloud/kumo/internal/store"
)

// Account is an isolated tenant.
type Account struct {
	ID        string    `json:"id"` // 12 digits, as AWS
	Name      string    `json:"name"`
	Operator  bool      `json:"operator,omitempty"`
	CreatedAt time.Time `json:"createdAt"`
}

// AccessKey is a long-term credential of an account's root user (UserName "")
// or of an IAM user.
type AccessKey struct {
	ID        string    `json:"id"`
	Secret    string    `json:"secret"`
	AccountID string    `json:"accountId"`
	UserName  string    `json:"userName,omitempty"`
	Active    bool      `json:"active"`
	CreatedAt time.Time `json:"createdAt"`
}

// ErrNotFound is returned for an unknown account or access key.
var ErrNotFound = errors.New("accounts: not found")

func accountKey(id string) string   { return store.Key("account", id) }
func accessKeyKey(id string) string { return store.Key("accesskey", id) }

// Service reads and writes accounts and keys.
type Service struct {
	Store *store.Store
	Now   func() time.Time
}

// Get returns the account with the given id.
func (s *Service) Get(ctx context.Context, id string) (*Account, error) {
	var a Account
	if _, err := s.Store.Get(ctx, accountKey(id), &a); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, ErrNotFound
		}
		return nil, err
	}
	return &a, nil
}

// List returns every account, ordered by id.
func (s *Service) List(ctx context.Context) ([]Account, error) {
	return store.ListAll[Account](ctx, s.Store, store.Key("account")+"/")
}

// AccessKey returns the key with the given id.
func (s *Service) AccessKey(ctx context.Context, id string) (*AccessKey, error) {
	var k AccessKey
	if _, err := s.Store.Get(ctx, accessKeyKey(id), &k); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, ErrNotFound
		}
		return nil, err
	}
	return &k, nil
}

// Operator returns the operator account, or ErrNotFound before the first start.
func (s *Service) Operator(ctx context.Context) (*Account, error) {
	all, err := s.List(ctx)
	if err != nil {
		return nil, err
	}
	for _, a := range all {
		if a.Operator {
			return &a, nil
		}
	}
	return nil, ErrNotFound
}

// Create makes a new account with a root access key. When key is non-nil its id and
// secret are used (the KUMO_ROOT_* variables on first start).
func (s *Service) Create(ctx context.Context, name string, operator bool, key *AccessKey) (*Account, *AccessKey, error) {
	for range 5 { // a fresh random id collides with negligible probability; retry anyway
		a := &Account{ID: newAccountID(), Name: name, Operator: operator, CreatedAt: s.Now().UTC()}
		k := AccessKey{ID: NewAccessKeyID("AKIA"), Secret: NewSecret(), AccountID: a.ID, Active: true, CreatedAt: a.CreatedAt}
		if key != nil {
			k.ID, k.Secret = key.ID, key.Secret
		}
		err := s.Store.Txn().Create(accountKey(a.ID), a).Create(accessKeyKey(k.ID), k).Commit(ctx)
		if errors.Is(err, store.ErrConflict) {
			if key != nil {
				return nil, nil, fmt.Errorf("create account %s: access key %s already exists", name, key.ID)
			}
			continue
		}
		if err != nil {
			return nil, nil, fmt.Errorf("create account %s: %w", name, err)
		}
		return a, &k, nil
	}
	return nil, nil, fmt.Errorf("create account %s: could not find a free id", name)
}

// RootKey returns the first active root access key of an account.
func (s *Service) RootKey(ctx context.Context, accountID string) (*AccessKey, error) {
	keys, err := store.ListAll[AccessKey](ctx, s.Store, store.Key("accesskey")+"/")
	if err != nil {
		return nil, err
	}
	for _, k := range keys {
		if k.AccountID == accountID && k.UserName == "" && k.Active {
			return &k, nil
		}
	}
	return nil, ErrNotFound
}

func newAccountID() string {
	n, err := rand.Int(rand.Reader, big.NewInt(9e11))
	if err != nil {
		panic(err) // crypto/rand never fails on Linux
	}
	return fmt.Sprintf("%012d", n.Int64()+1e11) // never a leading zero
}

const base32Upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

// NewAccessKeyID returns prefix (AKIA for long-term, ASIA for temporary keys)
// followed by 16 random base32 characters, the shape AWS uses.
func NewAccessKeyID(prefix string) string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	var sb strings.Builder
	sb.WriteString(prefix)
	for _, c := range b {
		sb.WriteByte(base32Upper[int(c)%32])
	}
	return sb.String()
}

// NewSecret returns a 40-character secret access key.
func NewSecret() string {
	b := make([]byte, 30)
	_, _ = rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}
