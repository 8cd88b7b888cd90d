package iam_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
)

var policyID = regexp.MustCompile(`^ANPA[A-Z2-7]{17}$`)

func TestManagedPolicies(t *testing.T) {
	env, c, _ := start(t)
	acct := env.AccountID
	var arn string

	t.Run("create", func(t *testing.T) {
		out, err := c.CreatePolicy(ctx, &iam.CreatePolicyInput{
			PolicyName: aws.String("ReadEC2"), Path: aws.String("/team/"), Description: aws.String("reads"),
			PolicyDocument: aws.String(allowDescribe), Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}},
		})
		check(t, err, ok)
		p := out.Policy
		arn = aws.ToString(p.Arn)
		if arn != "arn:aws:iam::"+acct+":policy/team/ReadEC2" || !policyID.MatchString(aws.ToString(p.PolicyId)) ||
			aws.ToString(p.DefaultVersionId) != "v1" || aws.ToInt32(p.AttachmentCount) != 0 || !p.IsAttachable {
			t.Errorf("policy %+v", p)
		}
	})
	t.Run("get", func(t *testing.T) {
		out, err := c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(arn)})
		check(t, err, ok)
		if aws.ToString(out.Policy.Description) != "reads" || len(out.Policy.Tags) != 1 {
			t.Errorf("policy %+v", out.Policy)
		}
		v, err := c.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String("v1")})
		check(t, err, ok)
		if decode(t, v.PolicyVersion.Document) != allowDescribe || !v.PolicyVersion.IsDefaultVersion {
			t.Errorf("version %+v", v.PolicyVersion)
		}
		if strings.Contains(aws.ToString(v.PolicyVersion.Document), ":") {
			t.Errorf("document %q is not URL-encoded", aws.ToString(v.PolicyVersion.Document))
		}
	})
	runCases(t, []errCase{
		{"duplicate name on another path", func() error {
			_, err := c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("readec2"), PolicyDocument: aws.String(allowDescribe)})
			return err
		}, exists},
		{"malformed document", func() error {
			_, err := c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("bad"), PolicyDocument: aws.String(`{"Statement":`)})
			return err
		}, malformed},
		{"managed policies need version 2012-10-17", func() error {
			_, err := c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("old"),
				PolicyDocument: aws.String(`{"Statement":[{"Effect":"Allow","Action":"ec2:*","Resource":"*"}]}`)})
			return err
		}, malformed},
		{"principal in an identity policy", func() error {
			_, err := c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("princ"), PolicyDocument: aws.String(ec2Trust)})
			return err
		}, malformed},
		{"too large", func() error {
			big := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:Describe*","Resource":[` +
				strings.Repeat(`"arn:aws:ec2:us-east-1:123456789012:instance/i-0123456789abcdef0",`, 100) + `"*"]}]}`
			_, err := c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("big"), PolicyDocument: aws.String(big)})
			return err
		}, limit},
		{"unknown policy", func() error {
			_, err := c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String("arn:aws:iam::" + acct + ":policy/nope")})
			return err
		}, noSuchEntity},
		{"right name, wrong path", func() error {
			_, err := c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String("arn:aws:iam::" + acct + ":policy/ReadEC2")})
			return err
		}, noSuchEntity},
		{"not an ARN", func() error {
			_, err := c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String("this-is-not-an-arn-at-all")})
			return err
		}, invalidInput},
		{"unknown version", func() error {
			_, err := c.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String("v9")})
			return err
		}, noSuchEntity},
		{"malformed version id", func() error {
			_, err := c.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String("1")})
			return err
		}, validation},
	})
	t.Run("versions", func(t *testing.T) {
		for i := 2; i <= 5; i++ {
			out, err := c.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: aws.String(arn), PolicyDocument: aws.String(allowAll), SetAsDefault: i == 3})
			check(t, err, ok)
			if got := aws.ToString(out.PolicyVersion.VersionId); got != fmt.Sprintf("v%d", i) || out.PolicyVersion.IsDefaultVersion != (i == 3) {
				t.Errorf("version %+v", out.PolicyVersion)
			}
		}
		_, err := c.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: aws.String(arn), PolicyDocument: aws.String(allowAll)})
		check(t, err, limit)
		p, _ := c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(arn)})
		if aws.ToString(p.Policy.DefaultVersionId) != "v3" {
			t.Errorf("default %s", aws.ToString(p.Policy.DefaultVersionId))
		}
		_, err = c.DeletePolicyVersion(ctx, &iam.DeletePolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String("v3")})
		check(t, err, conflict)
		_, err = c.SetDefaultPolicyVersion(ctx, &iam.SetDefaultPolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String("v5")})
		check(t, err, ok)
		_, err = c.SetDefaultPolicyVersion(ctx, &iam.SetDefaultPolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String("v8")})
		check(t, err, noSuchEntity)
		_, err = c.DeletePolicyVersion(ctx, &iam.DeletePolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String("v1")})
		check(t, err, ok)
		_, err = c.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: aws.String(arn), PolicyDocument: aws.String(allowAll)})
		check(t, err, ok) // v6: numbers are never reused
		out, err := c.ListPolicyVersions(ctx, &iam.ListPolicyVersionsInput{PolicyArn: aws.String(arn)})
		check(t, err, ok)
		var ids []string
		for _, v := range out.Versions {
			ids = append(ids, aws.ToString(v.VersionId))
			if v.IsDefaultVersion != (aws.ToString(v.VersionId) == "v5") {
				t.Errorf("version %s default %v", aws.ToString(v.VersionId), v.IsDefaultVersion)
			}
		}
		if strings.Join(ids, ",") != "v6,v5,v4,v3,v2" {
			t.Errorf("versions %v", ids)
		}
	})
	t.Run("delete conflicts", func(t *testing.T) {
		mustUser(t, c, "u")
		_, err := c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("u"), PolicyArn: aws.String(arn)})
		check(t, err, ok)
		_, err = c.DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: aws.String(arn)})
		check(t, err, conflict)
		_, err = c.DetachUserPolicy(ctx, &iam.DetachUserPolicyInput{UserName: aws.String("u"), PolicyArn: aws.String(arn)})
		check(t, err, ok)
		_, err = c.DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: aws.String(arn)})
		check(t, err, conflict) // versions besides the default remain
		for _, v := range []string{"v2", "v3", "v4", "v6"} {
			_, err = c.DeletePolicyVersion(ctx, &iam.DeletePolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String(v)})
			check(t, err, ok)
		}
		_, err = c.DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: aws.String(arn)})
		check(t, err, ok)
		_, err = c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(arn)})
		check(t, err, noSuchEntity)
	})
}

