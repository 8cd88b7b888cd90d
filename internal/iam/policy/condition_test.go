package policy

import "testing"

type ctx = map[string][]string

// conditionCase decides an Allow statement whose only restriction is cond.
type conditionCase struct {
	name string
	cond string
	ctx  ctx
	want bool
}

func runConditionCases(t *testing.T, tests []conditionCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := mustParse(t, stmt(`{"Effect":"Allow","Action":"ec2:*","Resource":"*","Condition":`+tt.cond+`}`), Identity)
			req := &Request{Principal: "arn:aws:iam::111122223333:user/alice", Action: "ec2:RunInstances", Resource: "*", Context: tt.ctx}
			got, _ := Evaluate(req, []*Document{d}, nil, nil)
			if (got == Allow) != tt.want {
				t.Errorf("condition %s with %v: %v, want allowed=%v", tt.cond, tt.ctx, got, tt.want)
			}
		})
	}
}

func TestConditionString(t *testing.T) {
	runConditionCases(t, []conditionCase{
		{"equals", `{"StringEquals":{"aws:RequestedRegion":"us-east-1"}}`, ctx{"aws:RequestedRegion": {"us-east-1"}}, true},
		{"equals case-sensitive", `{"StringEquals":{"aws:RequestedRegion":"US-EAST-1"}}`, ctx{"aws:RequestedRegion": {"us-east-1"}}, false},
		{"equals values ORed", `{"StringEquals":{"aws:RequestedRegion":["eu-west-1","us-east-1"]}}`, ctx{"aws:RequestedRegion": {"us-east-1"}}, true},
		{"equals no wildcard", `{"StringEquals":{"aws:RequestedRegion":"us-*"}}`, ctx{"aws:RequestedRegion": {"us-east-1"}}, false},
		{"equals missing key", `{"StringEquals":{"aws:RequestedRegion":"us-east-1"}}`, nil, false},
		{"key name case-insensitive", `{"StringEquals":{"AWS:REQUESTEDREGION":"us-east-1"}}`, ctx{"aws:RequestedRegion": {"us-east-1"}}, true},
		{"keys ANDed", `{"StringEquals":{"aws:RequestedRegion":"us-east-1","ec2:InstanceType":"t3.micro"}}`, ctx{"aws:RequestedRegion": {"us-east-1"}, "ec2:InstanceType": {"m5.large"}}, false},
		{"operators ANDed", `{"StringEquals":{"aws:RequestedRegion":"us-east-1"},"StringLike":{"ec2:InstanceType":"t3.*"}}`, ctx{"aws:RequestedRegion": {"us-east-1"}, "ec2:InstanceType": {"t3.micro"}}, true},
		{"not equals", `{"StringNotEquals":{"ec2:InstanceType":"m5.large"}}`, ctx{"ec2:InstanceType": {"t3.micro"}}, true},
		{"not equals match", `{"StringNotEquals":{"ec2:InstanceType":"m5.large"}}`, ctx{"ec2:InstanceType": {"m5.large"}}, false},
		{"not equals values NORed", `{"StringNotEquals":{"ec2:InstanceType":["m5.large","t3.micro"]}}`, ctx{"ec2:InstanceType": {"t3.micro"}}, false},
		{"not equals missing key is true", `{"StringNotEquals":{"ec2:InstanceType":"m5.large"}}`, nil, true},
		{"ignore case", `{"StringEqualsIgnoreCase":{"aws:PrincipalTag/team":"BLUE"}}`, ctx{"aws:PrincipalTag/team": {"blue"}}, true},
		{"not equals ignore case", `{"StringNotEqualsIgnoreCase":{"aws:PrincipalTag/team":"BLUE"}}`, ctx{"aws:PrincipalTag/team": {"blue"}}, false},
		{"like", `{"StringLike":{"ec2:InstanceType":"t3.*"}}`, ctx{"ec2:InstanceType": {"t3.micro"}}, true},
		{"like question", `{"StringLike":{"ec2:InstanceType":"t?.micro"}}`, ctx{"ec2:InstanceType": {"t3.micro"}}, true},
		{"like case-sensitive", `{"StringLike":{"ec2:InstanceType":"T3.*"}}`, ctx{"ec2:InstanceType": {"t3.micro"}}, false},
		{"not like", `{"StringNotLike":{"ec2:InstanceType":["*.metal","p4*"]}}`, ctx{"ec2:InstanceType": {"t3.micro"}}, true},
		{"not like match", `{"StringNotLike":{"ec2:InstanceType":["*.metal","p4*"]}}`, ctx{"ec2:InstanceType": {"m5.metal"}}, false},
		{"not like missing key", `{"StringNotLike":{"ec2:InstanceType":"*.metal"}}`, nil, true},
		{"equals if exists present", `{"StringEqualsIfExists":{"ec2:InstanceType":"t3.micro"}}`, ctx{"ec2:InstanceType": {"m5.large"}}, false},
		{"equals if exists absent", `{"StringEqualsIfExists":{"ec2:InstanceType":"t3.micro"}}`, nil, true},
		{"not equals if exists present", `{"StringNotEqualsIfExists":{"ec2:InstanceType":"t3.micro"}}`, ctx{"ec2:InstanceType": {"t3.micro"}}, false},
		{"empty value list is missing", `{"StringEquals":{"ec2:InstanceType":"t3.micro"}}`, ctx{"ec2:InstanceType": {}}, false},
		{"tag key", `{"StringEquals":{"ec2:ResourceTag/Owner":"alice"}}`, ctx{"ec2:ResourceTag/Owner": {"alice"}}, true},
		{"unknown operator with empty body", `{"NotAnOperator":{}}`, nil, true},
	})
}

