package iam_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

// inlineOps are the inline policy actions of users, groups and roles.
type inlineOps struct {
	kind  string
	quota int
	put   func(name, policy, doc string) error
	get   func(name, policy string) (*string, error)
	list  func(name string) ([]string, error)
	del   func(name, policy string) error
}

func inlines(c *iam.Client) []inlineOps {
	return []inlineOps{
		{
			kind: "user", quota: 2048,
			put: func(n, p, d string) error {
				_, err := c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String(n), PolicyName: aws.String(p), PolicyDocument: aws.String(d)})
				return err
			},
			get: func(n, p string) (*string, error) {
				out, err := c.GetUserPolicy(ctx, &iam.GetUserPolicyInput{UserName: aws.String(n), PolicyName: aws.String(p)})
				if err != nil {
					return nil, err
				}
				return out.PolicyDocument, nil
			},
			list: func(n string) ([]string, error) {
				out, err := c.ListUserPolicies(ctx, &iam.ListUserPoliciesInput{UserName: aws.String(n)})
				if err != nil {
					return nil, err
				}
				return out.PolicyNames, nil
			},
			del: func(n, p string) error {
				_, err := c.DeleteUserPolicy(ctx, &iam.DeleteUserPolicyInput{UserName: aws.String(n), PolicyName: aws.String(p)})
				return err
			},
		},
		{
			kind: "group", quota: 5120,
			put: func(n, p, d string) error {
				_, err := c.PutGroupPolicy(ctx, &iam.PutGroupPolicyInput{GroupName: aws.String(n), PolicyName: aws.String(p), PolicyDocument: aws.String(d)})
				return err
			},
			get: func(n, p string) (*string, error) {
				out, err := c.GetGroupPolicy(ctx, &iam.GetGroupPolicyInput{GroupName: aws.String(n), PolicyName: aws.String(p)})
				if err != nil {
					return nil, err
				}
				return out.PolicyDocument, nil
			},
			list: func(n string) ([]string, error) {
				out, err := c.ListGroupPolicies(ctx, &iam.ListGroupPoliciesInput{GroupName: aws.String(n)})
				if err != nil {
					return nil, err
				}
				return out.PolicyNames, nil
			},
			del: func(n, p string) error {
				_, err := c.DeleteGroupPolicy(ctx, &iam.DeleteGroupPolicyInput{GroupName: aws.String(n), PolicyName: aws.String(p)})
				return err
			},
		},
		{
			kind: "role", quota: 10240,
			put: func(n, p, d string) error {
				_, err := c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(n), PolicyName: aws.String(p), PolicyDocument: aws.String(d)})
				return err
			},
			get: func(n, p string) (*string, error) {
				out, err := c.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String(n), PolicyName: aws.String(p)})
				if err != nil {
					return nil, err
				}
				return out.PolicyDocument, nil
			},
			list: func(n string) ([]string, error) {
				out, err := c.ListRolePolicies(ctx, &iam.ListRolePoliciesInput{RoleName: aws.String(n)})
				if err != nil {
					return nil, err
				}
				return out.PolicyNames, nil
			},
			del: func(n, p string) error {
				_, err := c.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String(n), PolicyName: aws.String(p)})
				return err
			},
		},
	}
}

// sized returns a valid identity policy of about n characters.
func sized(n int) string {
	head := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:Describe*","Resource":"arn:aws:ec2:*:*:instance/`
	tail := `"}]}`
	return head + strings.Repeat("x", n-len(head)-len(tail)) + tail
}

func TestInlinePolicies(t *testing.T) {
	_, c, _ := start(t)
	hs := holders(c)
	for i, h := range inlines(c) {
		t.Run(h.kind, func(t *testing.T) {
			check(t, hs[i].create("e"), ok)
			check(t, h.put("e", "b-policy", allowDescribe), ok)
			check(t, h.put("e", "a-policy", denyTerminate), ok)
			check(t, h.put("e", "b-policy", allowAll), ok) // replaces
			doc, err := h.get("e", "b-policy")
			check(t, err, ok)
			if decode(t, doc) != allowAll {
				t.Errorf("document %q", decode(t, doc))
			}
			names, err := h.list("e")
			check(t, err, ok)
			if strings.Join(names, ",") != "a-policy,b-policy" {
				t.Errorf("names %v", names)
			}
			_, err = h.get("e", "none")
			check(t, err, noSuchEntity)
			check(t, h.put("e", "bad", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:*"}]}`), malformed)
			check(t, h.put("e", "bad name", allowAll), validation)
			check(t, h.put("ghost", "p", allowAll), noSuchEntity)
			check(t, h.put("e", "big", sized(h.quota)), limit) // the aggregate exceeds the quota
			check(t, h.del("e", "a-policy"), ok)
			check(t, h.del("e", "a-policy"), noSuchEntity)
			check(t, h.del("e", "b-policy"), ok)
			check(t, h.put("e", "big", sized(h.quota-10)), ok) // alone it fits
		})
	}
}