func TestListPolicies(t *testing.T) {
	_, c, _ := start(t)
	for i := range 3 {
		mustPolicy(t, c, fmt.Sprintf("local%d", i), allowDescribe)
	}
	mustUser(t, c, "u")
	admin := "arn:aws:iam::aws:policy/AdministratorAccess"
	_, err := c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("u"), PolicyArn: aws.String(admin)})
	check(t, err, ok)

	count := func(in *iam.ListPoliciesInput) (local, awsOwned int) {
		t.Helper()
		p := iam.NewListPoliciesPaginator(c, in)
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			check(t, err, ok)
			for _, pol := range out.Policies {
				if strings.HasPrefix(aws.ToString(pol.Arn), "arn:aws:iam::aws:") {
					awsOwned++
				} else {
					local++
				}
			}
		}
		return local, awsOwned
	}
	if l, a := count(&iam.ListPoliciesInput{Scope: types.PolicyScopeTypeLocal}); l != 3 || a != 0 {
		t.Errorf("Local: %d local, %d aws", l, a)
	}
	if l, a := count(&iam.ListPoliciesInput{Scope: types.PolicyScopeTypeAws, MaxItems: aws.Int32(2)}); l != 0 || a < 5 {
		t.Errorf("AWS: %d local, %d aws", l, a)
	}
	if l, a := count(&iam.ListPoliciesInput{MaxItems: aws.Int32(2)}); l != 3 || a < 5 {
		t.Errorf("All: %d local, %d aws", l, a)
	}
	if l, a := count(&iam.ListPoliciesInput{OnlyAttached: true}); l != 0 || a != 1 {
		t.Errorf("OnlyAttached: %d local, %d aws", l, a)
	}
	got, err := c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(admin)})
	check(t, err, ok)
	if aws.ToInt32(got.Policy.AttachmentCount) != 1 || aws.ToString(got.Policy.PolicyId) != "ANPAIWMBCKSKIEE64ZLYK" {
		t.Errorf("AdministratorAccess %+v", got.Policy)
	}
	v, err := c.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: aws.String(admin), VersionId: aws.String("v1")})
	check(t, err, ok)
	if decode(t, v.PolicyVersion.Document) != `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}` {
		t.Errorf("AdministratorAccess document %s", decode(t, v.PolicyVersion.Document))
	}
	runCases(t, []errCase{
		{"bad scope", func() error { _, err := c.ListPolicies(ctx, &iam.ListPoliciesInput{Scope: "Mine"}); return err }, validation},
		{"delete an AWS policy", func() error {
			_, err := c.DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: aws.String(admin)})
			return err
		}, accessDenied},
		{"version an AWS policy", func() error {
			_, err := c.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: aws.String(admin), PolicyDocument: aws.String(allowAll)})
			return err
		}, accessDenied},
	})
}

