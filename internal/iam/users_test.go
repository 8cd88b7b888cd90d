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

var userID = regexp.MustCompile(`^AIDA[A-Z2-7]{17}$`)

func TestUsers(t *testing.T) {
	env, c, _ := start(t)
	acct := env.AccountID

	t.Run("create", func(t *testing.T) {
		out, err := c.CreateUser(ctx, &iam.CreateUserInput{
			UserName: aws.String("Alice"), Path: aws.String("/eng/"),
			Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("core")}},
		})
		check(t, err, ok)
		u := out.User
		if !userID.MatchString(aws.ToString(u.UserId)) {
			t.Errorf("UserId %q", aws.ToString(u.UserId))
		}
		if got, want := aws.ToString(u.Arn), "arn:aws:iam::"+acct+":user/eng/Alice"; got != want {
			t.Errorf("Arn %q, want %q", got, want)
		}
		if aws.ToString(u.Path) != "/eng/" || u.CreateDate == nil || len(u.Tags) != 1 {
			t.Errorf("user %+v", u)
		}
	})
	t.Run("get", func(t *testing.T) {
		out, err := c.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("Alice")})
		check(t, err, ok)
		if aws.ToString(out.User.UserName) != "Alice" || len(out.User.Tags) != 1 {
			t.Errorf("user %+v", out.User)
		}
	})
	t.Run("get the root caller", func(t *testing.T) {
		out, err := c.GetUser(ctx, &iam.GetUserInput{})
		check(t, err, ok)
		if aws.ToString(out.User.Arn) != "arn:aws:iam::"+acct+":root" || aws.ToString(out.User.UserId) != acct || out.User.UserName != nil {
			t.Errorf("root user %+v", out.User)
		}
	})
	runCases(t, []errCase{
		{"same name any case", func() error {
			_, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("ALICE")})
			return err
		}, exists},
		{"name with a space", func() error {
			_, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("a b")})
			return err
		}, validation},
		{"name of 65 characters", func() error {
			_, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(strings.Repeat("a", 65))})
			return err
		}, validation},
		{"path without trailing slash", func() error {
			_, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("p"), Path: aws.String("/eng")})
			return err
		}, validation},
		{"unknown user", func() error {
			_, err := c.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("nobody")})
			return err
		}, noSuchEntity},
		{"boundary that does not exist", func() error {
			_, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("b"), PermissionsBoundary: aws.String("arn:aws:iam::" + acct + ":policy/none")})
			return err
		}, noSuchEntity},
		{"delete unknown", func() error {
			_, err := c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("nobody")})
			return err
		}, noSuchEntity},
	})
	t.Run("name characters", func(t *testing.T) {
		_, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("svc+ci=1,x.y@z_w-v")})
		check(t, err, ok)
	})
	t.Run("tags", func(t *testing.T) {
		_, err := c.TagUser(ctx, &iam.TagUserInput{UserName: aws.String("alice"), Tags: []types.Tag{
			{Key: aws.String("TEAM"), Value: aws.String("infra")}, {Key: aws.String("env"), Value: aws.String("prod")},
		}})
		check(t, err, ok)
		out, err := c.ListUserTags(ctx, &iam.ListUserTagsInput{UserName: aws.String("Alice")})
		check(t, err, ok)
		got := map[string]string{}
		for _, tg := range out.Tags {
			got[aws.ToString(tg.Key)] = aws.ToString(tg.Value)
		}
		if len(got) != 2 || got["TEAM"] != "infra" || got["env"] != "prod" {
			t.Errorf("tags %v: keys compare without case, the new one replaces", got)
		}
		_, err = c.UntagUser(ctx, &iam.UntagUserInput{UserName: aws.String("Alice"), TagKeys: []string{"team", "absent"}})
		check(t, err, ok)
		out, _ = c.ListUserTags(ctx, &iam.ListUserTagsInput{UserName: aws.String("Alice")})
		if len(out.Tags) != 1 || aws.ToString(out.Tags[0].Key) != "env" {
			t.Errorf("after untag %+v", out.Tags)
		}
		_, err = c.TagUser(ctx, &iam.TagUserInput{UserName: aws.String("Alice"), Tags: []types.Tag{
			{Key: aws.String("k"), Value: aws.String("1")}, {Key: aws.String("K"), Value: aws.String("2")},
		}})
		check(t, err, invalidInput)
	})
	t.Run("rename and move", func(t *testing.T) {
		_, err := c.UpdateUser(ctx, &iam.UpdateUserInput{UserName: aws.String("Alice"), NewUserName: aws.String("Alicia"), NewPath: aws.String("/ops/")})
		check(t, err, ok)
		_, err = c.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("Alice")})
		check(t, err, noSuchEntity)
		out, err := c.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("alicia")})
		check(t, err, ok)
		if aws.ToString(out.User.Arn) != "arn:aws:iam::"+acct+":user/ops/Alicia" || len(out.User.Tags) != 1 {
			t.Errorf("renamed user %+v", out.User)
		}
		_, err = c.UpdateUser(ctx, &iam.UpdateUserInput{UserName: aws.String("Alicia"), NewUserName: aws.String("SVC+CI=1,X.Y@Z_W-V")})
		check(t, err, exists)
	})
	t.Run("list with path prefix", func(t *testing.T) {
		out, err := c.ListUsers(ctx, &iam.ListUsersInput{PathPrefix: aws.String("/ops/")})
		check(t, err, ok)
		if len(out.Users) != 1 || aws.ToString(out.Users[0].UserName) != "Alicia" || out.IsTruncated {
			t.Errorf("users %+v", out.Users)
		}
		if out.Users[0].Tags != nil {
			t.Errorf("ListUsers shows tags; IAM leaves them out")
		}
	})
	t.Run("delete", func(t *testing.T) {
		_, err := c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("alicia")})
		check(t, err, ok)
		_, err = c.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("Alicia")})
		check(t, err, noSuchEntity)
	})
}

