package sts_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"

	"github.com/kumo-cloud/kumo/internal/testenv"
)

var ctx = context.Background()

const (
	allowDescribe = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:Describe*","Resource":"*"}]}`
	allowEC2      = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:*","Resource":"*"}]}`
	allowRegions  = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:DescribeRegions","Resource":"*"}]}`
)

// trustAccount is a trust policy that lets principals of account assume the role.
func trustAccount(account string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + account + `:root"},"Action":"sts:AssumeRole"}]}`
}

// apiErr is an expected AWS error: its code and HTTP status.
type apiErr struct {
	code   string
	status int
}

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
	ok           = apiErr{}
	validation   = apiErr{"ValidationError", 400}
	accessDenied = apiErr{"AccessDenied", 403}
	unauthorized = apiErr{"UnauthorizedOperation", 403}
	authFailure  = apiErr{"AuthFailure", 401}
	invalidToken = apiErr{"InvalidClientTokenId", 403}
)

// makeRole creates a role with a trust policy and an inline policy (if any)
// and returns its ARN.
func makeRole(t *testing.T, c *iam.Client, name, trust, inline string, maxSession int32) string {
	t.Helper()
	in := &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(trust)}
	if maxSession != 0 {
		in.MaxSessionDuration = aws.Int32(maxSession)
	}
	out, err := c.CreateRole(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if inline != "" {
		if _, err := c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(name), PolicyName: aws.String("p"), PolicyDocument: aws.String(inline)}); err != nil {
			t.Fatal(err)
		}
	}
	return aws.ToString(out.Role.Arn)
}

func assume(t *testing.T, c *sts.Client, roleARN, session string) *ststypes.Credentials {
	t.Helper()
	out, err := c.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String(session)})
	if err != nil {
		t.Fatal(err)
	}
	return out.Credentials
}

func ec2With(e *testenv.Env, c *ststypes.Credentials) *ec2.Client {
	return e.EC2WithSession(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))
}

func stsWith(e *testenv.Env, c *ststypes.Credentials) *sts.Client {
	return e.STSWithSession(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))
}

func createKeyPair(c *ec2.Client) error {
	_, err := c.CreateKeyPair(ctx, &ec2.CreateKeyPairInput{KeyName: aws.String("k")})
	return err
}

func describeRegions(c *ec2.Client) error {
	_, err := c.DescribeRegions(ctx, &ec2.DescribeRegionsInput{})
	return err
}

func TestAssumeRole(t *testing.T) {
	e := testenv.Start(t)
	roleARN := makeRole(t, e.IAM(), "reader", trustAccount(e.AccountID), allowDescribe, 0)

	start := time.Now()
	out, err := e.STS().AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("s-1@x")})
	if err != nil {
		t.Fatal(err)
	}
	c := out.Credentials
	if id := aws.ToString(c.AccessKeyId); len(id) != 20 || !strings.HasPrefix(id, "ASIA") {
		t.Errorf("AccessKeyId = %q, want ASIA… of 20 characters", id)
	}
	if aws.ToString(c.SecretAccessKey) == "" || aws.ToString(c.SessionToken) == "" {
		t.Errorf("credentials lack a secret or token: %+v", c)
	}
	if exp := aws.ToTime(c.Expiration); exp.Before(start.Add(59*time.Minute)) || exp.After(start.Add(61*time.Minute)) {
		t.Errorf("Expiration = %v, want an hour from now", exp)
	}
	wantARN := "arn:aws:sts::" + e.AccountID + ":assumed-role/reader/s-1@x"
	if got := aws.ToString(out.AssumedRoleUser.Arn); got != wantARN {
		t.Errorf("AssumedRoleUser.Arn = %q, want %q", got, wantARN)
	}
	roleID := aws.ToString(out.AssumedRoleUser.AssumedRoleId)
	if !strings.HasPrefix(roleID, "AROA") || !strings.HasSuffix(roleID, ":s-1@x") {
		t.Errorf("AssumedRoleId = %q, want AROA…:s-1@x", roleID)
	}
	if out.PackedPolicySize != nil {
		t.Errorf("PackedPolicySize = %d without a session policy", *out.PackedPolicySize)
	}

	id, err := stsWith(e, c).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(id.Arn) != wantARN || aws.ToString(id.UserId) != roleID || aws.ToString(id.Account) != e.AccountID {
		t.Errorf("GetCallerIdentity = %s %s %s, want %s %s %s", aws.ToString(id.Arn), aws.ToString(id.UserId), aws.ToString(id.Account), wantARN, roleID, e.AccountID)
	}
	sess := ec2With(e, c)
	check(t, describeRegions(sess), ok)
	check(t, createKeyPair(sess), unauthorized)

	t.Run("survives restart", func(t *testing.T) {
		e.Restart(t)
		check(t, describeRegions(ec2With(e, c)), ok)
	})
}

