package iam

import (
	"slices"
	"strings"
	"time"
)

// awsAccount is the account part of the ARNs of AWS managed policies.
const awsAccount = "aws"

// awsManaged is the catalog of AWS managed policies Kumo offers, with AWS's
// names, ids and ARNs. Documents keep the statements that concern the
// services Kumo serves (EC2, IAM, STS); AdministratorAccess is verbatim.
var awsManaged = func() map[string]*Policy {
	created := time.Date(2015, 2, 6, 18, 39, 46, 0, time.UTC)
	defs := []struct{ name, id, description, doc string }{
		{"AdministratorAccess", "ANPAIWMBCKSKIEE64ZLYK", "Provides full access to AWS services and resources.",
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`},
		{"PowerUserAccess", "ANPAJYRXTHIB4FOVS3ZXS", "Provides full access to AWS services and resources, but does not allow management of Users and groups.",
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":["iam:*","organizations:*","account:*"],"Resource":"*"},` +
				`{"Effect":"Allow","Action":["iam:CreateServiceLinkedRole","iam:DeleteServiceLinkedRole","iam:ListRoles","organizations:DescribeOrganization","account:ListRegions","account:GetAccountInformation"],"Resource":"*"}]}`},
		{"ReadOnlyAccess", "ANPAILL3HVNFSB6DCOWYQ", "Provides read-only access to AWS services and resources.",
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ec2:Describe*","ec2:Get*","iam:Generate*","iam:Get*","iam:List*","iam:Simulate*","sts:GetCallerIdentity"],"Resource":"*"}]}`},
		{"AmazonEC2FullAccess", "ANPAI3VAJF5ZCRZ7MCQE6", "Provides full access to Amazon EC2 via the AWS Management Console.",
			`{"Version":"2012-10-17","Statement":[{"Action":"ec2:*","Effect":"Allow","Resource":"*"},{"Effect":"Allow","Action":"elasticloadbalancing:*","Resource":"*"},` +
				`{"Effect":"Allow","Action":"cloudwatch:*","Resource":"*"},{"Effect":"Allow","Action":"autoscaling:*","Resource":"*"}]}`},
		{"AmazonEC2ReadOnlyAccess", "ANPAIGDT4SV4GSETWTBZK", "Provides read only access to Amazon EC2 via the AWS Management Console.",
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:Describe*","Resource":"*"},{"Effect":"Allow","Action":"elasticloadbalancing:Describe*","Resource":"*"},` +
				`{"Effect":"Allow","Action":["cloudwatch:ListMetrics","cloudwatch:GetMetricStatistics","cloudwatch:Describe*"],"Resource":"*"},{"Effect":"Allow","Action":"autoscaling:Describe*","Resource":"*"}]}`},
		{"IAMFullAccess", "ANPAI7XKCFMBPM3QQRRVQ", "Provides full access to IAM via the AWS Management Console.",
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:*","organizations:DescribeAccount","organizations:DescribeOrganization","organizations:DescribeOrganizationalUnit","organizations:DescribePolicy","organizations:ListChildren","organizations:ListParents","organizations:ListPoliciesForTarget","organizations:ListRoots","organizations:ListPolicies","organizations:ListTargetsForPolicy"],"Resource":"*"}]}`},
		{"IAMReadOnlyAccess", "ANPAJKSO7NDY4T57MWDSQ", "Provides read only access to IAM via the AWS Management Console.",
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:GenerateCredentialReport","iam:GenerateServiceLastAccessedDetails","iam:Get*","iam:List*","iam:SimulateCustomPolicy","iam:SimulatePrincipalPolicy"],"Resource":"*"}]}`},
	}
	out := make(map[string]*Policy, len(defs))
	for _, d := range defs {
		out[d.name] = &Policy{
			Account: awsAccount, Name: d.name, ID: d.id, Path: "/", Description: d.description,
			CreatedAt: created, UpdatedAt: created, DefaultVersion: "v1", NextVersion: 2,
			Versions: []PolicyVersion{{ID: "v1", Document: d.doc, CreatedAt: created}},
		}
	}
	return out
}()

// awsManagedPolicy returns the AWS managed policy with the given ARN, or nil.
func awsManagedPolicy(policyARN string) *Policy {
	name, ok := strings.CutPrefix(policyARN, "arn:aws:iam::aws:policy/")
	if !ok {
		return nil
	}
	return awsManaged[name]
}

// awsManagedSorted returns the catalog in name order.
func awsManagedSorted() []*Policy {
	out := make([]*Policy, 0, len(awsManaged))
	for _, p := range awsManaged {
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b *Policy) int { return strings.Compare(a.Name, b.Name) })
	return out
}
