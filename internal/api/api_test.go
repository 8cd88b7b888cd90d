package api_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/kumo-cloud/kumo/internal/clock"
	"github.com/kumo-cloud/kumo/internal/testenv"
)

// code is the AWS error code of err.
func code(err error) string { return testenv.Code(err) }

// rawCall sends a form-encoded POST signed for service ec2 with the given
// credentials and time, and returns status, headers and body.
func rawCall(t *testing.T, env *testenv.Env, form url.Values, akid, secret string, at time.Time) (int, http.Header, string) {
	t.Helper()
	body := form.Encode()
	req, _ := http.NewRequest(http.MethodPost, env.URL()+"/", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	if akid != "" {
		sum := sha256.Sum256([]byte(body))
		creds := aws.Credentials{AccessKeyID: akid, SecretAccessKey: secret}
		if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "ec2", "us-east-1", at); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func TestErrorsOnTheWire(t *testing.T) {
	env := testenv.Start(t)
	now := time.Now()
	ak, sk := env.AccessKeyID, env.SecretAccessKey
	tests := []struct {
		name       string
		form       url.Values
		akid, sk   string
		at         time.Time
		wantStatus int
		wantCode   string
	}{
		{"ok", url.Values{"Action": {"DescribeRegions"}, "Version": {"2016-11-15"}}, ak, sk, now, 200, ""},
		// EC2 answers an unsigned request this way, not with AuthFailure.
		{"unsigned", url.Values{"Action": {"DescribeRegions"}}, "", "", now, 400, "MissingParameter"},
		{"wrong secret", url.Values{"Action": {"DescribeRegions"}}, ak, "wrong", now, 401, "AuthFailure"},
		{"unknown key", url.Values{"Action": {"DescribeRegions"}}, "AKIAUNKNOWNUNKNOWN00", sk, now, 401, "AuthFailure"},
		{"clock skew", url.Values{"Action": {"DescribeRegions"}}, ak, sk, now.Add(-16 * time.Minute), 0, ""},
		{"no action", url.Values{"Version": {"2016-11-15"}}, ak, sk, now, 400, "MissingAction"},
		{"invalid action", url.Values{"Action": {"LaunchRockets"}}, ak, sk, now, 400, "InvalidAction"},
		{"unsupported action", url.Values{"Action": {"CreateVpnGateway"}, "Type": {"ipsec.1"}}, ak, sk, now, 400, "UnsupportedOperation"},
		{"unknown parameter", url.Values{"Action": {"DescribeRegions"}, "Bogus": {"1"}}, ak, sk, now, 400, "UnknownParameter"},
		{"missing parameter", url.Values{"Action": {"CreateKeyPair"}}, ak, sk, now, 400, "MissingParameter"},
		{"bad value", url.Values{"Action": {"DescribeTags"}, "MaxResults": {"lots"}}, ak, sk, now, 400, "InvalidParameterValue"},
		{"bad token", url.Values{"Action": {"DescribeTags"}, "NextToken": {"xyz"}}, ak, sk, now, 400, "InvalidPaginationToken"},
		{"dry run", url.Values{"Action": {"DescribeRegions"}, "DryRun": {"true"}}, ak, sk, now, 412, "DryRunOperation"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, hdr, body := rawCall(t, env, tt.form, tt.akid, tt.sk, tt.at)
			rid := hdr.Get("x-amzn-RequestId")
			if rid == "" {
				t.Error("no x-amzn-RequestId header")
			}
			if tt.name == "clock skew" {
				if status < 400 || !strings.Contains(body, "<Code>RequestExpired</Code>") && !strings.Contains(body, "<Code>AuthFailure</Code>") {
					t.Errorf("skewed request: status %d body %s", status, body)
				}
				return
			}
			if status != tt.wantStatus {
				t.Errorf("status %d, want %d; body %s", status, tt.wantStatus, body)
			}
			if tt.wantCode == "" {
				if !strings.Contains(body, `xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"`) || !strings.Contains(body, "<requestId>"+rid+"</requestId>") {
					t.Errorf("success body %s", body)
				}
				return
			}
			want := "<Response><Errors><Error><Code>" + tt.wantCode + "</Code><Message>"
			if !strings.Contains(body, want) || !strings.Contains(body, "<RequestID>"+rid+"</RequestID></Response>") {
				t.Errorf("error body %s, want %s…<RequestID>%s</RequestID>", body, want, rid)
			}
		})
	}
}

func TestGetQueryString(t *testing.T) {
	env := testenv.Start(t)
	q := url.Values{"Action": {"DescribeAvailabilityZones"}, "Version": {"2016-11-15"}, "ZoneName.1": {"us-east-1b"}}
	req, _ := http.NewRequest(http.MethodGet, env.URL()+"/?"+q.Encode(), nil)
	sum := sha256.Sum256(nil)
	creds := aws.Credentials{AccessKeyID: env.AccessKeyID, SecretAccessKey: env.SecretAccessKey}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "ec2", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.Contains(string(b), "<zoneName>us-east-1b</zoneName>") || strings.Contains(string(b), "us-east-1a") {
		t.Fatalf("GET: %d %s", resp.StatusCode, b)
	}
}

func TestThrottle(t *testing.T) {
	env := testenv.Start(t, testenv.WithThrottle())
	c := env.EC2()
	limited := 0
	// The non-mutating bucket holds 100 tokens and refills at 20/s: a burst of
	// 300 calls must be cut.
	for range 300 {
		_, err := c.DescribeKeyPairs(context.Background(), &ec2.DescribeKeyPairsInput{})
		if code(err) == "RequestLimitExceeded" {
			limited++
		} else if err != nil {
			t.Fatal(err)
		}
	}
	if limited == 0 {
		t.Fatal("300 calls in a burst were never throttled")
	}
}

func TestRestartKeepsState(t *testing.T) {
	env := testenv.Start(t)
	c := env.EC2()
	ctx := context.Background()
	kp, err := c.CreateKeyPair(ctx, &ec2.CreateKeyPairInput{KeyName: aws.String("keep")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{aws.ToString(kp.KeyPairId)},
		Tags: []ec2types.Tag{{Key: aws.String("a"), Value: aws.String("b")}}}); err != nil {
		t.Fatal(err)
	}
	akid := env.AccessKeyID
	env.Restart(t)
	if env.AccessKeyID != akid {
		t.Fatalf("root key changed across restart: %s → %s", akid, env.AccessKeyID)
	}
	out, err := env.EC2().DescribeKeyPairs(ctx, &ec2.DescribeKeyPairsInput{KeyNames: []string{"keep"}})
	if err != nil || len(out.KeyPairs[0].Tags) != 1 {
		t.Fatalf("after restart: %+v %v", out, err)
	}
}

func TestCallerIdentityAndMetrics(t *testing.T) {
	env := testenv.Start(t, testenv.WithClock(clock.Real{}))
	id, err := env.STS().GetCallerIdentity(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(id.Account) != env.AccountID || aws.ToString(id.Arn) != "arn:aws:iam::"+env.AccountID+":root" {
		t.Fatalf("identity %+v", id)
	}
	resp, err := http.Get(env.URL() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(b), `kumo_api_requests_total{action="GetCallerIdentity",service="sts",status="200"} 1`) {
		t.Errorf("metrics lack the call:\n%.2000s", b)
	}
}

func TestAccountsAreIsolated(t *testing.T) {
	env := testenv.Start(t)
	ctx := context.Background()
	_, keyB, err := env.Daemon.Accounts.Create(ctx, "tenant-b", false, nil)
	if err != nil {
		t.Fatal(err)
	}
	a, b := env.EC2(), env.EC2As(keyB.ID, keyB.Secret)
	kp, err := a.CreateKeyPair(ctx, &ec2.CreateKeyPairInput{KeyName: aws.String("shared-name")})
	if err != nil {
		t.Fatal(err)
	}
	// B sees nothing of A's, gets not-found (never access denied) for A's ids,
	// and may use the same name.
	if out, err := b.DescribeKeyPairs(ctx, &ec2.DescribeKeyPairsInput{}); err != nil || len(out.KeyPairs) != 0 {
		t.Fatalf("B lists %v %v", out, err)
	}
	if _, err := b.DescribeKeyPairs(ctx, &ec2.DescribeKeyPairsInput{KeyPairIds: []string{aws.ToString(kp.KeyPairId)}}); code(err) != "InvalidKeyPair.NotFound" {
		t.Fatalf("B describing A's key: %v", err)
	}
	if _, err := b.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{aws.ToString(kp.KeyPairId)},
		Tags: []ec2types.Tag{{Key: aws.String("x"), Value: aws.String("y")}}}); code(err) != "InvalidKeyPair.NotFound" {
		t.Fatalf("B tagging A's key: %v", err)
	}
	if _, err := b.CreateKeyPair(ctx, &ec2.CreateKeyPairInput{KeyName: aws.String("shared-name")}); err != nil {
		t.Fatalf("B reusing a name A uses: %v", err)
	}
	vpcsA, _ := a.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{})
	vpcsB, _ := b.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{})
	if len(vpcsA.Vpcs) != 1 || len(vpcsB.Vpcs) != 1 || aws.ToString(vpcsA.Vpcs[0].VpcId) == aws.ToString(vpcsB.Vpcs[0].VpcId) {
		t.Fatalf("each account must have its own default VPC: %+v %+v", vpcsA.Vpcs, vpcsB.Vpcs)
	}
	idB, err := sts.NewFromConfig(env.AWSConfig(keyB.ID, keyB.Secret), func(o *sts.Options) { o.BaseEndpoint = aws.String(env.URL()) }).
		GetCallerIdentity(ctx, nil)
	if err != nil || aws.ToString(idB.Account) == env.AccountID {
		t.Fatalf("B's identity %+v %v", idB, err)
	}
}