func TestListEntitiesForPolicy(t *testing.T) {
	_, c, _ := start(t)
	arn := mustPolicy(t, c, "shared", allowDescribe)
	mustUser(t, c, "u1")
	mustUser(t, c, "u2")
	mustRole(t, c, "r1")
	_, err := c.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("g1")})
	check(t, err, ok)
	for _, f := range []func() error{
		func() error {
			_, err := c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("u1"), PolicyArn: aws.String(arn)})
			return err
		},
		func() error {
			_, err := c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("u2"), PolicyArn: aws.String(arn)})
			return err
		},
		func() error {
			_, err := c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("r1"), PolicyArn: aws.String(arn)})
			return err
		},
		func() error {
			_, err := c.AttachGroupPolicy(ctx, &iam.AttachGroupPolicyInput{GroupName: aws.String("g1"), PolicyArn: aws.String(arn)})
			return err
		},
	} {
		check(t, f(), ok)
	}
	out, err := c.ListEntitiesForPolicy(ctx, &iam.ListEntitiesForPolicyInput{PolicyArn: aws.String(arn)})
	check(t, err, ok)
	if len(out.PolicyUsers) != 2 || len(out.PolicyRoles) != 1 || len(out.PolicyGroups) != 1 {
		t.Errorf("entities %+v", out)
	}
	roles, err := c.ListEntitiesForPolicy(ctx, &iam.ListEntitiesForPolicyInput{PolicyArn: aws.String(arn), EntityFilter: types.EntityTypeRole})
	check(t, err, ok)
	if len(roles.PolicyUsers) != 0 || len(roles.PolicyRoles) != 1 || aws.ToString(roles.PolicyRoles[0].RoleName) != "r1" {
		t.Errorf("roles %+v", roles)
	}
	n := 0
	p := iam.NewListEntitiesForPolicyPaginator(c, &iam.ListEntitiesForPolicyInput{PolicyArn: aws.String(arn), MaxItems: aws.Int32(1)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		check(t, err, ok)
		n += len(page.PolicyUsers) + len(page.PolicyRoles) + len(page.PolicyGroups)
	}
	if n != 4 {
		t.Errorf("paged through %d entities", n)
	}
	got, _ := c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(arn)})
	if aws.ToInt32(got.Policy.AttachmentCount) != 4 {
		t.Errorf("AttachmentCount %d", aws.ToInt32(got.Policy.AttachmentCount))
	}
}