func TestConditionVariables(t *testing.T) {
	runConditionCases(t, []conditionCase{
		{"principal tag equals resource tag",
			`{"StringEquals":{"ec2:ResourceTag/Owner":"${aws:username}"}}`,
			ctx{"aws:username": {"alice"}, "ec2:ResourceTag/Owner": {"alice"}}, true},
		{"variable mismatch",
			`{"StringEquals":{"ec2:ResourceTag/Owner":"${aws:username}"}}`,
			ctx{"aws:username": {"alice"}, "ec2:ResourceTag/Owner": {"bob"}}, false},
		{"variable in like",
			`{"StringLike":{"s3:prefix":"home/${aws:username}/*"}}`,
			ctx{"aws:username": {"alice"}, "s3:prefix": {"home/alice/docs"}}, true},
		{"variable unresolved",
			`{"StringEquals":{"ec2:ResourceTag/Owner":"${aws:username}"}}`,
			ctx{"ec2:ResourceTag/Owner": {"${aws:username}"}}, false},
		{"variable default",
			`{"StringEquals":{"ec2:ResourceTag/Team":"${aws:PrincipalTag/team, 'none'}"}}`,
			ctx{"ec2:ResourceTag/Team": {"none"}}, true},
		{"principal tag to resource tag",
			`{"StringEquals":{"aws:ResourceTag/project":"${aws:PrincipalTag/project}"}}`,
			ctx{"aws:PrincipalTag/project": {"x"}, "aws:ResourceTag/project": {"x"}}, true},
		{"variables not in numeric",
			`{"NumericEquals":{"ec2:VolumeSize":"${n}"}}`,
			ctx{"n": {"5"}, "ec2:VolumeSize": {"5"}}, false},
		{"arn with variable",
			`{"ArnLike":{"aws:SourceArn":"arn:aws:iam::111122223333:user/${aws:username}"}}`,
			ctx{"aws:username": {"alice"}, "aws:SourceArn": {"arn:aws:iam::111122223333:user/alice"}}, true},
	})
}

