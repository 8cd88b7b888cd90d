package iam_test

import (
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

// holderOps are the attachment actions of users, groups and roles, so one
// table covers all three.
type holderOps struct {
	kind   string
	create func(name string) error
	attach func(name, arn string) error
	detach func(name, arn string) error
	list   func(name string, max *int32, marker *string) ([]string, *string, error)
}

func holders(c *iam.Client) []holderOps {
	return []holderOps{
		{
			kind: "user",
			create: func(n string) error {
				_, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(n)})
				return err
			},
			attach: func(n, a string) error {
				_, err := c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String(n), PolicyArn: aws.String(a)})
				return err
			},
			detach: func(n, a string) error {
				_, err := c.DetachUserPolicy(ctx, &iam.DetachUserPolicyInput{UserName: aws.String(n), PolicyArn: aws.String(a)})
				return err
			},
			list: func(n string, max *int32, m *string) ([]string, *string, error) {
				out, err := c.ListAttachedUserPolicies(ctx, &iam.ListAttachedUserPoliciesInput{UserName: aws.String(n), MaxItems: max, Marker: m})
				if err != nil {
					return nil, nil, err
				}
				var names []string
				for _, p := range out.AttachedPolicies {
					names = append(names, aws.ToString(p.PolicyName))
				}
				return names, out.Marker, nil
			},
		},
		{
			kind: "group",
			create: func(n string) error {
				_, err := c.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String(n)})
				return err
			},
			attach: func(n, a string) error {
				_, err := c.AttachGroupPolicy(ctx, &iam.AttachGroupPolicyInput{GroupName: aws.String(n), PolicyArn: aws.String(a)})
				return err
			},
			detach: func(n, a string) error {
				_, err := c.DetachGroupPolicy(ctx, &iam.DetachGroupPolicyInput{GroupName: aws.String(n), PolicyArn: aws.String(a)})
				return err
			},
			list: func(n string, max *int32, m *string) ([]string, *string, error) {
				out, err := c.ListAttachedGroupPolicies(ctx, &iam.ListAttachedGroupPoliciesInput{GroupName: aws.String(n), MaxItems: max, Marker: m})
				if err != nil {
					return nil, nil, err
				}
				var names []string
				for _, p := range out.AttachedPolicies {
					names = append(names, aws.ToString(p.PolicyName))
				}
				return names, out.Marker, nil
			},
		},
		{
			kind: "role",
			create: func(n string) error {
				_, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(n), AssumeRolePolicyDocument: aws.String(ec2Trust)})
				return err
			},
			attach: func(n, a string) error {
				_, err := c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String(n), PolicyArn: aws.String(a)})
				return err
			},
			detach: func(n, a string) error {
				_, err := c.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: aws.String(n), PolicyArn: aws.String(a)})
				return err
			},
			list: func(n string, max *int32, m *string) ([]string, *string, error) {
				out, err := c.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(n), MaxItems: max, Marker: m})
				if err != nil {
					return nil, nil, err
				}
				var names []string
				for _, p := range out.AttachedPolicies {
					names = append(names, aws.ToString(p.PolicyName))
				}
				return names, out.Marker, nil
			},
		},
	}
}

func TestAttachments(t *testing.T) {
	env, c, _ := start(t)
	var arns []string
	for i := range 11 {
		arns = append(arns, mustPolicy(t, c, fmt.Sprintf("p%02d", i), allowDescribe))
	}
	unknown := "arn:aws:iam::" + env.AccountID + ":policy/unknown"
	for _, h := range holders(c) {
		t.Run(h.kind, func(t *testing.T) {
			check(t, h.create("e"), ok)
			for _, a := range arns[:10] {
				check(t, h.attach("e", a), ok)
			}
			check(t, h.attach("e", arns[0]), ok) // again: nothing changes
			check(t, h.attach("e", arns[10]), limit)
			check(t, h.attach("e", unknown), noSuchEntity)
			check(t, h.attach("ghost", arns[0]), noSuchEntity)
			check(t, h.attach("e", "not-an-arn-but-long-enough"), invalidInput)
			check(t, h.detach("e", arns[10]), noSuchEntity) // exists, not attached
			check(t, h.detach("e", unknown), noSuchEntity)

			var all []string
			var marker *string
			for {
				names, next, err := h.list("e", aws.Int32(4), marker)
				check(t, err, ok)
				all = append(all, names...)
				if next == nil {
					break
				}
				marker = next
			}
			if len(all) != 10 || all[0] != "p00" || all[9] != "p09" {
				t.Errorf("attached %v", all)
			}
			check(t, h.detach("e", arns[3]), ok)
			check(t, h.attach("e", arns[10]), ok)
			names, _, err := h.list("e", nil, nil)
			check(t, err, ok)
			if len(names) != 10 || names[9] != "p10" {
				t.Errorf("after detach and attach %v", names)
			}
		})
	}
	got, _ := c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(arns[0])})
	if n := aws.ToInt32(got.Policy.AttachmentCount); n != 3 {
		t.Errorf("p00 AttachmentCount %d, want 3", n)
	}
	got, _ = c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(arns[3])})
	if n := aws.ToInt32(got.Policy.AttachmentCount); n != 0 {
		t.Errorf("p03 AttachmentCount %d, want 0", n)
	}
}
