package sts_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	iamsvc "github.com/kumo-cloud/kumo/internal/iam"
	kumosts "github.com/kumo-cloud/kumo/internal/sts"
	"github.com/kumo-cloud/kumo/internal/testenv"
)

const trustEC2 = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`

// profileWith makes an instance profile holding a new role with trust policy.
func profileWith(t *testing.T, c *iam.Client, name, trust string) string {
	t.Helper()
	if _, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(trust)}); err != nil {
		t.Fatal(err)
	}
	p, err := c.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String(name), RoleName: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
	return aws.ToString(p.InstanceProfile.Arn)
}

func TestInstanceRolesMintRotateRevoke(t *testing.T) {
	env := testenv.Start(t)
	ic := env.IAM()
	webARN := profileWith(t, ic, "web", trustEC2)
	account := strings.Split(webARN, ":")[4]
	otherARN := profileWith(t, ic, "other", trustAccount(account))

	now := time.Now().UTC()
	clock := func() time.Time { return now }
	roles := &kumosts.InstanceRoles{
		Sessions: &kumosts.Sessions{Store: env.Daemon.Store, Now: clock},
		IAM:      iamsvc.New(env.Daemon.Store, env.Daemon.Accounts), Now: clock,
	}
	key := kumosts.InstanceRole{Account: account, InstanceID: "i-0123456789abcdef0", AssociationID: "iip-assoc-0123456789abcdef0", ProfileARN: webARN}

	s1, err := roles.Credentials(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	if got := s1.Expiration.Sub(now); got < kumosts.InstanceRoleDuration-time.Second || got > kumosts.InstanceRoleDuration {
		t.Fatalf("session lasts %v, want 6h", got)
	}
	if kumosts.RoleName(s1) != "web" {
		t.Fatalf("role name %q", kumosts.RoleName(s1))
	}
	id, err := env.STSWithSession(s1.AccessKeyID, s1.Secret, s1.Token).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if want := "arn:aws:sts::" + account + ":assumed-role/web/" + key.InstanceID; aws.ToString(id.Arn) != want {
		t.Fatalf("caller %s, want %s", aws.ToString(id.Arn), want)
	}

	// Cached while more than an hour remains, replaced after.
	now = now.Add(kumosts.InstanceRoleDuration - kumosts.InstanceRoleRefresh - time.Minute)
	if s, err := roles.Credentials(ctx, key); err != nil || s.AccessKeyID != s1.AccessKeyID {
		t.Fatalf("before the refresh point: %v, new key %v", err, s != nil && s.AccessKeyID != s1.AccessKeyID)
	}
	now = now.Add(2 * time.Minute)
	s2, err := roles.Credentials(ctx, key)
	if err != nil || s2.AccessKeyID == s1.AccessKeyID {
		t.Fatalf("after the refresh point: %v, same key %v", err, s2 != nil && s2.AccessKeyID == s1.AccessKeyID)
	}
	if !s2.Expiration.After(s1.Expiration) {
		t.Fatalf("rotated session expires %v, not after %v", s2.Expiration, s1.Expiration)
	}

	// A role that does not trust EC2 gives no credentials.
	bad := key
	bad.AssociationID, bad.ProfileARN = "iip-assoc-0123456789abcdef1", otherARN
	if _, err := roles.Credentials(ctx, bad); !errors.Is(err, kumosts.ErrNotTrusted) {
		t.Fatalf("untrusted role: %v", err)
	}

	// Revoking the association ends its credentials at once.
	if err := roles.Revoke(ctx, key.AssociationID); err != nil {
		t.Fatal(err)
	}
	if _, err := roles.Credentials(ctx, key); !errors.Is(err, kumosts.ErrRevoked) {
		t.Fatalf("after revoke: %v", err)
	}
	for _, s := range []*kumosts.Session{s1, s2} {
		if _, err := roles.Sessions.Lookup(ctx, s.AccessKeyID); !errors.Is(err, kumosts.ErrNotFound) {
			t.Fatalf("session %s after revoke: %v", s.AccessKeyID, err)
		}
	}
}