func TestConditionNumeric(t *testing.T) {
	runConditionCases(t, []conditionCase{
		{"equals", `{"NumericEquals":{"ec2:VolumeSize":"100"}}`, ctx{"ec2:VolumeSize": {"100"}}, true},
		{"equals decimal", `{"NumericEquals":{"ec2:VolumeSize":"100"}}`, ctx{"ec2:VolumeSize": {"100.0"}}, true},
		{"json number", `{"NumericEquals":{"ec2:VolumeSize":100}}`, ctx{"ec2:VolumeSize": {"100"}}, true},
		{"not equals", `{"NumericNotEquals":{"ec2:VolumeSize":["100","200"]}}`, ctx{"ec2:VolumeSize": {"150"}}, true},
		{"not equals hit", `{"NumericNotEquals":{"ec2:VolumeSize":["100","200"]}}`, ctx{"ec2:VolumeSize": {"200"}}, false},
		{"not equals missing", `{"NumericNotEquals":{"ec2:VolumeSize":"100"}}`, nil, true},
		{"less than", `{"NumericLessThan":{"ec2:VolumeSize":"100"}}`, ctx{"ec2:VolumeSize": {"99"}}, true},
		{"less than equal bound", `{"NumericLessThan":{"ec2:VolumeSize":"100"}}`, ctx{"ec2:VolumeSize": {"100"}}, false},
		{"less than equals", `{"NumericLessThanEquals":{"ec2:VolumeSize":"100"}}`, ctx{"ec2:VolumeSize": {"100"}}, true},
		{"greater than", `{"NumericGreaterThan":{"ec2:VolumeSize":"100"}}`, ctx{"ec2:VolumeSize": {"100.5"}}, true},
		{"greater than no", `{"NumericGreaterThan":{"ec2:VolumeSize":"100"}}`, ctx{"ec2:VolumeSize": {"100"}}, false},
		{"greater than equals", `{"NumericGreaterThanEquals":{"ec2:VolumeSize":"100"}}`, ctx{"ec2:VolumeSize": {"100"}}, true},
		{"not a number", `{"NumericLessThan":{"ec2:VolumeSize":"100"}}`, ctx{"ec2:VolumeSize": {"big"}}, false},
		{"policy not a number", `{"NumericLessThan":{"ec2:VolumeSize":"lots"}}`, ctx{"ec2:VolumeSize": {"1"}}, false},
		{"if exists absent", `{"NumericLessThanIfExists":{"ec2:VolumeSize":"100"}}`, nil, true},
		{"missing", `{"NumericLessThan":{"ec2:VolumeSize":"100"}}`, nil, false},
	})
}

func TestConditionDate(t *testing.T) {
	now := ctx{"aws:CurrentTime": {"2024-06-15T12:00:00Z"}, "aws:EpochTime": {"1718452800"}}
	runConditionCases(t, []conditionCase{
		{"greater than", `{"DateGreaterThan":{"aws:CurrentTime":"2024-01-01T00:00:00Z"}}`, now, true},
		{"less than", `{"DateLessThan":{"aws:CurrentTime":"2024-01-01T00:00:00Z"}}`, now, false},
		{"window", `{"DateGreaterThan":{"aws:CurrentTime":"2024-06-01T00:00:00Z"},"DateLessThan":{"aws:CurrentTime":"2024-06-30T23:59:59Z"}}`, now, true},
		{"equals other zone", `{"DateEquals":{"aws:CurrentTime":"2024-06-15T14:00:00+02:00"}}`, now, true},
		{"not equals", `{"DateNotEquals":{"aws:CurrentTime":"2024-06-15T12:00:00Z"}}`, now, false},
		{"less than equals bound", `{"DateLessThanEquals":{"aws:CurrentTime":"2024-06-15T12:00:00Z"}}`, now, true},
		{"greater than equals bound", `{"DateGreaterThanEquals":{"aws:CurrentTime":"2024-06-15T12:00:00.001Z"}}`, now, false},
		{"date only", `{"DateGreaterThan":{"aws:CurrentTime":"2024-06-15"}}`, now, true},
		{"epoch policy value", `{"DateEquals":{"aws:CurrentTime":"1718452800"}}`, now, true},
		{"epoch json number", `{"DateLessThan":{"aws:EpochTime":1718452801}}`, now, true},
		{"epoch context value", `{"DateEquals":{"aws:EpochTime":"2024-06-15T12:00:00Z"}}`, now, true},
		{"missing", `{"DateGreaterThan":{"aws:TokenIssueTime":"2024-01-01"}}`, now, false},
		{"if exists absent", `{"DateGreaterThanIfExists":{"aws:TokenIssueTime":"2024-01-01"}}`, now, true},
		{"unreadable context", `{"DateGreaterThan":{"aws:CurrentTime":"2024-01-01"}}`, ctx{"aws:CurrentTime": {"yesterday"}}, false},
	})
}

