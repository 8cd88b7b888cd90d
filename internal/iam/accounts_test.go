package iam_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

// TestAccountsAreIsolated: another account sees none of the first one's
// entities, and may reuse its names.
func TestAccountsAreIsolated(t *testing.T) {
	env, a, _ := start(t)
	acctA := env.AccountID
	acct, key, err := env.Daemon.Accounts.Create(ctx, "b", false, nil)
	if err != nil {
		t.Fatal(err)
	}
	b := env.IAMAs(key.ID, key.Secret)

	mustUser(t, a, "shared")
	arn := mustPolicy(t, a, "pol", allowDescribe)
	mustRole(t, a, "role")
	_, err = a.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("grp")})
	check(t, err, ok)
	_, err = a.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String("prof")})
	check(t, err, ok)
	ak, err := a.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("shared")})
	check(t, err, ok)

	runCases(t, []errCase{
		{"user", func() error { _, err := b.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("shared")}); return err }, noSuchEntity},
		{"role", func() error { _, err := b.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("role")}); return err }, noSuchEntity},
		{"group", func() error { _, err := b.GetGroup(ctx, &iam.GetGroupInput{GroupName: aws.String("grp")}); return err }, noSuchEntity},
		{"instance profile", func() error {
			_, err := b.GetInstanceProfile(ctx, &iam.GetInstanceProfileInput{InstanceProfileName: aws.String("prof")})
			return err
		}, noSuchEntity},
		{"policy by ARN", func() error { _, err := b.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(arn)}); return err }, noSuchEntity},
		{"attach the other account's policy", func() error {
			mustUser(t, b, "mine")
			_, err := b.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("mine"), PolicyArn: aws.String(arn)})
			return err
		}, noSuchEntity},
		{"delete the other account's user", func() error {
			_, err := b.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("shared")})
			return err
		}, noSuchEntity},
		{"the other account's access key", func() error {
			_, err := b.GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: ak.AccessKey.AccessKeyId})
			return err
		}, accessDenied},
		{"simulate the other account's user", func() error {
			_, err := b.SimulatePrincipalPolicy(ctx, &iam.SimulatePrincipalPolicyInput{
				PolicySourceArn: aws.String("arn:aws:iam::" + acctA + ":user/shared"), ActionNames: []string{"ec2:DescribeInstances"}})
			return err
		}, noSuchEntity},
	})
	t.Run("lists are empty", func(t *testing.T) {
		users, err := b.ListUsers(ctx, &iam.ListUsersInput{})
		check(t, err, ok)
		roles, _ := b.ListRoles(ctx, &iam.ListRolesInput{})
		local, _ := b.ListPolicies(ctx, &iam.ListPoliciesInput{Scope: "Local"})
		if len(users.Users) != 1 || len(roles.Roles) != 0 || len(local.Policies) != 0 {
			t.Errorf("account b sees %d users, %d roles, %d policies", len(users.Users), len(roles.Roles), len(local.Policies))
		}
	})
	t.Run("names are per account", func(t *testing.T) {
		out, err := b.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("shared")})
		check(t, err, ok)
		if aws.ToString(out.User.Arn) != "arn:aws:iam::"+acct.ID+":user/shared" {
			t.Errorf("Arn %s", aws.ToString(out.User.Arn))
		}
		p, err := b.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("pol"), PolicyDocument: aws.String(allowDescribe)})
		check(t, err, ok)
		if aws.ToString(p.Policy.Arn) == arn {
			t.Errorf("same policy ARN in two accounts")
		}
	})
}
