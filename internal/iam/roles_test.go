package iam_test

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	iamsvc "github.com/kumo-cloud/kumo/internal/iam"
)

var roleID = regexp.MustCompile(`^AROA[A-Z2-7]{17}$`)

func TestRoles(t *testing.T) {
	env, c, svc := start(t)
	acct := env.AccountID

	t.Run("create", func(t *testing.T) {
		out, err := c.CreateRole(ctx, &iam.CreateRoleInput{
			RoleName: aws.String("WebServer"), Path: aws.String("/app/"), AssumeRolePolicyDocument: aws.String(ec2Trust),
			Description: aws.String("web tier"), Tags: []types.Tag{{Key: aws.String("tier"), Value: aws.String("web")}},
		})
		check(t, err, ok)
		ro := out.Role
		if !roleID.MatchString(aws.ToString(ro.RoleId)) || aws.ToString(ro.Arn) != "arn:aws:iam::"+acct+":role/app/WebServer" ||
			decode(t, ro.AssumeRolePolicyDocument) != ec2Trust || aws.ToInt32(ro.MaxSessionDuration) != 3600 {
			t.Errorf("role %+v", ro)
		}
	})
	t.Run("get", func(t *testing.T) {
		out, err := c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("webserver")})
		check(t, err, ok)
		ro := out.Role
		if aws.ToString(ro.RoleName) != "WebServer" || aws.ToString(ro.Description) != "web tier" || len(ro.Tags) != 1 || ro.RoleLastUsed == nil {
			t.Errorf("role %+v", ro)
		}
	})
	runCases(t, []errCase{
		{"duplicate", func() error {
			_, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("WEBSERVER"), AssumeRolePolicyDocument: aws.String(ec2Trust)})
			return err
		}, exists},
		{"trust policy without principal", func() error {
			_, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("x"), AssumeRolePolicyDocument: aws.String(allowAll)})
			return err
		}, malformed},
		{"trust policy not JSON", func() error {
			_, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("x"), AssumeRolePolicyDocument: aws.String("{")})
			return err
		}, malformed},
		{"session of 30 minutes", func() error {
			_, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("x"), AssumeRolePolicyDocument: aws.String(ec2Trust), MaxSessionDuration: aws.Int32(1800)})
			return err
		}, validation},
		{"session of 13 hours", func() error {
			_, err := c.UpdateRole(ctx, &iam.UpdateRoleInput{RoleName: aws.String("WebServer"), MaxSessionDuration: aws.Int32(46800)})
			return err
		}, validation},
		{"description of 1001 characters", func() error {
			_, err := c.UpdateRole(ctx, &iam.UpdateRoleInput{RoleName: aws.String("WebServer"), Description: aws.String(strings.Repeat("d", 1001))})
			return err
		}, validation},
		{"unknown role", func() error {
			_, err := c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("nope")})
			return err
		}, noSuchEntity},
		{"update trust with a bad document", func() error {
			_, err := c.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("WebServer"), PolicyDocument: aws.String(allowAll)})
			return err
		}, malformed},
	})
	t.Run("update", func(t *testing.T) {
		_, err := c.UpdateRole(ctx, &iam.UpdateRoleInput{RoleName: aws.String("WebServer"), Description: aws.String("new"), MaxSessionDuration: aws.Int32(43200)})
		check(t, err, ok)
		trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + acct + `:root"},"Action":"sts:AssumeRole"}]}`
		_, err = c.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("WebServer"), PolicyDocument: aws.String(trust)})
		check(t, err, ok)
		out, _ := c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("WebServer")})
		if aws.ToString(out.Role.Description) != "new" || aws.ToInt32(out.Role.MaxSessionDuration) != 43200 || decode(t, out.Role.AssumeRolePolicyDocument) != trust {
			t.Errorf("role %+v", out.Role)
		}
		ro, err := svc.GetRoleByName(ctx, acct, "webserver")
		if err != nil || ro.Trust != trust {
			t.Fatalf("GetRoleByName: %+v %v", ro, err)
		}
		if _, err := ro.TrustPolicy(); err != nil {
			t.Errorf("trust policy: %v", err)
		}
		byARN, err := svc.RoleByARN(ctx, "arn:aws:iam::"+acct+":role/app/WebServer")
		if err != nil || byARN.ID != ro.ID {
			t.Errorf("RoleByARN: %+v %v", byARN, err)
		}
		if _, err := svc.RoleByARN(ctx, "arn:aws:iam::"+acct+":role/WebServer"); !errors.Is(err, iamsvc.ErrNotFound) {
			t.Errorf("RoleByARN with the wrong path: %v", err)
		}
	})
	t.Run("tags", func(t *testing.T) {
		_, err := c.TagRole(ctx, &iam.TagRoleInput{RoleName: aws.String("WebServer"), Tags: []types.Tag{{Key: aws.String("owner"), Value: aws.String("ops")}}})
		check(t, err, ok)
		_, err = c.UntagRole(ctx, &iam.UntagRoleInput{RoleName: aws.String("WebServer"), TagKeys: []string{"TIER"}})
		check(t, err, ok)
		out, _ := c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("WebServer")})
		if len(out.Role.Tags) != 1 || aws.ToString(out.Role.Tags[0].Key) != "owner" {
			t.Errorf("tags %+v", out.Role.Tags)
		}
		tags := make([]types.Tag, 50)
		for i := range tags {
			tags[i] = types.Tag{Key: aws.String(strings.Repeat("k", i+1)), Value: aws.String("v")}
		}
		_, err = c.TagRole(ctx, &iam.TagRoleInput{RoleName: aws.String("WebServer"), Tags: tags})
		check(t, err, limit) // 51 in all
	})
	t.Run("list", func(t *testing.T) {
		mustRole(t, c, "batch")
		out, err := c.ListRoles(ctx, &iam.ListRolesInput{})
		check(t, err, ok)
		if len(out.Roles) != 2 || aws.ToString(out.Roles[0].RoleName) != "batch" || out.Roles[1].Tags != nil {
			t.Errorf("roles %+v", out.Roles)
		}
		out, err = c.ListRoles(ctx, &iam.ListRolesInput{PathPrefix: aws.String("/app/")})
		check(t, err, ok)
		if len(out.Roles) != 1 {
			t.Errorf("roles under /app/ %+v", out.Roles)
		}
	})
	t.Run("delete conflicts", func(t *testing.T) {
		_, err := c.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String("web")})
		check(t, err, ok)
		_, err = c.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String("web"), RoleName: aws.String("WebServer")})
		check(t, err, ok)
		del := func() error {
			_, err := c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("WebServer")})
			return err
		}
		check(t, del(), conflict)
		_, err = c.RemoveRoleFromInstanceProfile(ctx, &iam.RemoveRoleFromInstanceProfileInput{InstanceProfileName: aws.String("web"), RoleName: aws.String("WebServer")})
		check(t, err, ok)
		_, err = c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("WebServer"), PolicyName: aws.String("i"), PolicyDocument: aws.String(allowAll)})
		check(t, err, ok)
		check(t, del(), conflict)
		_, err = c.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String("WebServer"), PolicyName: aws.String("i")})
		check(t, err, ok)
		_, err = c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("WebServer"), PolicyArn: aws.String("arn:aws:iam::aws:policy/AmazonEC2ReadOnlyAccess")})
		check(t, err, ok)
		check(t, del(), conflict)
		_, err = c.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: aws.String("WebServer"), PolicyArn: aws.String("arn:aws:iam::aws:policy/AmazonEC2ReadOnlyAccess")})
		check(t, err, ok)
		check(t, del(), ok)
		if _, err := svc.GetRoleByName(ctx, acct, "WebServer"); !errors.Is(err, iamsvc.ErrNotFound) {
			t.Errorf("deleted role: %v", err)
		}
	})
}