func TestConditionBoolBinaryNull(t *testing.T) {
	runConditionCases(t, []conditionCase{
		{"bool true", `{"Bool":{"aws:SecureTransport":"true"}}`, ctx{"aws:SecureTransport": {"true"}}, true},
		{"bool json", `{"Bool":{"aws:SecureTransport":true}}`, ctx{"aws:SecureTransport": {"true"}}, true},
		{"bool case", `{"Bool":{"aws:SecureTransport":"TRUE"}}`, ctx{"aws:SecureTransport": {"true"}}, true},
		{"bool false", `{"Bool":{"aws:SecureTransport":"false"}}`, ctx{"aws:SecureTransport": {"true"}}, false},
		{"bool missing", `{"Bool":{"aws:MultiFactorAuthPresent":"false"}}`, nil, false},
		{"bool if exists missing", `{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}`, nil, true},
		{"binary", `{"BinaryEquals":{"key":"QmluYXJ5VmFsdWU="}}`, ctx{"key": {"QmluYXJ5VmFsdWU="}}, true},
		{"binary other", `{"BinaryEquals":{"key":"QmluYXJ5VmFsdWU="}}`, ctx{"key": {"b3RoZXI="}}, false},
		{"null true absent", `{"Null":{"aws:TokenIssueTime":"true"}}`, nil, true},
		{"null true present", `{"Null":{"aws:TokenIssueTime":"true"}}`, ctx{"aws:TokenIssueTime": {"2024-01-01T00:00:00Z"}}, false},
		{"null false present", `{"Null":{"aws:TokenIssueTime":"false"}}`, ctx{"aws:TokenIssueTime": {"2024-01-01T00:00:00Z"}}, true},
		{"null false absent", `{"Null":{"aws:TokenIssueTime":false}}`, nil, false},
		{"null tag keys present", `{"Null":{"aws:TagKeys":"false"}}`, ctx{"aws:TagKeys": {"a"}}, true},
	})
}

