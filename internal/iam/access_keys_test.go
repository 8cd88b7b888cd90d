package iam_test

import (
	"errors"
	"regexp"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	iamsvc "github.com/kumo-cloud/kumo/internal/iam"
)

var accessKeyID = regexp.MustCompile(`^AKIA[A-Z2-7]{16}$`)

func TestAccessKeys(t *testing.T) {
	env, c, svc := start(t)
	mustUser(t, c, "ci")

	var first *types.AccessKey
	t.Run("create", func(t *testing.T) {
		out, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("ci")})
		check(t, err, ok)
		first = out.AccessKey
		if !accessKeyID.MatchString(aws.ToString(first.AccessKeyId)) || len(aws.ToString(first.SecretAccessKey)) != 40 ||
			first.Status != types.StatusTypeActive || aws.ToString(first.UserName) != "ci" {
			t.Errorf("key %+v", first)
		}
	})
	t.Run("the authenticator finds it with its secret", func(t *testing.T) {
		k, u, err := svc.LookupAccessKey(ctx, aws.ToString(first.AccessKeyId))
		if err != nil {
			t.Fatal(err)
		}
		if k.Secret != aws.ToString(first.SecretAccessKey) || !k.Active() || u.Name != "ci" || u.Account != env.AccountID {
			t.Errorf("lookup: key %+v user %+v", k, u)
		}
		if _, _, err := svc.LookupAccessKey(ctx, nonexistentID); !errors.Is(err, iamsvc.ErrNotFound) {
			t.Errorf("unknown key: %v", err)
		}
	})
	t.Run("at most two", func(t *testing.T) {
		_, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("ci")})
		check(t, err, ok)
		_, err = c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("ci")})
		check(t, err, limit)
	})
	t.Run("list has no secrets", func(t *testing.T) {
		out, err := c.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String("ci")})
		check(t, err, ok)
		if len(out.AccessKeyMetadata) != 2 || aws.ToString(out.AccessKeyMetadata[0].AccessKeyId) != aws.ToString(first.AccessKeyId) {
			t.Errorf("keys %+v", out.AccessKeyMetadata)
		}
	})
	t.Run("deactivate", func(t *testing.T) {
		_, err := c.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: aws.String("ci"), AccessKeyId: first.AccessKeyId, Status: types.StatusTypeInactive})
		check(t, err, ok)
		k, _, err := svc.LookupAccessKey(ctx, aws.ToString(first.AccessKeyId))
		if err != nil || k.Active() {
			t.Errorf("key still active: %+v %v", k, err)
		}
	})
	t.Run("last used", func(t *testing.T) {
		out, err := c.GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: first.AccessKeyId})
		check(t, err, ok)
		if aws.ToString(out.UserName) != "ci" || aws.ToString(out.AccessKeyLastUsed.ServiceName) != "N/A" || out.AccessKeyLastUsed.LastUsedDate != nil {
			t.Errorf("never used: %+v %+v", out, out.AccessKeyLastUsed)
		}
		at := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
		if err := svc.NoteAccessKeyUse(ctx, aws.ToString(first.AccessKeyId), "ec2", "us-east-1", at); err != nil {
			t.Fatal(err)
		}
		out, err = c.GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: first.AccessKeyId})
		check(t, err, ok)
		if u := out.AccessKeyLastUsed; aws.ToString(u.ServiceName) != "ec2" || aws.ToString(u.Region) != "us-east-1" || !aws.ToTime(u.LastUsedDate).Equal(at) {
			t.Errorf("used: %+v", u)
		}
		root, err := c.GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: aws.String(env.AccessKeyID)})
		check(t, err, ok)
		if aws.ToString(root.UserName) != "root" {
			t.Errorf("root key owner %q", aws.ToString(root.UserName))
		}
	})
	runCases(t, []errCase{
		{"key of another user", func() error {
			mustUser(t, c, "other")
			_, err := c.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: aws.String("other"), AccessKeyId: first.AccessKeyId, Status: types.StatusTypeActive})
			return err
		}, noSuchEntity},
		{"bad status", func() error {
			_, err := c.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: aws.String("ci"), AccessKeyId: first.AccessKeyId, Status: "Disabled"})
			return err
		}, validation},
		{"delete unknown key", func() error {
			_, err := c.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: aws.String("ci"), AccessKeyId: aws.String(nonexistentID)})
			return err
		}, noSuchEntity},
		{"keys of an unknown user", func() error {
			_, err := c.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String("ghost")})
			return err
		}, noSuchEntity},
		{"last use of an unknown key", func() error {
			_, err := c.GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: aws.String(nonexistentID)})
			return err
		}, accessDenied},
	})
	t.Run("root lists its own key", func(t *testing.T) {
		out, err := c.ListAccessKeys(ctx, &iam.ListAccessKeysInput{})
		check(t, err, ok)
		if len(out.AccessKeyMetadata) != 1 || aws.ToString(out.AccessKeyMetadata[0].AccessKeyId) != env.AccessKeyID {
			t.Errorf("root keys %+v", out.AccessKeyMetadata)
		}
	})
	t.Run("rename keeps the keys", func(t *testing.T) {
		_, err := c.UpdateUser(ctx, &iam.UpdateUserInput{UserName: aws.String("ci"), NewUserName: aws.String("builder")})
		check(t, err, ok)
		out, err := c.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String("builder")})
		check(t, err, ok)
		if len(out.AccessKeyMetadata) != 2 || aws.ToString(out.AccessKeyMetadata[0].UserName) != "builder" {
			t.Errorf("keys after rename %+v", out.AccessKeyMetadata)
		}
		_, u, err := svc.LookupAccessKey(ctx, aws.ToString(first.AccessKeyId))
		if err != nil || u.Name != "builder" {
			t.Errorf("lookup after rename: %+v %v", u, err)
		}
	})
	t.Run("delete", func(t *testing.T) {
		_, err := c.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: aws.String("builder"), AccessKeyId: first.AccessKeyId})
		check(t, err, ok)
		if _, _, err := svc.LookupAccessKey(ctx, aws.ToString(first.AccessKeyId)); !errors.Is(err, iamsvc.ErrNotFound) {
			t.Errorf("deleted key still found: %v", err)
		}
		out, _ := c.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String("builder")})
		if len(out.AccessKeyMetadata) != 1 {
			t.Errorf("keys %+v", out.AccessKeyMetadata)
		}
	})
}
