package sts_test

import (
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	ststore "github.com/kumo-cloud/kumo/internal/sts"
	"github.com/kumo-cloud/kumo/internal/testenv"
)

func TestGetSessionToken(t *testing.T) {
	e := testenv.Start(t)
	ic := e.IAM()
	if _, err := ic.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("bob")}); err != nil {
		t.Fatal(err)
	}
	if _, err := ic.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("bob"), PolicyName: aws.String("read"), PolicyDocument: aws.String(allowDescribe)}); err != nil {
		t.Fatal(err)
	}
	key, err := ic.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("bob")})
	if err != nil {
		t.Fatal(err)
	}
	bob := e.STSAs(aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey))

	start := time.Now()
	out, err := bob.GetSessionToken(ctx, &sts.GetSessionTokenInput{})
	if err != nil {
		t.Fatal(err)
	}
	if exp := aws.ToTime(out.Credentials.Expiration); exp.Before(start.Add(12*time.Hour-time.Minute)) || exp.After(start.Add(12*time.Hour+time.Minute)) {
		t.Errorf("Expiration = %v, want 12 hours from now", exp)
	}
	id, err := stsWith(e, out.Credentials).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if want := "arn:aws:iam::" + e.AccountID + ":user/bob"; aws.ToString(id.Arn) != want {
		t.Errorf("Arn = %s, want %s", aws.ToString(id.Arn), want)
	}
	c := ec2With(e, out.Credentials)
	check(t, describeRegions(c), ok)
	check(t, createKeyPair(c), unauthorized)

	_, err = stsWith(e, out.Credentials).GetSessionToken(ctx, &sts.GetSessionTokenInput{})
	check(t, err, accessDenied)

	for _, tc := range []struct {
		name string
		d    int32
		want apiErr
	}{
		{"shortest", 900, ok},
		{"longest", 129600, ok},
		{"too short", 899, validation},
		{"too long", 129601, validation},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := bob.GetSessionToken(ctx, &sts.GetSessionTokenInput{DurationSeconds: aws.Int32(tc.d)})
			check(t, err, tc.want)
		})
	}

	t.Run("root", func(t *testing.T) {
		out, err := e.STS().GetSessionToken(ctx, &sts.GetSessionTokenInput{DurationSeconds: aws.Int32(7200)})
		if err != nil {
			t.Fatal(err)
		}
		if exp := aws.ToTime(out.Credentials.Expiration); exp.After(time.Now().Add(time.Hour + time.Minute)) {
			t.Errorf("root session expires at %v, want at most an hour from now", exp)
		}
		check(t, createKeyPair(ec2With(e, out.Credentials)), ok)
	})
}

func TestExpiredSession(t *testing.T) {
	e := testenv.Start(t)
	sessions := &ststore.Sessions{Store: e.Daemon.Store, Now: time.Now}
	s := &ststore.Session{
		AccessKeyID: "ASIAEXPIREDEXAMPLE01", Secret: "secret", Token: "token",
		Account: e.AccountID, ARN: "arn:aws:iam::" + e.AccountID + ":root", UserID: e.AccountID, Root: true,
		IssuedAt: time.Now().Add(-2 * time.Hour), Expiration: time.Now().Add(-time.Hour),
	}
	if err := sessions.Create(ctx, s); err != nil {
		t.Fatal(err)
	}
	check(t, describeRegions(e.EC2WithSession(s.AccessKeyID, s.Secret, s.Token)), apiErr{"RequestExpired", 400})
	_, err := e.STSWithSession(s.AccessKeyID, s.Secret, s.Token).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	check(t, err, apiErr{"ExpiredToken", 403})

	t.Run("cleaned up a day later", func(t *testing.T) {
		later := &ststore.Sessions{Store: e.Daemon.Store, Now: func() time.Time { return time.Now().Add(25 * time.Hour) }}
		if _, err := later.Lookup(ctx, s.AccessKeyID); !errors.Is(err, ststore.ErrNotFound) {
			t.Fatalf("Lookup = %v, want ErrNotFound", err)
		}
		if _, err := sessions.Lookup(ctx, s.AccessKeyID); !errors.Is(err, ststore.ErrNotFound) {
			t.Fatalf("Lookup after cleanup = %v, want ErrNotFound", err)
		}
	})
}