func TestListUsersPages(t *testing.T) {
	_, c, _ := start(t)
	for i := range 7 {
		mustUser(t, c, fmt.Sprintf("user%02d", i))
	}
	var names []string
	var marker *string
	pages := 0
	for {
		out, err := c.ListUsers(ctx, &iam.ListUsersInput{MaxItems: aws.Int32(3), Marker: marker})
		check(t, err, ok)
		pages++
		for _, u := range out.Users {
			names = append(names, aws.ToString(u.UserName))
		}
		if !out.IsTruncated {
			if out.Marker != nil {
				t.Errorf("Marker on the last page")
			}
			break
		}
		marker = out.Marker
	}
	if pages != 3 || len(names) != 7 || names[0] != "user00" || names[6] != "user06" {
		t.Errorf("%d pages: %v", pages, names)
	}
	p := iam.NewListUsersPaginator(c, &iam.ListUsersInput{MaxItems: aws.Int32(2)})
	n := 0
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		check(t, err, ok)
		n += len(out.Users)
	}
	if n != 7 {
		t.Errorf("paginator saw %d users", n)
	}
	runCases(t, []errCase{
		{"MaxItems 0", func() error { _, err := c.ListUsers(ctx, &iam.ListUsersInput{MaxItems: aws.Int32(0)}); return err }, validation},
		{"MaxItems 1001", func() error { _, err := c.ListUsers(ctx, &iam.ListUsersInput{MaxItems: aws.Int32(1001)}); return err }, validation},
		{"bad marker", func() error { _, err := c.ListUsers(ctx, &iam.ListUsersInput{Marker: aws.String("junk!")}); return err }, validation},
	})
}

func TestDeleteUserConflicts(t *testing.T) {
	_, c, _ := start(t)
	mustUser(t, c, "bob")
	arn := mustPolicy(t, c, "p", allowDescribe)
	if _, err := c.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("g")}); err != nil {
		t.Fatal(err)
	}
	key, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("bob")})
	check(t, err, ok)
	del := func() error {
		_, err := c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("bob")})
		return err
	}
	steps := []struct {
		name  string
		setup func() error
		undo  func() error
	}{
		{"access keys", nil, func() error {
			_, err := c.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: aws.String("bob"), AccessKeyId: key.AccessKey.AccessKeyId})
			return err
		}},
		{"inline policies", func() error {
			_, err := c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("bob"), PolicyName: aws.String("i"), PolicyDocument: aws.String(allowDescribe)})
			return err
		}, func() error {
			_, err := c.DeleteUserPolicy(ctx, &iam.DeleteUserPolicyInput{UserName: aws.String("bob"), PolicyName: aws.String("i")})
			return err
		}},
		{"attached policies", func() error {
			_, err := c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("bob"), PolicyArn: aws.String(arn)})
			return err
		}, func() error {
			_, err := c.DetachUserPolicy(ctx, &iam.DetachUserPolicyInput{UserName: aws.String("bob"), PolicyArn: aws.String(arn)})
			return err
		}},
		{"groups", func() error {
			_, err := c.AddUserToGroup(ctx, &iam.AddUserToGroupInput{UserName: aws.String("bob"), GroupName: aws.String("g")})
			return err
		}, func() error {
			_, err := c.RemoveUserFromGroup(ctx, &iam.RemoveUserFromGroupInput{UserName: aws.String("bob"), GroupName: aws.String("g")})
			return err
		}},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			if s.setup != nil {
				check(t, s.setup(), ok)
			}
			check(t, del(), conflict)
			check(t, s.undo(), ok)
		})
	}
	check(t, del(), ok)
}
