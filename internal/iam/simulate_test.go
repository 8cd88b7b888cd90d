package iam_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
)

func TestSimulatePrincipalPolicy(t *testing.T) {
	env, c, svc := start(t)
	acct := env.AccountID
	userARN := "arn:aws:iam::" + acct + ":user/dev"
	mustUser(t, c, "dev")
	mustUser(t, c, "nobody")
	_, err := c.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("devs")})
	check(t, err, ok)
	_, err = c.AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: aws.String("devs"), UserName: aws.String("dev")})
	check(t, err, ok)
	// The user reads through its group's managed policy; its own inline
	// policy denies terminating.
	_, err = c.AttachGroupPolicy(ctx, &iam.AttachGroupPolicyInput{GroupName: aws.String("devs"), PolicyArn: aws.String("arn:aws:iam::aws:policy/AmazonEC2ReadOnlyAccess")})
	check(t, err, ok)
	_, err = c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("dev"), PolicyName: aws.String("guard"), PolicyDocument: aws.String(denyTerminate)})
	check(t, err, ok)
	tagged := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:StartInstances","Resource":"*",` +
		`"Condition":{"StringEquals":{"aws:ResourceTag/env":"dev"}}}]}`
	_, err = c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("dev"), PolicyName: aws.String("start-dev"), PolicyDocument: aws.String(tagged)})
	check(t, err, ok)

	type want struct {
		decision types.PolicyEvaluationDecisionType
		source   string // SourcePolicyId of the first matched statement
	}
	cases := []struct {
		name    string
		source  string
		action  string
		context []types.ContextEntry
		inputs  []string
		want    want
	}{
		{"allowed through the group", userARN, "ec2:DescribeInstances", nil, nil, want{types.PolicyEvaluationDecisionTypeAllowed, "AmazonEC2ReadOnlyAccess"}},
		{"explicit deny inline", userARN, "ec2:TerminateInstances", nil, []string{allowAll}, want{types.PolicyEvaluationDecisionTypeExplicitDeny, "guard"}},
		{"nothing allows", userARN, "ec2:RunInstances", nil, nil, want{types.PolicyEvaluationDecisionTypeImplicitDeny, ""}},
		{"policy input adds", userARN, "ec2:RunInstances", nil, []string{allowAll}, want{types.PolicyEvaluationDecisionTypeAllowed, "PolicyInputList.1"}},
		{"condition met", userARN, "ec2:StartInstances", []types.ContextEntry{{
			ContextKeyName: aws.String("aws:ResourceTag/env"), ContextKeyValues: []string{"dev"}, ContextKeyType: types.ContextKeyTypeEnumString,
		}}, nil, want{types.PolicyEvaluationDecisionTypeAllowed, "start-dev"}},
		{"condition not met", userARN, "ec2:StartInstances", []types.ContextEntry{{
			ContextKeyName: aws.String("aws:ResourceTag/env"), ContextKeyValues: []string{"prod"}, ContextKeyType: types.ContextKeyTypeEnumString,
		}}, nil, want{types.PolicyEvaluationDecisionTypeImplicitDeny, ""}},
		{"user without policies", "arn:aws:iam::" + acct + ":user/nobody", "ec2:DescribeInstances", nil, nil, want{types.PolicyEvaluationDecisionTypeImplicitDeny, ""}},
		{"the group alone", "arn:aws:iam::" + acct + ":group/devs", "ec2:TerminateInstances", nil, nil, want{types.PolicyEvaluationDecisionTypeImplicitDeny, ""}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err := c.SimulatePrincipalPolicy(ctx, &iam.SimulatePrincipalPolicyInput{
				PolicySourceArn: aws.String(tc.source), ActionNames: []string{tc.action}, ContextEntries: tc.context, PolicyInputList: tc.inputs,
			})
			check(t, err, ok)
			if len(out.EvaluationResults) != 1 {
				t.Fatalf("%d results", len(out.EvaluationResults))
			}
			r := out.EvaluationResults[0]
			if r.EvalDecision != tc.want.decision || aws.ToString(r.EvalActionName) != tc.action || aws.ToString(r.EvalResourceName) != "*" {
				t.Errorf("result %s on %s: %s, want %s", aws.ToString(r.EvalActionName), aws.ToString(r.EvalResourceName), r.EvalDecision, tc.want.decision)
			}
			got := ""
			if len(r.MatchedStatements) > 0 {
				got = aws.ToString(r.MatchedStatements[0].SourcePolicyId)
			}
			if got != tc.want.source {
				t.Errorf("matched %q, want %q (%+v)", got, tc.want.source, r.MatchedStatements)
			}
		})
	}
	t.Run("several actions and resources", func(t *testing.T) {
		out, err := c.SimulatePrincipalPolicy(ctx, &iam.SimulatePrincipalPolicyInput{
			PolicySourceArn: aws.String(userARN), ActionNames: []string{"ec2:DescribeInstances", "ec2:TerminateInstances"},
			ResourceArns: []string{"arn:aws:ec2:us-east-1:" + acct + ":instance/i-1", "arn:aws:ec2:us-east-1:" + acct + ":instance/i-2"},
			MaxItems:     aws.Int32(3),
		})
		check(t, err, ok)
		if len(out.EvaluationResults) != 3 || !out.IsTruncated {
			t.Fatalf("first page: %d results, truncated %v", len(out.EvaluationResults), out.IsTruncated)
		}
		next, err := c.SimulatePrincipalPolicy(ctx, &iam.SimulatePrincipalPolicyInput{
			PolicySourceArn: aws.String(userARN), ActionNames: []string{"ec2:DescribeInstances", "ec2:TerminateInstances"},
			ResourceArns: []string{"arn:aws:ec2:us-east-1:" + acct + ":instance/i-1", "arn:aws:ec2:us-east-1:" + acct + ":instance/i-2"},
			MaxItems:     aws.Int32(3), Marker: out.Marker,
		})
		check(t, err, ok)
		if len(next.EvaluationResults) != 1 || next.IsTruncated || next.EvaluationResults[0].EvalDecision != types.PolicyEvaluationDecisionTypeExplicitDeny {
			t.Errorf("second page %+v", next.EvaluationResults)
		}
	})
	t.Run("permissions boundary", func(t *testing.T) {
		out, err := c.SimulatePrincipalPolicy(ctx, &iam.SimulatePrincipalPolicyInput{
			PolicySourceArn: aws.String(userARN), ActionNames: []string{"ec2:DescribeInstances"},
			PermissionsBoundaryPolicyInputList: []string{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`},
		})
		check(t, err, ok)
		r := out.EvaluationResults[0]
		if r.EvalDecision != types.PolicyEvaluationDecisionTypeImplicitDeny || r.PermissionsBoundaryDecisionDetail == nil || r.PermissionsBoundaryDecisionDetail.AllowedByPermissionsBoundary {
			t.Errorf("outside the boundary: %s %+v", r.EvalDecision, r.PermissionsBoundaryDecisionDetail)
		}
	})
	t.Run("PoliciesOf for the authorizer", func(t *testing.T) {
		docs, err := svc.PoliciesOf(ctx, acct, userARN)
		if err != nil || len(docs) != 3 { // guard, start-dev, the group's AmazonEC2ReadOnlyAccess
			t.Errorf("PoliciesOf user: %d docs, %v", len(docs), err)
		}
		if docs, err := svc.PoliciesOf(ctx, acct, "arn:aws:iam::"+acct+":root"); err != nil || docs != nil {
			t.Errorf("PoliciesOf root: %v %v", docs, err)
		}
		mustRole(t, c, "worker")
		_, err = c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("worker"), PolicyName: aws.String("p"), PolicyDocument: aws.String(allowDescribe)})
		check(t, err, ok)
		docs, err = svc.PoliciesOf(ctx, acct, "arn:aws:sts::"+acct+":assumed-role/worker/i-0123")
		if err != nil || len(docs) != 1 {
			t.Errorf("PoliciesOf session: %d docs, %v", len(docs), err)
		}
	})
	runCases(t, []errCase{
		{"unknown user", func() error {
			_, err := c.SimulatePrincipalPolicy(ctx, &iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String("arn:aws:iam::" + acct + ":user/ghost"), ActionNames: []string{"ec2:X"}})
			return err
		}, noSuchEntity},
		{"malformed input policy", func() error {
			_, err := c.SimulatePrincipalPolicy(ctx, &iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String(userARN), ActionNames: []string{"ec2:X"}, PolicyInputList: []string{"{"}})
			return err
		}, invalidInput},
	})
}

func TestSimulateCustomPolicy(t *testing.T) {
	_, c, _ := start(t)
	cases := []struct {
		name      string
		policies  []string
		action    string
		resource  string
		decision  types.PolicyEvaluationDecisionType
		matchedID string
	}{
		{"allow all", []string{allowAll}, "ec2:RunInstances", "*", types.PolicyEvaluationDecisionTypeAllowed, "PolicyInputList.1"},
		{"deny wins", []string{allowAll, denyTerminate}, "ec2:TerminateInstances", "*", types.PolicyEvaluationDecisionTypeExplicitDeny, "PolicyInputList.2"},
		{"no match", []string{allowDescribe}, "iam:CreateUser", "*", types.PolicyEvaluationDecisionTypeImplicitDeny, ""},
		{"resource pattern", []string{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:StopInstances","Resource":"arn:aws:ec2:*:*:instance/i-dev*"}]}`},
			"ec2:StopInstances", "arn:aws:ec2:us-east-1:123456789012:instance/i-dev1", types.PolicyEvaluationDecisionTypeAllowed, "PolicyInputList.1"},
		{"resource pattern misses", []string{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:StopInstances","Resource":"arn:aws:ec2:*:*:instance/i-dev*"}]}`},
			"ec2:StopInstances", "arn:aws:ec2:us-east-1:123456789012:instance/i-prod1", types.PolicyEvaluationDecisionTypeImplicitDeny, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err := c.SimulateCustomPolicy(ctx, &iam.SimulateCustomPolicyInput{PolicyInputList: tc.policies, ActionNames: []string{tc.action}, ResourceArns: []string{tc.resource}})
			check(t, err, ok)
			r := out.EvaluationResults[0]
			got := ""
			if len(r.MatchedStatements) > 0 {
				got = aws.ToString(r.MatchedStatements[0].SourcePolicyId)
				if r.MatchedStatements[0].SourcePolicyType != types.PolicySourceTypeNone {
					t.Errorf("SourcePolicyType %s", r.MatchedStatements[0].SourcePolicyType)
				}
			}
			if r.EvalDecision != tc.decision || got != tc.matchedID {
				t.Errorf("%s matched %q, want %s matched %q", r.EvalDecision, got, tc.decision, tc.matchedID)
			}
		})
	}
	_, err := c.SimulateCustomPolicy(ctx, &iam.SimulateCustomPolicyInput{PolicyInputList: []string{ec2Trust}, ActionNames: []string{"ec2:X"}})
	check(t, err, invalidInput)
}
