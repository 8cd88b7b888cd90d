package iam_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
)

func TestGetAccountAuthorizationDetails(t *testing.T) {
	_, c, _ := start(t)
	arn := mustPolicy(t, c, "local", allowDescribe)
	mustUser(t, c, "u")
	mustRole(t, c, "r")
	_, err := c.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("g")})
	check(t, err, ok)
	_, err = c.AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: aws.String("g"), UserName: aws.String("u")})
	check(t, err, ok)
	_, err = c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("u"), PolicyName: aws.String("inl"), PolicyDocument: aws.String(allowAll)})
	check(t, err, ok)
	_, err = c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("r"), PolicyArn: aws.String(arn)})
	check(t, err, ok)
	_, err = c.AttachGroupPolicy(ctx, &iam.AttachGroupPolicyInput{GroupName: aws.String("g"), PolicyArn: aws.String("arn:aws:iam::aws:policy/ReadOnlyAccess")})
	check(t, err, ok)
	_, err = c.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String("ip")})
	check(t, err, ok)
	_, err = c.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String("ip"), RoleName: aws.String("r")})
	check(t, err, ok)

	out, err := c.GetAccountAuthorizationDetails(ctx, &iam.GetAccountAuthorizationDetailsInput{})
	check(t, err, ok)
	if len(out.UserDetailList) != 1 || len(out.GroupDetailList) != 1 || len(out.RoleDetailList) != 1 || len(out.Policies) != 2 {
		t.Fatalf("details: %d users, %d groups, %d roles, %d policies", len(out.UserDetailList), len(out.GroupDetailList), len(out.RoleDetailList), len(out.Policies))
	}
	u := out.UserDetailList[0]
	if len(u.GroupList) != 1 || u.GroupList[0] != "g" || len(u.UserPolicyList) != 1 || decode(t, u.UserPolicyList[0].PolicyDocument) != allowAll {
		t.Errorf("user detail %+v", u)
	}
	ro := out.RoleDetailList[0]
	if len(ro.AttachedManagedPolicies) != 1 || len(ro.InstanceProfileList) != 1 || decode(t, ro.AssumeRolePolicyDocument) != ec2Trust {
		t.Errorf("role detail %+v", ro)
	}
	for _, p := range out.Policies {
		if len(p.PolicyVersionList) != 1 || p.PolicyVersionList[0].Document == nil {
			t.Errorf("policy detail %+v", p)
		}
	}

	only, err := c.GetAccountAuthorizationDetails(ctx, &iam.GetAccountAuthorizationDetailsInput{Filter: []types.EntityType{types.EntityTypeRole, types.EntityTypeAWSManagedPolicy}})
	check(t, err, ok)
	if len(only.UserDetailList) != 0 || len(only.RoleDetailList) != 1 || len(only.Policies) != 1 || aws.ToString(only.Policies[0].PolicyName) != "ReadOnlyAccess" {
		t.Errorf("filtered: %+v", only)
	}

	n := 0
	p := iam.NewGetAccountAuthorizationDetailsPaginator(c, &iam.GetAccountAuthorizationDetailsInput{MaxItems: aws.Int32(2)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		check(t, err, ok)
		n += len(page.UserDetailList) + len(page.GroupDetailList) + len(page.RoleDetailList) + len(page.Policies)
	}
	if n != 5 {
		t.Errorf("paged through %d items, want 5", n)
	}
	_, err = c.GetAccountAuthorizationDetails(ctx, &iam.GetAccountAuthorizationDetailsInput{Filter: []types.EntityType{"Bucket"}})
	check(t, err, validation)
}
