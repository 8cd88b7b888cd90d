package policy

import (
	"fmt"
	"testing"
)

// benchPolicies returns 20 identity policies of four statements each, shaped
// like real ones (service wildcards, resource ARNs, region/IP/tag/MFA
// conditions), none of which allows the benchmark request but the last, so
// Evaluate has to look at every statement.
func benchPolicies(tb testing.TB) ([]*Document, *Request) {
	var docs []*Document
	services := []string{"rds", "lambda", "dynamodb", "sqs", "sns", "logs", "kms", "ssm", "ecr", "secretsmanager"}
	for i := 0; i < 19; i++ {
		svc := services[i%len(services)]
		docs = append(docs, mustParse(tb, fmt.Sprintf(`{"Version":"2012-10-17","Statement":[
			{"Sid":"Read%[1]d","Effect":"Allow","Action":["%[2]s:Get*","%[2]s:List*","%[2]s:Describe*"],"Resource":"arn:aws:%[2]s:*:111122223333:*"},
			{"Sid":"Write%[1]d","Effect":"Allow","Action":["%[2]s:Put*","%[2]s:Create*"],"Resource":"arn:aws:%[2]s:us-east-1:111122223333:thing/${aws:username}/*",
			 "Condition":{"StringEquals":{"aws:RequestedRegion":"us-east-1"},"IpAddress":{"aws:SourceIp":["10.0.0.0/8","192.0.2.0/24"]}}},
			{"Sid":"Ec2Tag%[1]d","Effect":"Allow","Action":["ec2:StartInstances","ec2:StopInstances"],"Resource":"arn:aws:ec2:*:*:instance/*",
			 "Condition":{"StringEquals":{"aws:ResourceTag/Team":"team%[1]d"}}},
			{"Sid":"Deny%[1]d","Effect":"Deny","Action":"ec2:*","Resource":"*",
			 "Condition":{"StringNotEquals":{"aws:RequestedRegion":["us-east-1","eu-west-1"]},"BoolIfExists":{"aws:ViaAWSService":"false"}}}
		]}`, i, svc), Identity))
	}
	docs = append(docs, mustParse(tb, `{"Version":"2012-10-17","Statement":[
		{"Sid":"DenyBigTypes","Effect":"Deny","Action":"ec2:RunInstances","Resource":"arn:aws:ec2:*:*:instance/*","Condition":{"StringLike":{"ec2:InstanceType":["*.metal","p4*","x2*"]}}},
		{"Sid":"DenyNoMFA","Effect":"Deny","NotAction":["iam:*","sts:*"],"Resource":"*","Condition":{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}},
		{"Sid":"DenyOldTime","Effect":"Deny","Action":"*","Resource":"*","Condition":{"DateLessThan":{"aws:CurrentTime":"2020-01-01T00:00:00Z"}}},
		{"Sid":"RunTagged","Effect":"Allow","Action":["ec2:RunInstances","ec2:CreateTags"],"Resource":["arn:aws:ec2:*:111122223333:instance/*","arn:aws:ec2:*::image/*"],
		 "Condition":{"ForAllValues:StringEquals":{"aws:TagKeys":["Team","Name"]},"StringEqualsIfExists":{"ec2:InstanceType":["t3.micro","t3.small"]}}}
	]}`, Identity))
	req := &Request{
		Principal: "arn:aws:iam::111122223333:user/alice",
		Action:    "ec2:RunInstances",
		Resource:  "arn:aws:ec2:us-east-1:111122223333:instance/*",
		Context: map[string][]string{
			"aws:username":               {"alice"},
			"aws:userid":                 {"AIDAEXAMPLEALICE"},
			"aws:PrincipalAccount":       {"111122223333"},
			"aws:PrincipalArn":           {"arn:aws:iam::111122223333:user/alice"},
			"aws:SourceIp":               {"10.1.2.3"},
			"aws:RequestedRegion":        {"us-east-1"},
			"aws:SecureTransport":        {"true"},
			"aws:MultiFactorAuthPresent": {"true"},
			"aws:CurrentTime":            {"2024-06-15T12:00:00Z"},
			"aws:EpochTime":              {"1718452800"},
			"aws:TagKeys":                {"Team", "Name"},
			"aws:RequestTag/Team":        {"blue"},
			"ec2:InstanceType":           {"t3.micro"},
			"ec2:Region":                 {"us-east-1"},
		},
	}
	return docs, req
}

// BenchmarkEvaluate20Policies measures one decision over 20 policies (80
// statements) where every statement must be considered. The budget is 50µs.
func BenchmarkEvaluate20Policies(b *testing.B) {
	docs, req := benchPolicies(b)
	boundary := mustParse(b, stmt(`{"Effect":"Allow","Action":["ec2:*","iam:*"],"Resource":"*"}`), Managed)
	if d, st := Evaluate(req, docs, nil, boundary); d != Allow || st.Sid != "RunTagged" {
		b.Fatalf("Evaluate = %v %+v, want allowed by RunTagged", d, st)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		Evaluate(req, docs, nil, boundary)
	}
}

// BenchmarkParse measures compiling one of the benchmark's policies, the cost
// paid once per PutUserPolicy/CreatePolicy rather than per request.
func BenchmarkParse(b *testing.B) {
	doc := stmt(`[{"Sid":"Write","Effect":"Allow","Action":["s3:Put*","s3:Create*"],"Resource":"arn:aws:s3:::b/${aws:username}/*",
		"Condition":{"StringEquals":{"aws:RequestedRegion":"us-east-1"},"IpAddress":{"aws:SourceIp":["10.0.0.0/8"]}}}]`)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := Parse(doc, Identity); err != nil {
			b.Fatal(err)
		}
	}
}

// TestEvaluateDoesNotAllocate keeps the hot path free of garbage for policies
// without variables.
func TestEvaluateDoesNotAllocate(t *testing.T) {
	docs, req := benchPolicies(t)
	var plain []*Document
	for _, d := range docs[len(docs)-1:] {
		plain = append(plain, d)
	}
	plain = append(plain, mustParse(t, stmt(`{"Effect":"Allow","Action":"ec2:Describe*","Resource":"arn:aws:ec2:*-1:*:instance/*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"},"NumericLessThan":{"ec2:VolumeSize":"100"}}}`), Identity))
	allocs := testing.AllocsPerRun(100, func() { Evaluate(req, plain, nil, nil) })
	if allocs != 0 {
		t.Errorf("Evaluate allocates %v times per call, want 0", allocs)
	}
}
