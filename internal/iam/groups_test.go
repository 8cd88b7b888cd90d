package iam_test

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

var groupID = regexp.MustCompile(`^AGPA[A-Z2-7]{17}$`)

func TestGroups(t *testing.T) {
	env, c, _ := start(t)
	mustUser(t, c, "ann")
	mustUser(t, c, "bea")

	t.Run("create", func(t *testing.T) {
		out, err := c.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("Admins"), Path: aws.String("/ops/")})
		check(t, err, ok)
		g := out.Group
		if !groupID.MatchString(aws.ToString(g.GroupId)) || aws.ToString(g.Arn) != "arn:aws:iam::"+env.AccountID+":group/ops/Admins" {
			t.Errorf("group %+v", g)
		}
	})
	t.Run("members", func(t *testing.T) {
		for _, u := range []string{"bea", "ann", "ann"} { // adding twice changes nothing
			_, err := c.AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: aws.String("admins"), UserName: aws.String(u)})
			check(t, err, ok)
		}
		out, err := c.GetGroup(ctx, &iam.GetGroupInput{GroupName: aws.String("Admins")})
		check(t, err, ok)
		if len(out.Users) != 2 || aws.ToString(out.Users[0].UserName) != "ann" || aws.ToString(out.Group.GroupName) != "Admins" {
			t.Errorf("GetGroup %+v", out)
		}
		page, err := c.GetGroup(ctx, &iam.GetGroupInput{GroupName: aws.String("Admins"), MaxItems: aws.Int32(1)})
		check(t, err, ok)
		if len(page.Users) != 1 || !page.IsTruncated {
			t.Errorf("first page %+v", page)
		}
		groups, err := c.ListGroupsForUser(ctx, &iam.ListGroupsForUserInput{UserName: aws.String("ann")})
		check(t, err, ok)
		if len(groups.Groups) != 1 || aws.ToString(groups.Groups[0].GroupName) != "Admins" {
			t.Errorf("groups of ann %+v", groups.Groups)
		}
	})
	runCases(t, []errCase{
		{"duplicate", func() error {
			_, err := c.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("ADMINS")})
			return err
		}, exists},
		{"unknown group", func() error {
			_, err := c.GetGroup(ctx, &iam.GetGroupInput{GroupName: aws.String("nope")})
			return err
		}, noSuchEntity},
		{"add unknown user", func() error {
			_, err := c.AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: aws.String("Admins"), UserName: aws.String("ghost")})
			return err
		}, noSuchEntity},
		{"remove a non-member", func() error {
			mustUser(t, c, "cid")
			_, err := c.RemoveUserFromGroup(ctx, &iam.RemoveUserFromGroupInput{GroupName: aws.String("Admins"), UserName: aws.String("cid")})
			return err
		}, ok},
		{"remove from an unknown group", func() error {
			_, err := c.RemoveUserFromGroup(ctx, &iam.RemoveUserFromGroupInput{GroupName: aws.String("nope"), UserName: aws.String("cid")})
			return err
		}, noSuchEntity},
		{"delete with members", func() error {
			_, err := c.DeleteGroup(ctx, &iam.DeleteGroupInput{GroupName: aws.String("Admins")})
			return err
		}, conflict},
		{"name of 129 characters", func() error {
			_, err := c.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String(fmt.Sprintf("%0129d", 0))})
			return err
		}, validation},
	})
	t.Run("list", func(t *testing.T) {
		_, err := c.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("devs")})
		check(t, err, ok)
		out, err := c.ListGroups(ctx, &iam.ListGroupsInput{})
		check(t, err, ok)
		if len(out.Groups) != 2 {
			t.Errorf("groups %+v", out.Groups)
		}
		out, err = c.ListGroups(ctx, &iam.ListGroupsInput{PathPrefix: aws.String("/ops")})
		check(t, err, ok)
		if len(out.Groups) != 1 || aws.ToString(out.Groups[0].GroupName) != "Admins" {
			t.Errorf("groups under /ops %+v", out.Groups)
		}
	})
	t.Run("at most ten groups per user", func(t *testing.T) {
		for i := range 10 {
			name := fmt.Sprintf("g%d", i)
			_, err := c.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String(name)})
			check(t, err, ok)
			_, err = c.AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: aws.String(name), UserName: aws.String("cid")})
			check(t, err, ok)
		}
		_, err := c.AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: aws.String("devs"), UserName: aws.String("cid")})
		check(t, err, limit)
	})
	t.Run("delete conflicts", func(t *testing.T) {
		arn := mustPolicy(t, c, "p", allowDescribe)
		for _, u := range []string{"ann", "bea"} {
			_, err := c.RemoveUserFromGroup(ctx, &iam.RemoveUserFromGroupInput{GroupName: aws.String("Admins"), UserName: aws.String(u)})
			check(t, err, ok)
		}
		_, err := c.PutGroupPolicy(ctx, &iam.PutGroupPolicyInput{GroupName: aws.String("Admins"), PolicyName: aws.String("i"), PolicyDocument: aws.String(allowDescribe)})
		check(t, err, ok)
		_, err = c.DeleteGroup(ctx, &iam.DeleteGroupInput{GroupName: aws.String("Admins")})
		check(t, err, conflict)
		_, err = c.DeleteGroupPolicy(ctx, &iam.DeleteGroupPolicyInput{GroupName: aws.String("Admins"), PolicyName: aws.String("i")})
		check(t, err, ok)
		_, err = c.AttachGroupPolicy(ctx, &iam.AttachGroupPolicyInput{GroupName: aws.String("Admins"), PolicyArn: aws.String(arn)})
		check(t, err, ok)
		_, err = c.DeleteGroup(ctx, &iam.DeleteGroupInput{GroupName: aws.String("Admins")})
		check(t, err, conflict)
		_, err = c.DetachGroupPolicy(ctx, &iam.DetachGroupPolicyInput{GroupName: aws.String("Admins"), PolicyArn: aws.String(arn)})
		check(t, err, ok)
		_, err = c.DeleteGroup(ctx, &iam.DeleteGroupInput{GroupName: aws.String("Admins")})
		check(t, err, ok)
		groups, err := c.ListGroupsForUser(ctx, &iam.ListGroupsForUserInput{UserName: aws.String("ann")})
		check(t, err, ok)
		if len(groups.Groups) != 0 {
			t.Errorf("groups of ann %+v", groups.Groups)
		}
	})
}