func TestAssumeRoleDenied(t *testing.T) {
	e := testenv.Start(t)
	other := makeRole(t, e.IAM(), "other", trustAccount("999999999999"), allowDescribe, 0)
	for _, tc := range []struct {
		name, role string
	}{
		{"trust does not name the caller", other},
		{"no such role", "arn:aws:iam::" + e.AccountID + ":role/missing"},
		{"role of an unknown account", "arn:aws:iam::999999999999:role/other"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.STS().AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(tc.role), RoleSessionName: aws.String("s1")})
			check(t, err, accessDenied)
			want := "User: arn:aws:iam::" + e.AccountID + ":root is not authorized to perform: sts:AssumeRole on resource: " + tc.role
			if !strings.Contains(err.Error(), want) {
				t.Errorf("message %q lacks %q", err, want)
			}
		})
	}
}

func TestAssumeRoleValidation(t *testing.T) {
	e := testenv.Start(t)
	roleARN := makeRole(t, e.IAM(), "r", trustAccount(e.AccountID), allowDescribe, 7200)
	long := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:DescribeRegions","Resource":"*","Sid":"` + strings.Repeat("a", 2048) + `"}]}`
	for _, tc := range []struct {
		name     string
		session  string
		duration int32
		policy   string
		want     apiErr
	}{
		{"role's maximum", "s1", 7200, "", ok},
		{"below 900 seconds", "s1", 899, "", validation},
		{"beyond the role's maximum", "s1", 7201, "", validation},
		{"beyond 12 hours", "s1", 43201, "", validation},
		{"session name too short", "a", 0, "", validation},
		{"session name too long", strings.Repeat("a", 65), 0, "", validation},
		{"session name with a space", "a b", 0, "", validation},
		{"malformed session policy", "s1", 0, `{"Statement":[]}`, apiErr{"MalformedPolicyDocument", 400}},
		{"session policy too long", "s1", 0, long, validation},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String(tc.session)}
			if tc.duration != 0 {
				in.DurationSeconds = aws.Int32(tc.duration)
			}
			if tc.policy != "" {
				in.Policy = aws.String(tc.policy)
			}
			_, err := e.STS().AssumeRole(ctx, in)
			check(t, err, tc.want)
		})
	}
}

func TestSessionPolicyNarrows(t *testing.T) {
	e := testenv.Start(t)
	roleARN := makeRole(t, e.IAM(), "admin", trustAccount(e.AccountID), allowEC2, 0)
	out, err := e.STS().AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("narrow"), Policy: aws.String(allowRegions)})
	if err != nil {
		t.Fatal(err)
	}
	if out.PackedPolicySize == nil || *out.PackedPolicySize <= 0 || *out.PackedPolicySize > 100 {
		t.Errorf("PackedPolicySize = %v, want a percentage", out.PackedPolicySize)
	}
	c := ec2With(e, out.Credentials)
	check(t, describeRegions(c), ok)
	_, err = c.DescribeInstances(ctx, &ec2.DescribeInstancesInput{})
	check(t, err, unauthorized)
	if !strings.Contains(err.Error(), "no session policy allows") {
		t.Errorf("message %q does not blame the session policy", err)
	}
}

