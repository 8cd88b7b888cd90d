package iam_test

import (
	"errors"
	"regexp"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	iamsvc "github.com/kumo-cloud/kumo/internal/iam"
)

var profileID = regexp.MustCompile(`^AIPA[A-Z2-7]{17}$`)

func TestInstanceProfiles(t *testing.T) {
	env, c, svc := start(t)
	acct := env.AccountID
	mustRole(t, c, "app")
	mustRole(t, c, "other")
	profileARN := "arn:aws:iam::" + acct + ":instance-profile/web/AppProfile"

	t.Run("create", func(t *testing.T) {
		out, err := c.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String("AppProfile"), Path: aws.String("/web/")})
		check(t, err, ok)
		p := out.InstanceProfile
		if !profileID.MatchString(aws.ToString(p.InstanceProfileId)) || aws.ToString(p.Arn) != profileARN || p.Roles == nil || len(p.Roles) != 0 {
			t.Errorf("profile %+v", p)
		}
	})
	t.Run("one role", func(t *testing.T) {
		_, err := c.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String("appprofile"), RoleName: aws.String("app")})
		check(t, err, ok)
		_, err = c.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String("AppProfile"), RoleName: aws.String("other")})
		check(t, err, limit)
		out, err := c.GetInstanceProfile(ctx, &iam.GetInstanceProfileInput{InstanceProfileName: aws.String("AppProfile")})
		check(t, err, ok)
		if len(out.InstanceProfile.Roles) != 1 || aws.ToString(out.InstanceProfile.Roles[0].RoleName) != "app" ||
			decode(t, out.InstanceProfile.Roles[0].AssumeRolePolicyDocument) != ec2Trust {
			t.Errorf("profile %+v", out.InstanceProfile)
		}
	})
	t.Run("lookups for EC2", func(t *testing.T) {
		p, err := svc.InstanceProfileByARN(ctx, acct, profileARN)
		if err != nil || p.Name != "AppProfile" || p.ARN() != profileARN {
			t.Fatalf("ByARN: %+v %v", p, err)
		}
		ro, err := svc.ProfileRole(ctx, p)
		if err != nil || ro.Name != "app" {
			t.Errorf("ProfileRole: %+v %v", ro, err)
		}
		if p, err := svc.InstanceProfileByName(ctx, acct, "appprofile"); err != nil || p.ID == "" {
			t.Errorf("ByName: %+v %v", p, err)
		}
		if _, err := svc.InstanceProfileByARN(ctx, "999999999999", profileARN); !errors.Is(err, iamsvc.ErrNotFound) {
			t.Errorf("another account's profile: %v", err)
		}
		if _, err := svc.InstanceProfileByName(ctx, acct, "nope"); !errors.Is(err, iamsvc.ErrNotFound) {
			t.Errorf("unknown profile: %v", err)
		}
	})
	t.Run("list", func(t *testing.T) {
		_, err := c.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String("Batch")})
		check(t, err, ok)
		out, err := c.ListInstanceProfiles(ctx, &iam.ListInstanceProfilesInput{})
		check(t, err, ok)
		if len(out.InstanceProfiles) != 2 || aws.ToString(out.InstanceProfiles[0].InstanceProfileName) != "AppProfile" {
			t.Errorf("profiles %+v", out.InstanceProfiles)
		}
		out, err = c.ListInstanceProfiles(ctx, &iam.ListInstanceProfilesInput{PathPrefix: aws.String("/web/"), MaxItems: aws.Int32(1)})
		check(t, err, ok)
		if len(out.InstanceProfiles) != 1 || out.IsTruncated {
			t.Errorf("profiles under /web/ %+v", out)
		}
		forRole, err := c.ListInstanceProfilesForRole(ctx, &iam.ListInstanceProfilesForRoleInput{RoleName: aws.String("app")})
		check(t, err, ok)
		if len(forRole.InstanceProfiles) != 1 || aws.ToString(forRole.InstanceProfiles[0].InstanceProfileName) != "AppProfile" {
			t.Errorf("profiles of app %+v", forRole.InstanceProfiles)
		}
	})
	runCases(t, []errCase{
		{"duplicate", func() error {
			_, err := c.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String("APPPROFILE")})
			return err
		}, exists},
		{"unknown profile", func() error {
			_, err := c.GetInstanceProfile(ctx, &iam.GetInstanceProfileInput{InstanceProfileName: aws.String("nope")})
			return err
		}, noSuchEntity},
		{"add unknown role", func() error {
			_, err := c.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String("Batch"), RoleName: aws.String("ghost")})
			return err
		}, noSuchEntity},
		{"remove a role that is not in it", func() error {
			_, err := c.RemoveRoleFromInstanceProfile(ctx, &iam.RemoveRoleFromInstanceProfileInput{InstanceProfileName: aws.String("Batch"), RoleName: aws.String("app")})
			return err
		}, noSuchEntity},
		{"delete with a role", func() error {
			_, err := c.DeleteInstanceProfile(ctx, &iam.DeleteInstanceProfileInput{InstanceProfileName: aws.String("AppProfile")})
			return err
		}, conflict},
	})
	t.Run("delete", func(t *testing.T) {
		_, err := c.RemoveRoleFromInstanceProfile(ctx, &iam.RemoveRoleFromInstanceProfileInput{InstanceProfileName: aws.String("AppProfile"), RoleName: aws.String("app")})
		check(t, err, ok)
		_, err = c.DeleteInstanceProfile(ctx, &iam.DeleteInstanceProfileInput{InstanceProfileName: aws.String("AppProfile")})
		check(t, err, ok)
		_, err = c.GetInstanceProfile(ctx, &iam.GetInstanceProfileInput{InstanceProfileName: aws.String("AppProfile")})
		check(t, err, noSuchEntity)
	})
}
