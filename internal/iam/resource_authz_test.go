package iam_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/kumo-cloud/kumo/internal/testenv"
)

// iamUser makes user name on path with one inline policy and an access key,
// and returns an IAM client signing as it. The policy is in place before the
// key is first used, so the authenticator's cache never holds an older one.
func iamUser(t *testing.T, env *testenv.Env, admin *iam.Client, path, name, policy string) *iam.Client {
	t.Helper()
	if _, err := admin.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name), Path: aws.String(path)}); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String(name), PolicyName: aws.String("p"),
		PolicyDocument: aws.String(policy)}); err != nil {
		t.Fatal(err)
	}
	k, err := admin.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	return env.IAMAs(aws.ToString(k.AccessKey.AccessKeyId), aws.ToString(k.AccessKey.SecretAccessKey))
}

// TestIAMResourceLevelPermissions: IAM actions are evaluated on the ARN of
// the user, group, role or policy they act on (path included), with
// iam:PolicyARN for attachments, the entity's tags as aws:ResourceTag/K and
// iam:ResourceTag/K, and the tags of a create as aws:RequestTag/K.
func TestIAMResourceLevelPermissions(t *testing.T) {
	env := testenv.Start(t)
	admin := env.IAM()
	bob, err := admin.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("bob")})
	if err != nil {
		t.Fatal(err)
	}
	account := strings.Split(aws.ToString(bob.User.Arn), ":")[4]
	bobKey, err := admin.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("bob")})
	if err != nil {
		t.Fatal(err)
	}

	t.Run("self-service", func(t *testing.T) {
		alice := iamUser(t, env, admin, "/", "alice", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
			"Action":["iam:CreateAccessKey","iam:ListAccessKeys","iam:DeleteAccessKey","iam:GetUser"],
			"Resource":"arn:aws:iam::*:user/${aws:username}"}]}`)
		var created string
		runCases(t, []errCase{
			{"GetUser of itself", func() error { _, err := alice.GetUser(ctx, &iam.GetUserInput{}); return err }, ok},
			{"GetUser of itself by name", func() error {
				_, err := alice.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("alice")})
				return err
			}, ok},
			{"GetUser of another user", func() error {
				_, err := alice.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("bob")})
				return err
			}, accessDenied},
			{"GetUser of no user is refused, not answered", func() error {
				_, err := alice.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("nobody")})
				return err
			}, accessDenied},
			{"CreateAccessKey for itself", func() error {
				out, err := alice.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{})
				if err == nil {
					created = aws.ToString(out.AccessKey.AccessKeyId)
				}
				return err
			}, ok},
			{"CreateAccessKey for another user", func() error {
				_, err := alice.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("bob")})
				return err
			}, accessDenied},
			{"ListAccessKeys of itself", func() error {
				out, err := alice.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String("alice")})
				if err == nil && len(out.AccessKeyMetadata) != 2 {
					t.Errorf("alice's keys: %d, want 2", len(out.AccessKeyMetadata))
				}
				return err
			}, ok},
			{"ListAccessKeys of another user", func() error {
				_, err := alice.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String("bob")})
				return err
			}, accessDenied},
			{"DeleteAccessKey of another user", func() error {
				_, err := alice.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: aws.String("bob"), AccessKeyId: bobKey.AccessKey.AccessKeyId})
				return err
			}, accessDenied},
			{"DeleteAccessKey of its own", func() error {
				_, err := alice.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{AccessKeyId: aws.String(created)})
				return err
			}, ok},
		})
	})

	t.Run("attach only the policy iam:PolicyARN names", func(t *testing.T) {
		mustRole(t, admin, "app")
		attacher := iamUser(t, env, admin, "/", "attacher", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
			"Action":"iam:AttachRolePolicy","Resource":"*",
			"Condition":{"ArnEquals":{"iam:PolicyARN":"arn:aws:iam::aws:policy/ReadOnlyAccess"}}}]}`)
		attach := func(role, policy string) func() error {
			return func() error {
				_, err := attacher.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String(role),
					PolicyArn: aws.String("arn:aws:iam::aws:policy/" + policy)})
				return err
			}
		}
		runCases(t, []errCase{
			{"ReadOnlyAccess", attach("app", "ReadOnlyAccess"), ok},
			{"AdministratorAccess", attach("app", "AdministratorAccess"), accessDenied},
			{"ReadOnlyAccess to no role", attach("nothere", "ReadOnlyAccess"), noSuchEntity},
		})
	})

	t.Run("iam:PermissionsBoundary keeps a delegate within a boundary", func(t *testing.T) {
		boundary := mustPolicy(t, admin, "boundary", allowDescribe)
		if _, err := admin.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("bounded"), PermissionsBoundary: aws.String(boundary)}); err != nil {
			t.Fatal(err)
		}
		delegate := iamUser(t, env, admin, "/", "delegate", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
			"Action":["iam:CreateUser","iam:PutUserPolicy"],"Resource":"*",
			"Condition":{"StringEquals":{"iam:PermissionsBoundary":"`+boundary+`"}}}]}`)
		put := func(user string) func() error {
			return func() error {
				_, err := delegate.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String(user), PolicyName: aws.String("p"), PolicyDocument: aws.String(allowAll)})
				return err
			}
		}
		create := func(name string, boundary *string) func() error {
			return func() error {
				_, err := delegate.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name), PermissionsBoundary: boundary})
				return err
			}
		}
		runCases(t, []errCase{
			{"PutUserPolicy on a bounded user", put("bounded"), ok},
			{"PutUserPolicy on an unbounded user", put("bob"), accessDenied},
			{"CreateUser with the boundary", create("bounded2", aws.String(boundary)), ok},
			{"CreateUser without it", create("free", nil), accessDenied},
		})
	})

	t.Run("a path scopes what a policy reaches", func(t *testing.T) {
		devAdmin := iamUser(t, env, admin, "/", "dev-admin", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
			"Action":["iam:CreateUser","iam:GetUser","iam:UpdateUser","iam:DeleteUser"],"Resource":"arn:aws:iam::*:user/dev/*"}]}`)
		if _, err := admin.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("carol"), Path: aws.String("/ops/")}); err != nil {
			t.Fatal(err)
		}
		create := func(path, name string) func() error {
			return func() error {
				_, err := devAdmin.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name), Path: aws.String(path)})
				return err
			}
		}
		runCases(t, []errCase{
			{"CreateUser under /dev/", create("/dev/", "dev1"), ok},
			{"CreateUser under /dev/team/", create("/dev/team/", "dev2"), ok},
			{"CreateUser under /", create("/", "root1"), accessDenied},
			{"CreateUser under /ops/", create("/ops/", "ops1"), accessDenied},
			{"GetUser under /dev/", func() error {
				_, err := devAdmin.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("dev1")})
				return err
			}, ok},
			{"GetUser under /ops/", func() error {
				_, err := devAdmin.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("carol")})
				if err != nil && !strings.Contains(err.Error(), "on resource: arn:aws:iam::"+account+":user/ops/carol") {
					t.Errorf("refusal %q does not name carol's ARN with its path", err)
				}
				return err
			}, accessDenied},
			{"UpdateUser renames within /dev/", func() error {
				_, err := devAdmin.UpdateUser(ctx, &iam.UpdateUserInput{UserName: aws.String("dev2"), NewUserName: aws.String("dev3")})
				return err
			}, ok},
			{"UpdateUser moves out of /dev/", func() error {
				_, err := devAdmin.UpdateUser(ctx, &iam.UpdateUserInput{UserName: aws.String("dev1"), NewPath: aws.String("/ops/")})
				return err
			}, accessDenied},
			{"DeleteUser under /dev/", func() error {
				_, err := devAdmin.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("dev1")})
				return err
			}, ok},
			{"DeleteUser under /", func() error {
				_, err := devAdmin.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("bob")})
				return err
			}, accessDenied},
		})
	})

	t.Run("tags of the role and of the request", func(t *testing.T) {
		mustRole(t, admin, "untagged-svc")
		for name, team := range map[string]string{"blue-svc": "blue", "red-svc": "red"} {
			if _, err := admin.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(ec2Trust),
				Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String(team)}}}); err != nil {
				t.Fatal(err)
			}
		}
		blue := iamUser(t, env, admin, "/", "blue-admin", `{"Version":"2012-10-17","Statement":[
			{"Effect":"Allow","Action":"iam:UpdateRole","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/team":"blue"}}},
			{"Effect":"Allow","Action":"iam:UpdateAssumeRolePolicy","Resource":"*","Condition":{"StringEquals":{"iam:ResourceTag/team":"blue"}}},
			{"Effect":"Allow","Action":"iam:CreateRole","Resource":"*","Condition":{"StringEquals":{"aws:RequestTag/team":"blue"},
			 "ForAllValues:StringEquals":{"aws:TagKeys":["team"]}}}]}`)
		update := func(role string) func() error {
			return func() error {
				_, err := blue.UpdateRole(ctx, &iam.UpdateRoleInput{RoleName: aws.String(role), Description: aws.String("changed")})
				return err
			}
		}
		trust := func(role string) func() error {
			return func() error {
				_, err := blue.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String(role), PolicyDocument: aws.String(ec2Trust)})
				return err
			}
		}
		create := func(name string, tags ...types.Tag) func() error {
			return func() error {
				_, err := blue.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(ec2Trust), Tags: tags})
				return err
			}
		}
		tag := func(k, v string) types.Tag { return types.Tag{Key: aws.String(k), Value: aws.String(v)} }
		runCases(t, []errCase{
			{"UpdateRole of a blue role", update("blue-svc"), ok},
			{"UpdateRole of a red role", update("red-svc"), accessDenied},
			{"UpdateRole of an untagged role", update("untagged-svc"), accessDenied},
			{"UpdateAssumeRolePolicy by iam:ResourceTag", trust("blue-svc"), ok},
			{"UpdateAssumeRolePolicy of a red role", trust("red-svc"), accessDenied},
			{"CreateRole tagged blue", create("blue-2", tag("team", "blue")), ok},
			{"CreateRole tagged red", create("red-2", tag("team", "red")), accessDenied},
			{"CreateRole with another tag key", create("blue-3", tag("team", "blue"), tag("cost", "x")), accessDenied},
			{"CreateRole untagged", create("plain"), accessDenied},
		})
		out, err := admin.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("red-svc")})
		if err != nil || out.Role.Description != nil {
			t.Errorf("red-svc after a refused update: %v, %v", out, err)
		}
	})

	t.Run("the simulator on a principal is authorized on that principal", func(t *testing.T) {
		sim := iamUser(t, env, admin, "/", "sim", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
			"Action":"iam:SimulatePrincipalPolicy","Resource":"arn:aws:iam::*:user/${aws:username}"}]}`)
		simulate := func(arn string) func() error {
			return func() error {
				_, err := sim.SimulatePrincipalPolicy(ctx, &iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String(arn), ActionNames: []string{"ec2:RunInstances"}})
				return err
			}
		}
		runCases(t, []errCase{
			{"itself", simulate("arn:aws:iam::" + account + ":user/sim"), ok},
			{"another user", simulate(aws.ToString(bob.User.Arn)), accessDenied},
		})
	})
}
