package sts

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/kumo-cloud/kumo/internal/store"
)

// ErrNotFound is returned by Sessions.Lookup for an access key id that names
// no session (never issued, or expired long ago and cleaned up).
var ErrNotFound = errors.New("sts: session not found")

// Session is one set of temporary credentials, as persisted in etcd under its
// access key id.
type Session struct {
	AccessKeyID string `json:"accessKeyId"`
	Secret      string `json:"secret"`
	Token       string `json:"token"`
	// Account is the account the session acts in: the role's for AssumeRole.
	Account string `json:"account"`
	// ARN is the session's identity: arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION,
	// or the caller's own ARN for GetSessionToken.
	ARN    string `json:"arn"`
	UserID string `json:"userId"`
	// RoleARN is the assumed role; empty for GetSessionToken.
	RoleARN string `json:"roleArn,omitempty"`
	// Root marks a GetSessionToken session of an account's root.
	Root bool `json:"root,omitempty"`
	// Instance and Association name the instance profile association an
	// instance role session was minted for (InstanceRoles).
	Instance    string `json:"instance,omitempty"`
	Association string `json:"association,omitempty"`
	// Policy is the inline session policy passed to AssumeRole, if any, and
	// PolicyARNs the managed session policies.
	Policy     string   `json:"policy,omitempty"`
	PolicyARNs []string `json:"policyArns,omitempty"`
	// Tags are the session tags (aws:PrincipalTag, over the role's own
	// tags); TransitiveTagKeys pass on to sessions this one assumes.
	Tags              map[string]string `json:"tags,omitempty"`
	TransitiveTagKeys []string          `json:"transitiveTagKeys,omitempty"`
	IssuedAt          time.Time         `json:"issuedAt"`
	Expiration        time.Time         `json:"expiration"`
}

// sessionPrefix holds the sessions, keyed by access key id.
var sessionPrefix = store.Key("sts", "session") + "/"

// retainExpired is how long an expired session is kept, so that its
// credentials are answered with ExpiredToken rather than as unknown.
const retainExpired = 24 * time.Hour

// sweepEvery bounds how often Create looks for sessions to clean up.
const sweepEvery = time.Hour

// Sessions stores temporary credentials in etcd, so they survive restarts.
// Expired sessions are removed lazily: by the Lookup that finds one long
// expired, and by an occasional sweep when sessions are created.
type Sessions struct {
	Store *store.Store
	Now   func() time.Time

	mu        sync.Mutex
	lastSweep time.Time
}

// Create persists s.
func (ss *Sessions) Create(ctx context.Context, s *Session) error {
	if err := ss.Store.Txn().Create(sessionPrefix+s.AccessKeyID, s).Commit(ctx); err != nil {
		return fmt.Errorf("create session %s: %w", s.AccessKeyID, err)
	}
	now := ss.Now()
	ss.mu.Lock()
	sweep := now.Sub(ss.lastSweep) >= sweepEvery
	if sweep {
		ss.lastSweep = now
	}
	ss.mu.Unlock()
	if sweep {
		if err := ss.sweep(ctx, now); err != nil {
			return err
		}
	}
	return nil
}

// Lookup returns the session of an access key id, expired or not (the
// caller decides what expiry means), or ErrNotFound.
func (ss *Sessions) Lookup(ctx context.Context, akid string) (*Session, error) {
	var s Session
	rev, err := ss.Store.Get(ctx, sessionPrefix+akid, &s)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("look up session %s: %w", akid, err)
	}
	if ss.Now().Sub(s.Expiration) > retainExpired {
		_ = ss.Store.Txn().Delete(sessionPrefix+akid, rev).Commit(ctx) // someone else may have swept it
		return nil, ErrNotFound
	}
	return &s, nil
}

// sweep deletes the sessions expired for longer than retainExpired.
func (ss *Sessions) sweep(ctx context.Context, now time.Time) error {
	type stale struct {
		key string
		rev int64
	}
	var old []stale
	err := ss.Store.List(ctx, sessionPrefix, "", func(it store.Item) (bool, error) {
		var s Session
		if err := json.Unmarshal(it.Value, &s); err != nil {
			return false, fmt.Errorf("decode %s: %w", it.Key, err)
		}
		if now.Sub(s.Expiration) > retainExpired {
			old = append(old, stale{it.Key, it.Revision})
		}
		return true, nil
	})
	if err != nil {
		return fmt.Errorf("sweep sessions: %w", err)
	}
	for _, o := range old {
		_ = ss.Store.Txn().Delete(o.key, o.rev).Commit(ctx) // a concurrent sweep may have won
	}
	return nil
}

const base32Upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

// newCredentials returns a temporary access key id (ASIA and 16 characters of
// upper-case base32, 20 in all, as on AWS), a 40-character secret and a
// session token.
func newCredentials() (akid, secret, token string) {
	b := make([]byte, 16+30+96)
	_, _ = rand.Read(b) // never fails on Linux
	var sb strings.Builder
	sb.WriteString("ASIA")
	for _, c := range b[:16] {
		sb.WriteByte(base32Upper[int(c)%32])
	}
	return sb.String(), base64.StdEncoding.EncodeToString(b[16:46]), base64.StdEncoding.EncodeToString(b[46:])
}

// IsTemporaryKey reports whether an access key id is one of the temporary
// keys Sessions stores.
func IsTemporaryKey(akid string) bool { return strings.HasPrefix(akid, "ASIA") }
