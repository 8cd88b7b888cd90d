package iam_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	iamsdk "github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/kumo-cloud/kumo/internal/testenv"
)

// TestUserPoliciesAreEnforced: an IAM user's access key signs requests, and
// its identity policies decide them — explicit deny over allow over implicit
// deny — with DryRun telling the same.
func TestUserPoliciesAreEnforced(t *testing.T) {
	env := testenv.Start(t)
	ctx := context.Background()
	admin := env.IAM()
	if _, err := admin.CreateUser(ctx, &iamsdk.CreateUserInput{UserName: aws.String("alice")}); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.PutUserPolicy(ctx, &iamsdk.PutUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("describe-only"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:Describe*","Resource":"*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	key, err := admin.CreateAccessKey(ctx, &iamsdk.CreateAccessKeyInput{UserName: aws.String("alice")})
	if err != nil {
		t.Fatal(err)
	}
	alice := env.EC2As(aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey))

	if _, err := alice.DescribeInstances(ctx, &ec2.DescribeInstancesInput{}); err != nil {
		t.Fatalf("allowed Describe: %v", err)
	}
	run := &ec2.RunInstancesInput{ImageId: aws.String("ami-00000000000000000"), InstanceType: types.InstanceTypeT2Micro,
		MinCount: aws.Int32(1), MaxCount: aws.Int32(1)}
	imgs, err := alice.DescribeImages(ctx, &ec2.DescribeImagesInput{Owners: []string{"amazon"}})
	if err != nil || len(imgs.Images) == 0 {
		t.Fatalf("images: %v", err)
	}
	run.ImageId = imgs.Images[0].ImageId
	if _, err := alice.RunInstances(ctx, run); testenv.Code(err) != "UnauthorizedOperation" {
		t.Fatalf("RunInstances without permission: %v, want UnauthorizedOperation", err)
	}
	run.DryRun = aws.Bool(true)
	if _, err := alice.RunInstances(ctx, run); testenv.Code(err) != "UnauthorizedOperation" {
		t.Fatalf("DryRun RunInstances without permission: %v, want UnauthorizedOperation", err)
	}
	if _, err := alice.CreateKeyPair(ctx, &ec2.CreateKeyPairInput{KeyName: aws.String("k")}); testenv.Code(err) != "UnauthorizedOperation" {
		t.Fatalf("CreateKeyPair: %v", err)
	}

	// An allow for everything, and an explicit deny that wins over it.
	if _, err := admin.PutUserPolicy(ctx, &iamsdk.PutUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("all-but-keys"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:*","Resource":"*"},
			{"Effect":"Deny","Action":"ec2:CreateKeyPair","Resource":"*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, func() string { // the authenticator caches a key's policies for a few seconds
		_, err := alice.RunInstances(ctx, run)
		if testenv.Code(err) != "DryRunOperation" {
			return "DryRun RunInstances after the allow: " + testenv.Code(err)
		}
		return ""
	})
	if _, err := alice.CreateKeyPair(ctx, &ec2.CreateKeyPairInput{KeyName: aws.String("k")}); testenv.Code(err) != "UnauthorizedOperation" {
		t.Fatalf("explicitly denied CreateKeyPair: %v", err)
	}

	// IAM actions need IAM permissions.
	aliceIAM := env.IAMAs(aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey))
	if _, err := aliceIAM.CreateUser(ctx, &iamsdk.CreateUserInput{UserName: aws.String("mallory")}); testenv.Code(err) != "AccessDenied" {
		t.Fatalf("CreateUser without permission: %v, want AccessDenied", err)
	}
	// A deactivated key stops working.
	if _, err := admin.UpdateAccessKey(ctx, &iamsdk.UpdateAccessKeyInput{UserName: aws.String("alice"),
		AccessKeyId: key.AccessKey.AccessKeyId, Status: "Inactive"}); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, func() string {
		if _, err := alice.DescribeRegions(ctx, &ec2.DescribeRegionsInput{}); testenv.Code(err) != "AuthFailure" {
			return "inactive key: " + testenv.Code(err)
		}
		return ""
	})
}
