package sts

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/kumo-cloud/kumo/internal/iam"
	"github.com/kumo-cloud/kumo/internal/iam/policy"
	"github.com/kumo-cloud/kumo/internal/store"
)

// Instance role sessions last six hours, as on EC2, and are replaced once
// less than an hour remains, well before the guest's SDK would see them
// expire.
const (
	InstanceRoleDuration = 6 * time.Hour
	InstanceRoleRefresh  = time.Hour
)

// ec2Principal is the service principal a role's trust policy must name for
// the role to serve as an instance role.
const ec2Principal = "ec2.amazonaws.com"

// ErrNotTrusted is returned when the role of an instance profile does not
// trust ec2.amazonaws.com, or the profile or role no longer exists.
var ErrNotTrusted = errors.New("sts: instance profile role unusable")

// ErrRevoked is returned for an association that was revoked.
var ErrRevoked = errors.New("sts: instance profile association revoked")

// InstanceRoles mints the role sessions behind instance profiles, one per
// association, and keeps each until it nears expiry. The sessions live in
// Sessions, so the credentials work against the API like AssumeRole's.
type InstanceRoles struct {
	Sessions *Sessions
	IAM      *iam.Service
	Now      func() time.Time

	// mu serializes minting and revocation, so that a revoked association
	// never gets a fresh session minted behind Revoke's back.
	mu      sync.Mutex
	cache   map[string]*Session // association id → current session
	revoked map[string]bool     // association ids
}

// InstanceRole names the instance and association a session is minted for.
type InstanceRole struct {
	Account       string
	InstanceID    string
	AssociationID string
	ProfileARN    string
}

// Credentials returns the current session of an instance's profile
// association, minting one when there is none or the cached one has less
// than InstanceRoleRefresh left. The session acts as
// arn:aws:sts::ACCOUNT:assumed-role/ROLE/INSTANCE-ID.
func (ir *InstanceRoles) Credentials(ctx context.Context, in InstanceRole) (*Session, error) {
	ir.mu.Lock()
	defer ir.mu.Unlock()
	if ir.revoked[in.AssociationID] {
		return nil, ErrRevoked
	}
	now := ir.Now().UTC()
	if s := ir.cache[in.AssociationID]; s != nil && s.Expiration.Sub(now) >= InstanceRoleRefresh {
		return s, nil
	}
	s, err := ir.mint(ctx, in, now)
	if err != nil {
		return nil, err
	}
	if ir.cache == nil {
		ir.cache = map[string]*Session{}
	}
	ir.cache[in.AssociationID] = s
	return s, nil
}

// mint issues a new role session for in, checking that the role trusts EC2.
func (ir *InstanceRoles) mint(ctx context.Context, in InstanceRole, now time.Time) (*Session, error) {
	p, err := ir.IAM.InstanceProfileByARN(ctx, in.Account, in.ProfileARN)
	if err != nil {
		return nil, notTrusted(in, err)
	}
	role, err := ir.IAM.ProfileRole(ctx, p)
	if err != nil {
		return nil, notTrusted(in, err)
	}
	trust, err := role.TrustPolicy()
	if err != nil {
		return nil, fmt.Errorf("instance role %s: %w", role.Name, err)
	}
	roleARN := role.ARN()
	if !policy.AllowsPrincipal(trust, &policy.Request{Principal: ec2Principal, Action: "sts:AssumeRole", Resource: roleARN,
		Context: map[string][]string{"aws:CurrentTime": {now.Format(time.RFC3339)}}}) {
		return nil, fmt.Errorf("instance role %s does not trust %s: %w", role.Name, ec2Principal, ErrNotTrusted)
	}
	akid, secret, token := newCredentials()
	s := &Session{
		AccessKeyID: akid, Secret: secret, Token: token,
		Account:     role.Account,
		ARN:         "arn:aws:sts::" + role.Account + ":assumed-role/" + role.Name + "/" + in.InstanceID,
		UserID:      role.ID + ":" + in.InstanceID,
		RoleARN:     roleARN,
		Instance:    in.InstanceID,
		Association: in.AssociationID,
		IssuedAt:    now.Truncate(time.Second),
		Expiration:  now.Add(InstanceRoleDuration).Truncate(time.Second),
	}
	if err := ir.Sessions.Create(ctx, s); err != nil {
		return nil, err
	}
	return s, nil
}

func notTrusted(in InstanceRole, err error) error {
	if errors.Is(err, iam.ErrNotFound) {
		return fmt.Errorf("instance profile %s: %w", in.ProfileARN, ErrNotTrusted)
	}
	return fmt.Errorf("instance profile %s: %w", in.ProfileARN, err)
}

// Revoke ends an association: its cached and stored sessions are deleted,
// so their credentials stop working at once, and none is minted for it again.
func (ir *InstanceRoles) Revoke(ctx context.Context, associationID string) error {
	ir.mu.Lock()
	defer ir.mu.Unlock()
	if ir.revoked == nil {
		ir.revoked = map[string]bool{}
	}
	ir.revoked[associationID] = true
	delete(ir.cache, associationID)
	return ir.Sessions.deleteWhere(ctx, func(s *Session) bool { return s.Association == associationID })
}

// RoleName returns the role name of a role session's RoleARN.
func RoleName(s *Session) string { return s.RoleARN[strings.LastIndexByte(s.RoleARN, '/')+1:] }

// deleteWhere deletes the sessions that match.
func (ss *Sessions) deleteWhere(ctx context.Context, match func(*Session) bool) error {
	type hit struct {
		key string
		rev int64
	}
	var hits []hit
	err := ss.Store.List(ctx, sessionPrefix, "", func(it store.Item) (bool, error) {
		var s Session
		if err := json.Unmarshal(it.Value, &s); err != nil {
			return false, fmt.Errorf("decode %s: %w", it.Key, err)
		}
		if match(&s) {
			hits = append(hits, hit{it.Key, it.Revision})
		}
		return true, nil
	})
	if err != nil {
		return fmt.Errorf("revoke sessions: %w", err)
	}
	for _, h := range hits {
		if err := ss.Store.Txn().Delete(h.key, h.rev).Commit(ctx); err != nil && !errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("revoke session %s: %w", h.key, err)
		}
	}
	return nil
}
