package policy

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func mustParse(t testing.TB, doc string, kind Kind) *Document {
	t.Helper()
	d, err := Parse(doc, kind)
	if err != nil {
		t.Fatalf("Parse(%s): %v", doc, err)
	}
	return d
}

// stmt wraps statements in a 2012-10-17 document.
func stmt(statements string) string {
	return `{"Version":"2012-10-17","Statement":` + statements + `}`
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		kind Kind
		doc  string
		want string
	}{
		{"not json", Identity, `This is not a json document`, msgSyntax},
		{"trailing garbage", Identity, stmt(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}`) + `x`, msgSyntax},
		{"array document", Identity, `[]`, msgSyntax},
		{"managed without version", Managed, `{"Statement":{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::b"}}`, msgVersion},
		{"managed 2008", Managed, `{"Version":"2008-10-17","Statement":{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::b"}}`, msgVersion},
		{"managed version checked before legacy", Managed, `{"Statement":{"Effect":"denY","Action":"s3:ListBucket","Resource":"arn:aws:s3:::b"}}`, msgVersion},
		{"unknown version", Identity, `{"Version":"2013-10-17","Statement":{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}}`, msgSyntax},
		{"numeric version", Identity, `{"Version":2012,"Statement":{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}}`, msgSyntax},
		{"no statement", Identity, `{"Version":"2012-10-17"}`, msgSyntax},
		{"empty statement list", Identity, stmt(`[]`), msgSyntax},
		{"statement not object", Identity, stmt(`["afd"]`), msgSyntax},
		{"extra top field", Identity, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"},"Extra field":"value"}`, msgSyntax},
		{"extra statement field", Identity, stmt(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*","Extra field":"value"}`), msgSyntax},
		{"id list", Identity, `{"Version":"2012-10-17","Id":["x"],"Statement":{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}}`, msgSyntax},
		{"effect invalid", Identity, stmt(`{"Effect":"invalid","Action":"s3:ListBucket","Resource":"*"}`), msgSyntax},
		{"effect missing", Identity, stmt(`{"Action":"s3:ListBucket","Resource":"arn:aws:s3:::b"}`), msgSyntax},
		{"action and notaction", Identity, stmt(`{"Effect":"Allow","NotAction":"s3:ListBucket","Action":"iam:dsf","Resource":"*"}`), msgSyntax},
		{"resource and notresource", Identity, stmt(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*","NotResource":"*"}`), msgSyntax},
		{"resource object", Identity, stmt(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":{"a":"b"}}`), msgSyntax},
		{"resource list with object", Identity, stmt(`{"Effect":"Deny","Action":"s3:ListBucket","Resource":["adfdf",{}]}`), msgSyntax},
		{"action nested list", Identity, stmt(`{"Effect":"Deny","Action":[[]],"Resource":"*"}`), msgSyntax},
		{"condition list", Identity, stmt(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*","Condition":[]}`), msgSyntax},
		{"condition string", Identity, stmt(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*","Condition":"a"}`), msgSyntax},
		{"condition body string", Identity, stmt(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*","Condition":{"a":"b"}}`), msgSyntax},
		{"condition value object", Identity, stmt(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*","Condition":{"DateGreaterThan":{"a":{}}}}`), msgSyntax},
		{"unknown operator with keys", Identity, stmt(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*","Condition":{"x":{"a":"1"}}}`), msgSyntax},
		{"double colon qualifier", Identity, stmt(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*","Condition":{"ForAnyValue::StringEqualsIfExists":{"a":"asf"}}}`), msgSyntax},
		{"sid object", Identity, stmt(`{"Sid":{},"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}`), msgSyntax},
		{"principal bad type", Trust, stmt(`{"Effect":"Allow","Principal":{"Foo":"x"},"Action":"sts:AssumeRole"}`), msgSyntax},

		{"identity with principal", Identity, stmt(`{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3:*","Resource":"*"}`), msgNoPrincipalHere},
		{"managed with notprincipal", Managed, stmt(`{"Effect":"Deny","NotPrincipal":{"AWS":"111122223333"},"Action":"s3:*","Resource":"*"}`), msgNoPrincipalHere},

		{"effect case", Identity, stmt(`{"Effect":"denY","Action":"s3:ListBucket","Resource":"*"}`), msgLegacy},
		{"date unreadable", Identity, stmt(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*","Condition":{"DateGreaterThan":{"a":"sdfdsf"}}}`), msgLegacy},
		{"date month 13", Identity, stmt(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*","Condition":{"DateLessThanEquals":{"a":"234-13"}}}`), msgLegacy},
		{"date zone one digit", Identity, stmt(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*","Condition":{"DateLessThanEquals":{"a":"2016-12-13t2:00:00.593194+1"}}}`), msgLegacy},
		{"date ten fraction digits", Identity, stmt(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*","Condition":{"DateLessThanEquals":{"a":"2016-12-13t2:00:00.1999999999+10:59"}}}`), msgLegacy},
		{"epoch overflow", Identity, stmt(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*","Condition":{"DateLessThan":{"a":"9223372036854775808"}}}`), msgLegacy},
		{"legacy before missing action", Identity, stmt(`{"Effect":"Allow","Condition":{"DateGreaterThan":{"a":"sdfdsf"}}}`), msgLegacy},
		{"short arn with empty part", Identity, stmt(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3::example_bucket"}`), msgLegacy},
		{"short arn without action", Identity, stmt(`{"Effect":"Allow","Resource":"arn:aws:s3::example_bucket"}`), msgLegacy},
		{"empty service", Identity, stmt(`{"Effect":"Allow","NotAction":"s3:ListBucket","Resource":"arn:aws::::example_bucket"}`), msgLegacy},
		{"short notresource", Identity, stmt(`{"Effect":"Allow","Action":"s3:ListBucket","NotResource":"arn:aws:s3::example_bucket"}`), msgLegacy},
		{"arn aws double colon", Identity, stmt(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws::fdsasf"}`), msgLegacy},
		{"legacy beats format error", Identity, stmt(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:error:s3:::b","Condition":{"DateGreaterThan":{"a":"sdfdsf"}}}`), msgLegacy},

		{"sid not alphanumeric", Managed, stmt(`{"Sid":"Atomic_Red_Team","Effect":"Allow","Action":"iam:CreatePolicyVersion","Resource":"arn:aws:iam::*:policy/*"}`), msgSidFormat},
		{"duplicate sid", Identity, stmt(`[{"Sid":"sdf","Effect":"Allow","Action":"s3:ListBucket","Resource":"*"},{"Sid":"sdf","Effect":"Allow"}]`), msgSidUnique},

		{"no action", Identity, stmt(`{"Effect":"Allow","Resource":"arn:aws:s3:::b"}`), msgNoActions},
		{"empty action list", Identity, stmt(`{"Effect":"Allow","Action":[],"Resource":"*"}`), msgNoActions},
		{"only effect", Identity, stmt(`{"Effect":"Allow"}`), msgNoActions},
		{"second statement no action", Identity, stmt(`[{"Effect":"Deny"},{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}]`), msgNoActions},
		{"no resource", Identity, stmt(`{"Effect":"Allow","Action":"s3:ListBucket"}`), msgNoResources},
		{"empty resource list", Identity, stmt(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":[]}`), msgNoResources},
		{"no resource before vendor", Identity, stmt(`{"Effect":"Allow","Action":"invalid"}`), msgNoResources},

		{"resource not arn", Identity, stmt(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":"invalid resource"}`), `Resource invalid resource must be in ARN format or "*".`},
		{"resource empty", Identity, stmt(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":""}`), `Resource  must be in ARN format or "*".`},
		{"ecr uri", Managed, stmt(`{"Effect":"Allow","Action":"ecr:*","Resource":"174313347505.dkr.ecr.us-west-2.amazonaws.com/x"}`), `Resource 174313347505.dkr.ecr.us-west-2.amazonaws.com/x must be in ARN format or "*".`},
		{"resource format before vendor", Identity, stmt(`{"Effect":"Allow","Action":"s:3:ListBucket","Resource":"sdfsadf"}`), `Resource sdfsadf must be in ARN format or "*".`},
		{"partition short", Identity, stmt(`{"Effect":"Allow","NotAction":"s3s:ListBucket","Resource":"a:bsdfdsafsad"}`), `Partition "bsdfdsafsad" is not valid for resource "arn:bsdfdsafsad:*:*:*:*".`},
		{"partition two", Identity, stmt(`{"Effect":"Allow","NotAction":"s3s:ListBucket","Resource":"a:b:cadfsdf"}`), `Partition "b" is not valid for resource "arn:b:cadfsdf:*:*:*".`},
		{"partition long", Identity, stmt(`{"Effect":"Allow","NotAction":"s3s:ListBucket","Resource":"a:b:c:d:e:f:g:h"}`), `Partition "b" is not valid for resource "arn:b:c:d:e:f:g:h".`},
		{"partition missing arn", Identity, stmt(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":"aws:s3:::example_bucket"}`), `Partition "s3" is not valid for resource "arn:s3:::example_bucket:*".`},
		{"partition last reported", Identity, stmt(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":["arn:error:s3:::example_bucket","arn:error:s3::example_bucket"]}`), `Partition "error" is not valid for resource "arn:error:s3:::example_bucket".`},
		{"vendor not qualified", Identity, stmt(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws"}`), msgVendorRegexes},
		{"iam path", Identity, stmt(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:iam:::example_bucket"}`), `IAM resource path must either be "*", root, or start with user/, federated-user/, role/, group/, instance-profile/, mfa/, server-certificate/, policy/, sms-mfa/, saml-provider/, oidc-provider/, report/, access-report/.`},
		{"iam region", Identity, stmt(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:iam:us-east-1::example_bucket"}`), `IAM resource arn:aws:iam:us-east-1::example_bucket cannot contain region information.`},
		{"s3 region", Identity, stmt(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:us-east-1::example_bucket"}`), `Resource arn:aws:s3:us-east-1::example_bucket can not contain region information.`},

		{"action without vendor", Identity, stmt(`{"Effect":"Allow","Action":"invalid","Resource":"*"}`), msgVendorMissing},
		{"empty notaction", Identity, stmt(`{"Effect":"Allow","NotAction":"","Resource":"*"}`), msgVendorMissing},
		{"vendor with space", Identity, stmt(`{"Effect":"Allow","Action":"a a:ListBucket","Resource":"*"}`), "Vendor a a is not valid"},
		{"vendor wildcard", Identity, stmt(`{"Effect":"Allow","Action":"ec*:RunInstances","Resource":"*"}`), "Vendor ec* is not valid"},
		{"two colons", Identity, stmt(`{"Effect":"Allow","Action":"s3:List:Bucket","Resource":"*"}`), msgActionColons},
		{"two colons second statement", Identity, stmt(`[{"Effect":"Allow","Action":"s3s:ListBucket","Resource":"*"},{"Effect":"Allow","Action":"s:3s:ListBucket","Resource":"*"}]`), msgActionColons},

		{"trust with resource", Trust, stmt(`{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole","Resource":"*"}`), msgTrustResource},
		{"trust with notresource", Trust, stmt(`{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole","NotResource":"*"}`), msgTrustResource},
		{"trust without principal", Trust, stmt(`{"Effect":"Allow","Action":"sts:AssumeRole"}`), msgTrustNoPrinc},
		{"trust without action", Trust, stmt(`{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"}}`), msgNoActions},
		{"resource policy without principal", Resource, stmt(`{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}`), msgResNoPrincipal},
		{"principal wildcard arn", Trust, stmt(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/*"},"Action":"sts:AssumeRole"}`), `Invalid principal in policy: "AWS":"arn:aws:iam::111122223333:role/*"`},
		{"principal not arn", Trust, stmt(`{"Effect":"Allow","Principal":{"AWS":"alice"},"Action":"sts:AssumeRole"}`), `Invalid principal in policy: "AWS":"alice"`},
		{"principal bad account", Trust, stmt(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::xxx:role/bastion"},"Action":"sts:AssumeRole"}`), `Invalid principal in policy: "AWS":"arn:aws:iam::xxx:role/bastion"`},
		{"principal empty service", Trust, stmt(`{"Effect":"Allow","Principal":{"Service":""},"Action":"sts:AssumeRole"}`), `Invalid principal in policy: "Service":""`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.doc, tt.kind)
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse = %v, want *ParseError %q", err, tt.want)
			}
			if pe.Error() != tt.want {
				t.Errorf("Parse error\n got %q\nwant %q", pe.Error(), tt.want)
			}
		})
	}
}

func TestParseValid(t *testing.T) {
	tests := []struct {
		name string
		kind Kind
		doc  string
	}{
		{"resource list", Managed, stmt(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":["arn:aws:s3:::example_bucket"]}`)},
		{"odd action name", Identity, stmt(`{"Effect":"Allow","Action":"iam: asdf safdsf af ","Resource":"arn:aws:s3:::b"}`)},
		{"star action", Identity, stmt(`{"Effect":"Allow","Action":"*","Resource":"*"}`)},
		{"star vendor", Identity, stmt(`{"Effect":"Allow","Action":"*:*","Resource":"*"}`)},
		{"date conditions", Identity, stmt(`{"Effect":"Allow","Action":"service-prefix:action-name","Resource":"*","Condition":{"DateGreaterThan":{"aws:CurrentTime":"2017-07-01T00:00:00Z"},"DateLessThan":{"aws:CurrentTime":"2017-12-31T23:59:59Z"}}}`)},
		{"iam user", Identity, stmt(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:iam:::user/example_bucket"}`)},
		{"iam root", Identity, stmt(`{"Effect":"Allow","Action":"iam:*","Resource":"arn:aws:iam::111122223333:root"}`)},
		{"iam any account", Managed, stmt(`{"Effect":"Allow","Action":"iam:CreatePolicyVersion","Resource":"arn:aws:iam::*:policy/*"}`)},
		{"unknown service", Identity, stmt(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s33:::example_bucket"}`)},
		{"three part arn", Identity, stmt(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:fdsasf"}`)},
		{"empty condition", Identity, stmt(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*","Condition":{}}`)},
		{"empty operator body", Identity, stmt(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*","Condition":{"DateGreaterThan":{}}}`)},
		{"empty value list", Identity, stmt(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*","Condition":{"DateGreaterThan":{"a":[]}}}`)},
		{"unknown operator empty", Identity, stmt(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*","Condition":{"a":{}}}`)},
		{"set operator", Identity, stmt(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*","Condition":{"ForAllValues:StringEquals":{"aws:TagKeys":"Department"}}}`)},
		{"ec2 region", Identity, stmt(`{"Effect":"Allow","Action":"ec2:*","Resource":"arn:aws:ec2:us-east-1::example"}`)},
		{"s3 access point region", Identity, stmt(`{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:us-east-1:111122223333:accesspoint/ap"}`)},
		{"json bool and number", Identity, stmt(`{"Effect":"Allow","Action":"ec2:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":true},"NumericLessThan":{"ec2:VolumeSize":[100,"200"]}}}`)},
		{"no version inline", Identity, `{"Statement":{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::b"}}`},
		{"version 2008 inline", Identity, `{"Version":"2008-10-17","Statement":{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::b"}}`},
		{"top-level conditions ignored", Identity, `{"Version":"2012-10-17","Conditions":{},"Statement":{"Effect":"Allow","Action":"ec2:*","Resource":"*"}}`},
		{"long sid", Identity, stmt(`{"Sid":"dsfsdfsdfsdfsdfsadfsd","Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}`)},
		{"empty sids repeat", Identity, stmt(`[{"Sid":"","Effect":"Allow","Action":"ec2:*","Resource":"*"},{"Sid":"","Effect":"Deny","Action":"iam:*","Resource":"*"}]`)},
		{"dates of every shape", Identity, stmt(`{"Effect":"Allow","Action":"ec2:*","Resource":"*","Condition":{"DateGreaterThan":{"aws:CurrentTime":["2019","2019-07","2019-07-16","2019-07-16T12","2019-07-16T12:00Z","2019-07-16T12:00:00.123Z","2019-07-16T12:00:00+01:00","2019-07-16T12:00:00-0500","1563278400"]}}}`)},
		{"trust service", Trust, stmt(`{"Effect":"Allow","Principal":{"Service":["ec2.amazonaws.com"]},"Action":"sts:AssumeRole"}`)},
		{"trust account", Trust, stmt(`{"Effect":"Allow","Principal":{"AWS":["111122223333","arn:aws:iam::111122223333:root","arn:aws:iam::111122223333:user/alice","arn:aws:sts::111122223333:assumed-role/R/s","AROAEXAMPLEEXAMPLE12"]},"Action":["sts:AssumeRole","sts:TagSession"]}`)},
		{"trust star", Trust, stmt(`{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-1"}}}`)},
		{"trust no version", Trust, `{"Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`},
		{"resource policy", Resource, stmt(`{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Parse(tt.doc, tt.kind); err != nil {
				t.Fatalf("Parse: %v", err)
			}
		})
	}
}

func TestParseNormalises(t *testing.T) {
	d := mustParse(t, `{"Version":"2012-10-17","Id":"p1","Statement":[
		{"Sid":"A","Effect":"Allow","Action":"ec2:RunInstances","Resource":["arn:aws:ec2:*:*:instance/*","*"],
		 "Condition":{"StringEquals":{"aws:RequestedRegion":["us-east-1","eu-west-1"]},"Bool":{"aws:SecureTransport":true},"NumericLessThan":{"ec2:VolumeSize":100}}},
		{"Effect":"Deny","NotAction":["iam:*"],"NotResource":"arn:aws:iam::*:user/${aws:username}"}]}`, Identity)
	want := &Document{
		Version: Version2012,
		ID:      "p1",
		Statements: []Statement{
			{
				Sid: "A", Effect: "Allow",
				Action:   []string{"ec2:RunInstances"},
				Resource: []string{"arn:aws:ec2:*:*:instance/*", "*"},
				Condition: Conditions{
					{Operator: "Bool", Key: "aws:SecureTransport", Values: []string{"true"}},
					{Operator: "NumericLessThan", Key: "ec2:VolumeSize", Values: []string{"100"}},
					{Operator: "StringEquals", Key: "aws:RequestedRegion", Values: []string{"us-east-1", "eu-west-1"}},
				},
			},
			{
				Effect:      "Deny",
				NotAction:   []string{"iam:*"},
				NotResource: []string{"arn:aws:iam::*:user/${aws:username}"},
			},
		},
	}
	opts := cmp.Options{
		cmpopts.IgnoreUnexported(Statement{}, Condition{}, Principals{}),
	}
	if diff := cmp.Diff(want, d, opts); diff != "" {
		t.Errorf("Parse mismatch (-want +got):\n%s", diff)
	}

	tr := mustParse(t, stmt(`{"Effect":"Allow","Principal":{"AWS":"111122223333","Service":["ec2.amazonaws.com"]},"Action":"sts:AssumeRole"}`), Trust)
	wantP := &Principals{AWS: []string{"111122223333"}, Service: []string{"ec2.amazonaws.com"}}
	if diff := cmp.Diff(wantP, tr.Statements[0].Principal, opts); diff != "" {
		t.Errorf("Principal mismatch (-want +got):\n%s", diff)
	}
	star := mustParse(t, stmt(`{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"}`), Trust)
	if !star.Statements[0].Principal.Wildcard {
		t.Errorf(`"Principal": "*" not parsed as Wildcard`)
	}
}
