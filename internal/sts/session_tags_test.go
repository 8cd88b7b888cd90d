package sts_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"

	"github.com/kumo-cloud/kumo/internal/testenv"
)

// trustWithTags lets account assume the role and tag its sessions.
func trustWithTags(account string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + account + `:root"},"Action":["sts:AssumeRole","sts:TagSession"]}]}`
}

// TestManagedSessionPolicies: PolicyArns limit the session like an inline
// session policy; together they form one set, any of which may allow.
func TestManagedSessionPolicies(t *testing.T) {
	e := testenv.Start(t)
	roleARN := makeRole(t, e.IAM(), "admin", trustAccount(e.AccountID), allowEC2, 0)
	p, err := e.IAM().CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("regions"), PolicyDocument: aws.String(allowRegions)})
	if err != nil {
		t.Fatal(err)
	}
	out, err := e.STS().AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("managed"),
		PolicyArns: []ststypes.PolicyDescriptorType{{Arn: p.Policy.Arn}}})
	if err != nil {
		t.Fatal(err)
	}
	c := ec2With(e, out.Credentials)
	check(t, describeRegions(c), ok)
	check(t, createKeyPair(c), unauthorized)

	_, err = e.STS().AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("managed"),
		PolicyArns: []ststypes.PolicyDescriptorType{{Arn: aws.String("arn:aws:iam::" + e.AccountID + ":policy/nope")}}})
	check(t, err, apiErr{"MalformedPolicyDocument", 400})

	// A managed session policy deleted since still limits the session: to nothing.
	if _, err := e.IAM().DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: p.Policy.Arn}); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, func() string {
		if err := describeRegions(c); testenv.Code(err) != "UnauthorizedOperation" {
			return "after the policy was deleted: " + testenv.Code(err)
		}
		return ""
	})
}

// TestSessionTags: session tags need sts:TagSession in the trust policy,
// become aws:PrincipalTag keys of the session, and transitive ones pass
// through role chaining.
func TestSessionTags(t *testing.T) {
	e := testenv.Start(t)
	byTeam := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:DescribeRegions","Resource":"*",
		"Condition":{"StringEquals":{"aws:PrincipalTag/team":"blue"}}},
		{"Effect":"Allow","Action":["sts:AssumeRole","sts:TagSession"],"Resource":"*"}]}`
	tagged := makeRole(t, e.IAM(), "tagged", trustWithTags(e.AccountID), byTeam, 0)
	untaggable := makeRole(t, e.IAM(), "untaggable", trustAccount(e.AccountID), byTeam, 0)
	// The second hop trusts the first role's sessions and needs no TagSession
	// for tags the caller passes on transitively.
	second := makeRole(t, e.IAM(), "second", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"`+tagged+`"},"Action":["sts:AssumeRole","sts:TagSession"]}]}`, byTeam, 0)

	assumeTagged := func(c *sts.Client, role string, tags map[string]string, transitive ...string) (*ststypes.Credentials, error) {
		in := &sts.AssumeRoleInput{RoleArn: aws.String(role), RoleSessionName: aws.String("tagged"), TransitiveTagKeys: transitive}
		for k, v := range tags {
			in.Tags = append(in.Tags, ststypes.Tag{Key: aws.String(k), Value: aws.String(v)})
		}
		out, err := c.AssumeRole(ctx, in)
		if err != nil {
			return nil, err
		}
		return out.Credentials, nil
	}
	_, err := assumeTagged(e.STS(), untaggable, map[string]string{"team": "blue"})
	check(t, err, accessDenied)
	_, err = assumeTagged(e.STS(), tagged, map[string]string{"team": "blue", "TEAM": "red"})
	check(t, err, apiErr{"InvalidParameterValue", 400})
	_, err = assumeTagged(e.STS(), tagged, map[string]string{"team": "blue"}, "owner")
	check(t, err, apiErr{"InvalidParameterValue", 400})

	red, err := assumeTagged(e.STS(), tagged, map[string]string{"team": "red"})
	check(t, err, ok)
	check(t, describeRegions(ec2With(e, red)), unauthorized)
	blue, err := assumeTagged(e.STS(), tagged, map[string]string{"team": "blue"}, "team")
	check(t, err, ok)
	check(t, describeRegions(ec2With(e, blue)), ok)

	// Role chaining: the transitive tag comes along and cannot be overridden.
	chained, err := assumeTagged(stsWith(e, blue), second, nil)
	check(t, err, ok)
	check(t, describeRegions(ec2With(e, chained)), ok)
	_, err = assumeTagged(stsWith(e, blue), second, map[string]string{"team": "red"})
	check(t, err, apiErr{"InvalidParameterValue", 400})
}
