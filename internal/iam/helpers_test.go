package iam_test

import (
	"context"
	"errors"
	"net/url"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	iamsvc "github.com/kumo-cloud/kumo/internal/iam"
	"github.com/kumo-cloud/kumo/internal/testenv"
)

var ctx = context.Background()

// Documents the tests use.
const (
	allowDescribe = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:Describe*","Resource":"*"}]}`
	allowAll      = `{"Version":"2012-10-17","Statement":[{"Sid":"All","Effect":"Allow","Action":"*","Resource":"*"}]}`
	denyTerminate = `{"Version":"2012-10-17","Statement":[{"Sid":"NoTerminate","Effect":"Deny","Action":"ec2:TerminateInstances","Resource":"*"}]}`
	ec2Trust      = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
)

// apiErr is an expected AWS error: its code and HTTP status.
type apiErr struct {
	code   string
	status int
}

// check fails the test unless err is want (or nil when want is zero).
func check(t *testing.T, err error, want apiErr) {
	t.Helper()
	if want.code == "" {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	if got := testenv.Code(err); got != want.code {
		t.Fatalf("error %v: code %q, want %q", err, got, want.code)
	}
	var st interface{ HTTPStatusCode() int }
	if !errors.As(err, &st) || st.HTTPStatusCode() != want.status {
		t.Fatalf("error %v: want HTTP %d", err, want.status)
	}
}

var (
	ok            = apiErr{}
	noSuchEntity  = apiErr{"NoSuchEntity", 404}
	exists        = apiErr{"EntityAlreadyExists", 409}
	conflict      = apiErr{"DeleteConflict", 409}
	limit         = apiErr{"LimitExceeded", 409}
	malformed     = apiErr{"MalformedPolicyDocument", 400}
	validation    = apiErr{"ValidationError", 400}
	invalidInput  = apiErr{"InvalidInput", 400}
	accessDenied  = apiErr{"AccessDenied", 403}
	nonexistentID = "AKIAAAAAAAAAAAAAAAAA"
)

// errCase is one call and the error it must answer with.
type errCase struct {
	name string
	call func() error
	want apiErr
}

func runCases(t *testing.T, cases []errCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { check(t, c.call(), c.want) })
	}
}

// start runs Kumo and returns the operator's IAM client and an IAM service
// over the same store, for the lookups the rest of Kumo uses.
func start(t *testing.T) (*testenv.Env, *iam.Client, *iamsvc.Service) {
	t.Helper()
	env := testenv.Start(t)
	return env, env.IAM(), iamsvc.New(env.Daemon.Store, env.Daemon.Accounts)
}

// decode undoes the URL encoding IAM puts on documents.
func decode(t *testing.T, s *string) string {
	t.Helper()
	d, err := url.QueryUnescape(aws.ToString(s))
	if err != nil {
		t.Fatalf("document %q is not URL-encoded: %v", aws.ToString(s), err)
	}
	return d
}

func mustUser(t *testing.T, c *iam.Client, name string) {
	t.Helper()
	if _, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
}

func mustPolicy(t *testing.T, c *iam.Client, name, doc string) string {
	t.Helper()
	out, err := c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String(name), PolicyDocument: aws.String(doc)})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.Policy.Arn)
}

func mustRole(t *testing.T, c *iam.Client, name string) {
	t.Helper()
	if _, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(ec2Trust)}); err != nil {
		t.Fatal(err)
	}
}