func TestPermissionsBoundary(t *testing.T) {
	env, c, svc := start(t)
	arn := mustPolicy(t, c, "bound", allowDescribe)
	_, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("r"), AssumeRolePolicyDocument: aws.String(ec2Trust), PermissionsBoundary: aws.String(arn)})
	check(t, err, ok)
	_, err = c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("u"), PermissionsBoundary: aws.String(arn)})
	check(t, err, ok)
	out, err := c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("r")})
	check(t, err, ok)
	if b := out.Role.PermissionsBoundary; b == nil || aws.ToString(b.PermissionsBoundaryArn) != arn || b.PermissionsBoundaryType != types.PermissionsBoundaryAttachmentTypePolicy {
		t.Errorf("boundary %+v", b)
	}
	p, _ := c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(arn)})
	if aws.ToInt32(p.Policy.PermissionsBoundaryUsageCount) != 2 {
		t.Errorf("PermissionsBoundaryUsageCount %d", aws.ToInt32(p.Policy.PermissionsBoundaryUsageCount))
	}
	if b, err := svc.BoundaryOf(ctx, env.AccountID, "arn:aws:iam::"+env.AccountID+":role/r"); err != nil || b == nil {
		t.Errorf("BoundaryOf: %v %v", b, err)
	}
	_, err = c.DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: aws.String(arn)})
	check(t, err, conflict)
	_, err = c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("r")})
	check(t, err, ok)
	_, err = c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("u")})
	check(t, err, ok)
	_, err = c.DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: aws.String(arn)})
	check(t, err, ok)
}