func TestConditionIP(t *testing.T) {
	runConditionCases(t, []conditionCase{
		{"in cidr", `{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}`, ctx{"aws:SourceIp": {"203.0.113.9"}}, true},
		{"out of cidr", `{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}`, ctx{"aws:SourceIp": {"198.51.100.1"}}, false},
		{"one of cidrs", `{"IpAddress":{"aws:SourceIp":["192.0.2.0/24","203.0.113.0/24"]}}`, ctx{"aws:SourceIp": {"203.0.113.9"}}, true},
		{"host bits ignored", `{"IpAddress":{"aws:SourceIp":"203.0.113.77/24"}}`, ctx{"aws:SourceIp": {"203.0.113.9"}}, true},
		{"single address", `{"IpAddress":{"aws:SourceIp":"203.0.113.9"}}`, ctx{"aws:SourceIp": {"203.0.113.9"}}, true},
		{"single address other", `{"IpAddress":{"aws:SourceIp":"203.0.113.9"}}`, ctx{"aws:SourceIp": {"203.0.113.10"}}, false},
		{"ipv6", `{"IpAddress":{"aws:SourceIp":"2001:DB8:1234:5678::/64"}}`, ctx{"aws:SourceIp": {"2001:db8:1234:5678::1"}}, true},
		{"ipv6 outside", `{"IpAddress":{"aws:SourceIp":"2001:DB8:1234:5678::/64"}}`, ctx{"aws:SourceIp": {"2001:db8:1234:5679::1"}}, false},
		{"ipv4 mapped request", `{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}`, ctx{"aws:SourceIp": {"::ffff:203.0.113.9"}}, true},
		{"ipv4 policy ipv6 request", `{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}`, ctx{"aws:SourceIp": {"2001:db8::1"}}, false},
		{"not ip", `{"NotIpAddress":{"aws:SourceIp":["192.0.2.0/24","203.0.113.0/24"]}}`, ctx{"aws:SourceIp": {"198.51.100.1"}}, true},
		{"not ip inside", `{"NotIpAddress":{"aws:SourceIp":["192.0.2.0/24","203.0.113.0/24"]}}`, ctx{"aws:SourceIp": {"192.0.2.1"}}, false},
		{"not ip missing", `{"NotIpAddress":{"aws:SourceIp":"192.0.2.0/24"}}`, nil, true},
		{"ip missing", `{"IpAddress":{"aws:SourceIp":"192.0.2.0/24"}}`, nil, false},
		{"garbage request ip", `{"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}}`, ctx{"aws:SourceIp": {"ec2.amazonaws.com"}}, false},
	})
}

func TestConditionArn(t *testing.T) {
	src := ctx{"aws:SourceArn": {"arn:aws:ec2:us-east-1:111122223333:instance/i-0abc"}}
	runConditionCases(t, []conditionCase{
		{"equals", `{"ArnEquals":{"aws:SourceArn":"arn:aws:ec2:us-east-1:111122223333:instance/i-0abc"}}`, src, true},
		{"equals takes wildcards", `{"ArnEquals":{"aws:SourceArn":"arn:aws:ec2:*:111122223333:instance/*"}}`, src, true},
		{"like", `{"ArnLike":{"aws:SourceArn":"arn:aws:ec2:us-*:111122223333:instance/i-*"}}`, src, true},
		{"like component bounded", `{"ArnLike":{"aws:SourceArn":"arn:aws:ec2:*:instance/*:*:*"}}`, src, false},
		{"like wrong account", `{"ArnLike":{"aws:SourceArn":"arn:aws:ec2:*:444455556666:*"}}`, src, false},
		{"like case-sensitive", `{"ArnLike":{"aws:SourceArn":"arn:aws:ec2:*:*:Instance/*"}}`, src, false},
		{"not equals", `{"ArnNotEquals":{"aws:SourceArn":"arn:aws:ec2:*:444455556666:*"}}`, src, true},
		{"not like hit", `{"ArnNotLike":{"aws:SourceArn":"arn:aws:ec2:*:111122223333:*"}}`, src, false},
		{"not like missing", `{"ArnNotLike":{"aws:SourceArn":"arn:aws:ec2:*:111122223333:*"}}`, nil, true},
		{"request value not arn", `{"ArnLike":{"aws:SourceArn":"arn:*:*:*:*:*"}}`, ctx{"aws:SourceArn": {"i-0abc"}}, false},
		{"resource with colons", `{"ArnLike":{"aws:SourceArn":"arn:aws:logs:*:*:log-group:*"}}`, ctx{"aws:SourceArn": {"arn:aws:logs:us-east-1:111122223333:log-group:g:log-stream:s"}}, true},
		// A policy variable's own colon does not split the ARN.
		{"variable with a colon", `{"ArnEquals":{"aws:SourceArn":"arn:aws:ec2:*:${aws:PrincipalAccount}:instance/*"}}`,
			ctx{"aws:SourceArn": {"arn:aws:ec2:us-east-1:111122223333:instance/i-0abc"}, "aws:PrincipalAccount": {"111122223333"}}, true},
		{"variable with a colon, other account", `{"ArnEquals":{"aws:SourceArn":"arn:aws:ec2:*:${aws:PrincipalAccount}:instance/*"}}`,
			ctx{"aws:SourceArn": {"arn:aws:ec2:us-east-1:111122223333:instance/i-0abc"}, "aws:PrincipalAccount": {"444455556666"}}, false},
	})
}

