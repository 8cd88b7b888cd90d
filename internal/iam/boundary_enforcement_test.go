package iam_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	iamsdk "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/kumo-cloud/kumo/internal/testenv"
)

// TestPermissionsBoundaryIsEnforced: a user's or role's permissions boundary
// caps what its identity policies grant — an action needs both.
func TestPermissionsBoundaryIsEnforced(t *testing.T) {
	env := testenv.Start(t)
	ctx := context.Background()
	admin := env.IAM()
	b, err := admin.CreatePolicy(ctx, &iamsdk.CreatePolicyInput{PolicyName: aws.String("describe-boundary"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ec2:Describe*","sts:AssumeRole"],"Resource":"*"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	allowAll := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ec2:*","sts:AssumeRole"],"Resource":"*"}]}`

	if _, err := admin.CreateUser(ctx, &iamsdk.CreateUserInput{UserName: aws.String("bounded"), PermissionsBoundary: b.Policy.Arn}); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.PutUserPolicy(ctx, &iamsdk.PutUserPolicyInput{UserName: aws.String("bounded"), PolicyName: aws.String("all"), PolicyDocument: aws.String(allowAll)}); err != nil {
		t.Fatal(err)
	}
	k, err := admin.CreateAccessKey(ctx, &iamsdk.CreateAccessKeyInput{UserName: aws.String("bounded")})
	if err != nil {
		t.Fatal(err)
	}
	user := env.EC2As(aws.ToString(k.AccessKey.AccessKeyId), aws.ToString(k.AccessKey.SecretAccessKey))
	if _, err := user.DescribeRegions(ctx, &ec2.DescribeRegionsInput{}); err != nil {
		t.Fatalf("inside the boundary: %v", err)
	}
	_, err = user.CreateKeyPair(ctx, &ec2.CreateKeyPairInput{KeyName: aws.String("k")})
	if testenv.Code(err) != "UnauthorizedOperation" || !strings.Contains(err.Error(), "no permissions boundary allows") {
		t.Fatalf("outside the boundary: %v", err)
	}

	// A role's boundary binds its sessions too.
	role, err := admin.CreateRole(ctx, &iamsdk.CreateRoleInput{RoleName: aws.String("bounded-role"), PermissionsBoundary: b.Policy.Arn,
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + env.AccountID + `:root"},"Action":"sts:AssumeRole"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.PutRolePolicy(ctx, &iamsdk.PutRolePolicyInput{RoleName: aws.String("bounded-role"), PolicyName: aws.String("all"), PolicyDocument: aws.String(allowAll)}); err != nil {
		t.Fatal(err)
	}
	out, err := env.STS().AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: role.Role.Arn, RoleSessionName: aws.String("bounded")})
	if err != nil {
		t.Fatal(err)
	}
	session := env.EC2WithSession(aws.ToString(out.Credentials.AccessKeyId), aws.ToString(out.Credentials.SecretAccessKey), aws.ToString(out.Credentials.SessionToken))
	if _, err := session.DescribeRegions(ctx, &ec2.DescribeRegionsInput{}); err != nil {
		t.Fatalf("role session inside the boundary: %v", err)
	}
	if _, err := session.CreateKeyPair(ctx, &ec2.CreateKeyPairInput{KeyName: aws.String("k")}); testenv.Code(err) != "UnauthorizedOperation" {
		t.Fatalf("role session outside the boundary: %v", err)
	}
}
