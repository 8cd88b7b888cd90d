package iam_test

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	iamsdk "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/kumo-cloud/kumo/internal/testenv"
)

// user makes an IAM user with one inline policy and returns its EC2 and STS
// clients.
func user(t *testing.T, env *testenv.Env, admin *iamsdk.Client, name, policy string) (*ec2.Client, *sts.Client) {
	t.Helper()
	ctx := context.Background()
	if _, err := admin.CreateUser(ctx, &iamsdk.CreateUserInput{UserName: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.PutUserPolicy(ctx, &iamsdk.PutUserPolicyInput{UserName: aws.String(name), PolicyName: aws.String("p"),
		PolicyDocument: aws.String(policy)}); err != nil {
		t.Fatal(err)
	}
	k, err := admin.CreateAccessKey(ctx, &iamsdk.CreateAccessKeyInput{UserName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	akid, secret := aws.ToString(k.AccessKey.AccessKeyId), aws.ToString(k.AccessKey.SecretAccessKey)
	return env.EC2As(akid, secret), env.STSAs(akid, secret)
}

var encodedMessage = regexp.MustCompile(`Encoded authorization failure message: (\S+)`)

// decodedMessage is the part of a decoded authorization message the test reads.
type decodedMessage struct {
	Allowed           bool
	ExplicitDeny      bool
	MatchedStatements struct{ Items []struct{ Effect string } }
	Context           struct {
		Principal  struct{ ARN string }
		Action     string
		Resource   string
		Conditions struct {
			Items []struct {
				Key    string
				Values struct{ Items []struct{ Value string } }
			}
		}
	}
}

func (m *decodedMessage) condition(key string) string {
	for _, c := range m.Context.Conditions.Items {
		if c.Key == key && len(c.Values.Items) > 0 {
			return c.Values.Items[0].Value
		}
	}
	return ""
}

// TestResourceLevelPermissions: statements name EC2 resources by ARN and
// condition on their tags and attributes; refusals name the resource and
// carry an encoded message that DecodeAuthorizationMessage explains.
func TestResourceLevelPermissions(t *testing.T) {
	env := testenv.Start(t)
	ctx := context.Background()
	admin, c := env.IAM(), env.EC2()
	imgs, err := c.DescribeImages(ctx, &ec2.DescribeImagesInput{Owners: []string{"amazon"}})
	if err != nil || len(imgs.Images) == 0 {
		t.Fatalf("images: %v", err)
	}
	ami := imgs.Images[0].ImageId
	run, err := c.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: ami, InstanceType: types.InstanceTypeT3Micro,
		MinCount: aws.Int32(2), MaxCount: aws.Int32(2)})
	if err != nil {
		t.Fatal(err)
	}
	dev, prod := aws.ToString(run.Instances[0].InstanceId), aws.ToString(run.Instances[1].InstanceId)
	if _, err := c.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{dev}, Tags: []types.Tag{{Key: aws.String("env"), Value: aws.String("dev")}}}); err != nil {
		t.Fatal(err)
	}
	me, err := env.STS().GetCallerIdentity(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	account := aws.ToString(me.Account)

	bob, bobSTS := user(t, env, admin, "bob", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"ec2:Describe*","Resource":"*"},
		{"Effect":"Allow","Action":["ec2:StopInstances","ec2:StartInstances"],"Resource":"arn:aws:ec2:*:*:instance/*",
		 "Condition":{"StringEquals":{"ec2:ResourceTag/env":"dev"}}},
		{"Effect":"Allow","Action":"ec2:CreateTags","Resource":"*",
		 "Condition":{"StringEquals":{"aws:RequestTag/owner":"${aws:username}"},"ForAllValues:StringEquals":{"aws:TagKeys":["owner"]}}}]}`)

	var refusal string
	t.Run("a tag condition allows stopping only tagged instances", func(t *testing.T) {
		for _, dry := range []bool{true, false} {
			_, err := bob.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{prod}, DryRun: aws.Bool(dry)})
			if testenv.Code(err) != "UnauthorizedOperation" {
				t.Fatalf("stop untagged (dry run %v): %v, want UnauthorizedOperation", dry, err)
			}
			refusal = err.Error()
		}
		if want := "on resource: arn:aws:ec2:us-east-1:" + account + ":instance/" + prod; !strings.Contains(refusal, want) {
			t.Errorf("refusal %q does not name %s", refusal, want)
		}
		// One refused instance refuses the whole call.
		if _, err := bob.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{dev, prod}}); testenv.Code(err) != "UnauthorizedOperation" {
			t.Fatalf("stop tagged and untagged: %v", err)
		}
		if _, err := bob.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{dev}, DryRun: aws.Bool(true)}); testenv.Code(err) != "DryRunOperation" {
			t.Fatalf("dry-run stop tagged: %v, want DryRunOperation", err)
		}
		out, err := bob.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{dev}})
		if err != nil || out.StoppingInstances[0].CurrentState.Name != types.InstanceStateNameStopping {
			t.Fatalf("stop tagged: %v", err)
		}
	})

	t.Run("the encoded message decodes for the account, with permission", func(t *testing.T) {
		m := encodedMessage.FindStringSubmatch(refusal)
		if m == nil {
			t.Fatalf("no encoded message in %q", refusal)
		}
		if _, err := bobSTS.DecodeAuthorizationMessage(ctx, &sts.DecodeAuthorizationMessageInput{EncodedMessage: aws.String(m[1])}); testenv.Code(err) != "AccessDenied" {
			t.Fatalf("decode without sts:DecodeAuthorizationMessage: %v, want AccessDenied", err)
		}
		other := env.CreateAccount(t, "other")
		_, err := env.STSAs(other.AccessKeyID, other.Secret).DecodeAuthorizationMessage(ctx, &sts.DecodeAuthorizationMessageInput{EncodedMessage: aws.String(m[1])})
		if testenv.Code(err) != "InvalidAuthorizationMessageException" {
			t.Fatalf("decode from another account: %v, want InvalidAuthorizationMessageException", err)
		}
		if _, err := env.STS().DecodeAuthorizationMessage(ctx, &sts.DecodeAuthorizationMessageInput{EncodedMessage: aws.String("x" + m[1])}); testenv.Code(err) != "InvalidAuthorizationMessageException" {
			t.Fatalf("decode a forged message: %v", err)
		}
		out, err := env.STS().DecodeAuthorizationMessage(ctx, &sts.DecodeAuthorizationMessageInput{EncodedMessage: aws.String(m[1])})
		if err != nil {
			t.Fatal(err)
		}
		var d decodedMessage
		if err := json.Unmarshal([]byte(aws.ToString(out.DecodedMessage)), &d); err != nil {
			t.Fatalf("decoded message %q: %v", aws.ToString(out.DecodedMessage), err)
		}
		if d.Allowed || d.ExplicitDeny || d.Context.Action != "ec2:StopInstances" || !strings.HasSuffix(d.Context.Resource, "instance/"+prod) ||
			!strings.HasSuffix(d.Context.Principal.ARN, ":user/bob") || d.condition("ec2:InstanceType") != "t3.micro" || d.condition("aws:username") != "bob" {
			t.Errorf("decoded message: %+v", d)
		}
	})

	t.Run("request tags and tag keys", func(t *testing.T) {
		tag := func(tags ...types.Tag) error {
			_, err := bob.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{prod}, Tags: tags})
			return err
		}
		if err := tag(types.Tag{Key: aws.String("owner"), Value: aws.String("bob")}); err != nil {
			t.Fatalf("tag owner=bob: %v", err)
		}
		if err := tag(types.Tag{Key: aws.String("owner"), Value: aws.String("alice")}); testenv.Code(err) != "UnauthorizedOperation" {
			t.Fatalf("tag owner=alice: %v", err)
		}
		if err := tag(types.Tag{Key: aws.String("owner"), Value: aws.String("bob")}, types.Tag{Key: aws.String("env"), Value: aws.String("dev")}); testenv.Code(err) != "UnauthorizedOperation" {
			t.Fatalf("tag an unlisted key: %v", err)
		}
		// Nothing of a refused call was applied.
		out, err := c.DescribeTags(ctx, &ec2.DescribeTagsInput{Filters: []types.Filter{{Name: aws.String("resource-id"), Values: []string{prod}}}})
		if err != nil || len(out.Tags) != 1 || aws.ToString(out.Tags[0].Value) != "bob" {
			t.Fatalf("tags of %s: %+v, %v", prod, out.Tags, err)
		}
	})

	t.Run("RunInstances is authorized on each resource it touches", func(t *testing.T) {
		carol, _ := user(t, env, admin, "carol", `{"Version":"2012-10-17","Statement":[
			{"Effect":"Allow","Action":"ec2:RunInstances","Resource":"arn:aws:ec2:*:*:instance/*","Condition":{"StringEquals":{"ec2:InstanceType":"t3.micro"}}},
			{"Effect":"Allow","Action":"ec2:RunInstances","Resource":["arn:aws:ec2:*::image/*","arn:aws:ec2:*:*:subnet/*","arn:aws:ec2:*:*:network-interface/*",
				"arn:aws:ec2:*:*:volume/*","arn:aws:ec2:*:*:security-group/*"]},
			{"Effect":"Allow","Action":"ec2:CreateTags","Resource":"*","Condition":{"StringEquals":{"ec2:CreateAction":"RunInstances"}}}]}`)
		launch := func(typ types.InstanceType, tags bool) error {
			in := &ec2.RunInstancesInput{ImageId: ami, InstanceType: typ, MinCount: aws.Int32(1), MaxCount: aws.Int32(1), DryRun: aws.Bool(true)}
			if tags {
				in.TagSpecifications = []types.TagSpecification{{ResourceType: types.ResourceTypeInstance, Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("a")}}}}
			}
			_, err := carol.RunInstances(ctx, in)
			return err
		}
		if err := launch(types.InstanceTypeT3Micro, true); testenv.Code(err) != "DryRunOperation" {
			t.Fatalf("t3.micro with tags: %v, want DryRunOperation", err)
		}
		err := launch(types.InstanceTypeT2Micro, false)
		if testenv.Code(err) != "UnauthorizedOperation" || !strings.Contains(err.Error(), ":instance/*") {
			t.Fatalf("t2.micro: %v, want UnauthorizedOperation on instance/*", err)
		}
		dave, _ := user(t, env, admin, "dave", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:RunInstances","Resource":"*"}]}`)
		_, err = dave.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: ami, InstanceType: types.InstanceTypeT3Micro, MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
			DryRun: aws.Bool(true), TagSpecifications: []types.TagSpecification{{ResourceType: types.ResourceTypeInstance, Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("a")}}}}})
		if testenv.Code(err) != "UnauthorizedOperation" || !strings.Contains(err.Error(), "ec2:CreateTags") {
			t.Fatalf("tag on create without ec2:CreateTags: %v", err)
		}
	})

	t.Run("an explicit deny is named in the decoded message", func(t *testing.T) {
		erin, _ := user(t, env, admin, "erin", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:*","Resource":"*"},
			{"Sid":"NoTerminate","Effect":"Deny","Action":"ec2:TerminateInstances","Resource":"*"}]}`)
		_, err := erin.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{prod}})
		if testenv.Code(err) != "UnauthorizedOperation" || !strings.Contains(err.Error(), "explicit deny") {
			t.Fatalf("denied terminate: %v", err)
		}
		m := encodedMessage.FindStringSubmatch(err.Error())
		out, derr := env.STS().DecodeAuthorizationMessage(ctx, &sts.DecodeAuthorizationMessageInput{EncodedMessage: aws.String(m[1])})
		if derr != nil {
			t.Fatal(derr)
		}
		var d decodedMessage
		_ = json.Unmarshal([]byte(aws.ToString(out.DecodedMessage)), &d)
		if !d.ExplicitDeny || len(d.MatchedStatements.Items) != 1 || d.MatchedStatements.Items[0].Effect != "DENY" {
			t.Errorf("decoded deny: %s", aws.ToString(out.DecodedMessage))
		}
	})
}