func TestSessionToken(t *testing.T) {
	e := testenv.Start(t)
	roleARN := makeRole(t, e.IAM(), "reader", trustAccount(e.AccountID), allowDescribe, 0)
	c := assume(t, e.STS(), roleARN, "s1")
	akid, secret, token := aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken)
	for _, tc := range []struct {
		name, token string
	}{
		{"tampered", token[:len(token)-4] + "AAAA"},
		{"missing", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			check(t, describeRegions(e.EC2WithSession(akid, secret, tc.token)), authFailure)
			_, err := e.STSWithSession(akid, secret, tc.token).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
			check(t, err, invalidToken)
		})
	}
	t.Run("token with a long-term key", func(t *testing.T) {
		check(t, describeRegions(e.EC2WithSession(e.AccessKeyID, e.SecretAccessKey, token)), authFailure)
	})
	t.Run("wrong secret", func(t *testing.T) {
		check(t, describeRegions(e.EC2WithSession(akid, "x"+secret[1:], token)), authFailure)
	})
}

func TestAssumeRoleAsUser(t *testing.T) {
	e := testenv.Start(t)
	roleARN := makeRole(t, e.IAM(), "reader", trustAccount(e.AccountID), allowDescribe, 0)
	ic := e.IAM()
	if _, err := ic.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("alice")}); err != nil {
		t.Fatal(err)
	}
	key, err := ic.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("alice")})
	if err != nil {
		t.Fatal(err)
	}
	alice := e.STSAs(aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey))

	// The trust policy names the account, but alice's own policies do not
	// allow sts:AssumeRole yet.
	_, err = alice.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("s1")})
	check(t, err, accessDenied)

	allowAssume := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`
	if _, err := ic.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("assume"), PolicyDocument: aws.String(allowAssume)}); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, func() string { // the authenticator caches principals for seconds
		_, err := alice.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("s1")})
		if err != nil {
			return err.Error()
		}
		return ""
	})

	t.Run("role chaining is capped at an hour", func(t *testing.T) {
		c := assume(t, e.STS(), roleARN, "first")
		chained := makeRole(t, ic, "chained", trustAccount(e.AccountID), allowDescribe, 7200)
		// The first role's policies do not allow sts:AssumeRole.
		_, err := stsWith(e, c).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(chained), RoleSessionName: aws.String("second")})
		check(t, err, accessDenied)
		if _, err := ic.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("reader"), PolicyName: aws.String("assume"), PolicyDocument: aws.String(allowAssume)}); err != nil {
			t.Fatal(err)
		}
		testenv.Eventually(t, func() string {
			_, err := stsWith(e, c).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(chained), RoleSessionName: aws.String("second")})
			if err != nil {
				return err.Error()
			}
			return ""
		})
		_, err = stsWith(e, c).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(chained), RoleSessionName: aws.String("second"), DurationSeconds: aws.Int32(3601)})
		check(t, err, validation)
	})
}

func TestAssumeRoleCrossAccount(t *testing.T) {
	e := testenv.Start(t)
	acct, key, err := e.Daemon.Accounts.Create(ctx, "other", false, nil)
	if err != nil {
		t.Fatal(err)
	}
	roleARN := makeRole(t, e.IAM(), "shared", trustAccount(acct.ID), allowDescribe, 0)
	c := assume(t, e.STSAs(key.ID, key.Secret), roleARN, "visitor")
	id, err := stsWith(e, c).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(id.Account) != e.AccountID {
		t.Errorf("Account = %s, want the role's account %s", aws.ToString(id.Account), e.AccountID)
	}
	check(t, describeRegions(ec2With(e, c)), ok)
}