// TestConditionSets covers ForAnyValue/ForAllValues on a multivalued key, with
// the empty-set rules and negated operators, as in the IAM User Guide's
// multivalued context key examples.
func TestConditionSets(t *testing.T) {
	tags := func(k ...string) ctx { return ctx{"aws:TagKeys": k} }
	runConditionCases(t, []conditionCase{
		{"all subset", `{"ForAllValues:StringEquals":{"aws:TagKeys":["environment","cost-center"]}}`, tags("environment"), true},
		{"all equal set", `{"ForAllValues:StringEquals":{"aws:TagKeys":["environment","cost-center"]}}`, tags("environment", "cost-center"), true},
		{"all with extra", `{"ForAllValues:StringEquals":{"aws:TagKeys":["environment","cost-center"]}}`, tags("environment", "owner"), false},
		{"all missing key is true", `{"ForAllValues:StringEquals":{"aws:TagKeys":["environment"]}}`, nil, true},
		{"all empty list is true", `{"ForAllValues:StringEquals":{"aws:TagKeys":["environment"]}}`, tags(), true},
		{"any one match", `{"ForAnyValue:StringEquals":{"aws:TagKeys":["environment","cost-center"]}}`, tags("owner", "cost-center"), true},
		{"any none match", `{"ForAnyValue:StringEquals":{"aws:TagKeys":["environment","cost-center"]}}`, tags("owner"), false},
		{"any missing key is false", `{"ForAnyValue:StringEquals":{"aws:TagKeys":["environment"]}}`, nil, false},
		{"any like", `{"ForAnyValue:StringLike":{"aws:TagKeys":"key1*"}}`, tags("a", "key1:x"), true},
		// Deny examples: each request value negated.
		{"all not like some outside", `{"ForAllValues:StringNotLike":{"aws:TagKeys":"key1*"}}`, tags("key1:legal"), false},
		{"all not like all outside", `{"ForAllValues:StringNotLike":{"aws:TagKeys":"key1*"}}`, tags("key2:audit"), true},
		{"all not like missing", `{"ForAllValues:StringNotLike":{"aws:TagKeys":"key1*"}}`, nil, true},
		{"any not equals one outside", `{"ForAnyValue:StringNotEquals":{"aws:TagKeys":["a","b"]}}`, tags("a", "c"), true},
		{"any not equals all inside", `{"ForAnyValue:StringNotEquals":{"aws:TagKeys":["a","b"]}}`, tags("a", "b"), false},
		{"any not equals missing", `{"ForAnyValue:StringNotEquals":{"aws:TagKeys":["a"]}}`, nil, false},
		{"any if exists missing", `{"ForAnyValue:StringEqualsIfExists":{"aws:TagKeys":["a"]}}`, nil, true},
		{"all ignore case", `{"ForAllValues:StringEqualsIgnoreCase":{"aws:TagKeys":["Env"]}}`, tags("env", "ENV"), true},
		{"unqualified multivalued any", `{"StringEquals":{"aws:TagKeys":"b"}}`, tags("a", "b"), true},
		{"unqualified negated multivalued", `{"StringNotEquals":{"aws:TagKeys":"b"}}`, tags("a", "b"), false},
		{"all numeric", `{"ForAllValues:NumericLessThan":{"k":"10"}}`, ctx{"k": {"1", "2"}}, true},
		{"all arn", `{"ForAllValues:ArnLike":{"aws:PrincipalServiceNamesList":"arn:aws:iam::*:role/*"}}`, ctx{"aws:PrincipalServiceNamesList": {"arn:aws:iam::1:role/a", "arn:aws:iam::1:user/b"}}, false},
	})
}
