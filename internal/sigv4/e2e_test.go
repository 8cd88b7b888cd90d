package sigv4

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/kumo-cloud/kumo/internal/awserr"
)

// endpoint is a minimal EC2 or STS server that authenticates with Verify and
// answers one fixed action, so the real SDK clients can be pointed at it.
type endpoint struct {
	service  string        // "ec2" or "sts"
	offset   time.Duration // server clock minus real clock
	attempts atomic.Int32

	mu   sync.Mutex
	last *Result
}

func (e *endpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	e.attempts.Add(1)
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	now := time.Now().Add(e.offset)
	// The SDKs measure clock skew from Date; a skewed server must say so.
	w.Header().Set("Date", now.UTC().Format(http.TimeFormat))
	w.Header().Set("x-amzn-RequestId", "req-1")
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")

	res, err := Verify(r.Context(), r, body, now, testLookup)
	if err == nil && res.Service != e.service {
		err = fmt.Errorf("scope service %q: %w", res.Service, ErrMalformed)
	}
	if err == nil {
		e.mu.Lock()
		e.last = res
		e.mu.Unlock()
	}
	// Answer in the protocol of the service the request claims, as the API
	// front does; fall back to the endpoint's own when nothing was claimed.
	service := e.service
	if res != nil {
		service = res.Service
	}
	if service == "ec2" {
		writeEC2(w, EC2Error(err))
	} else {
		writeQuery(w, QueryError(err))
	}
}

func writeEC2(w http.ResponseWriter, e *awserr.Error) {
	if e == nil {
		io.WriteString(w, `<DescribeRegionsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>x</requestId><regionInfo/></DescribeRegionsResponse>`)
		return
	}
	w.WriteHeader(e.Status)
	fmt.Fprintf(w, `<Response><Errors><Error><Code>%s</Code><Message>%s</Message></Error></Errors><RequestID>req-1</RequestID></Response>`,
		escape(e.Code), escape(e.Message))
}

func writeQuery(w http.ResponseWriter, e *awserr.Error) {
	if e == nil {
		io.WriteString(w, `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>`+
			`<Arn>arn:aws:iam::123456789012:root</Arn><UserId>123456789012</UserId><Account>123456789012</Account>`+
			`</GetCallerIdentityResult><ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata></GetCallerIdentityResponse>`)
		return
	}
	w.WriteHeader(e.Status)
	fmt.Fprintf(w, `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>req-1</RequestId></ErrorResponse>`,
		escape(e.Code), escape(e.Message))
}

func escape(s string) string {
	var b bytes.Buffer
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

// noDelay retries at once, so the clock-skew retry does not slow the test.
func noDelay() aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
	})
}

func staticCreds(c aws.Credentials) aws.CredentialsProvider {
	return aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return c, nil })
}

// apiError returns the AWS error code and HTTP status of a client error.
func apiError(t *testing.T, err error) (string, int) {
	t.Helper()
	var ae smithy.APIError
	var re *awshttp.ResponseError
	if !errors.As(err, &ae) || !errors.As(err, &re) {
		t.Fatalf("error %v is not an AWS API error", err)
	}
	return ae.ErrorCode(), re.HTTPStatusCode()
}

func TestEndToEndEC2Client(t *testing.T) {
	tests := []struct {
		name         string
		creds        aws.CredentialsProvider
		offset       time.Duration
		wantCode     string // "" for success
		wantStatus   int
		wantAttempts int32
		wantToken    string
	}{
		{name: "valid credentials", creds: staticCreds(testCreds), wantAttempts: 1},
		{name: "session token", creds: staticCreds(aws.Credentials{AccessKeyID: testKeyID, SecretAccessKey: testSecret, SessionToken: "tok/en+="}), wantAttempts: 1, wantToken: "tok/en+="},
		{name: "wrong secret", creds: staticCreds(aws.Credentials{AccessKeyID: testKeyID, SecretAccessKey: "wrong"}), wantCode: "AuthFailure", wantStatus: 401, wantAttempts: 1},
		{name: "unknown key", creds: staticCreds(aws.Credentials{AccessKeyID: "AKIDNOBODY", SecretAccessKey: testSecret}), wantCode: "AuthFailure", wantStatus: 401, wantAttempts: 1},
		{name: "unsigned", creds: aws.AnonymousCredentials{}, wantCode: "MissingParameter", wantStatus: 400, wantAttempts: 1},
		// The SDK reads the skew from Date after AuthFailure and re-signs.
		{name: "client clock 20 minutes slow is corrected by the SDK", creds: staticCreds(testCreds), offset: 20 * time.Minute, wantAttempts: 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ep := &endpoint{service: "ec2", offset: tc.offset}
			srv := httptest.NewServer(ep)
			defer srv.Close()
			client := ec2.New(ec2.Options{
				Region:       "us-east-1",
				BaseEndpoint: aws.String(srv.URL),
				Credentials:  tc.creds,
				Retryer:      noDelay(),
			})
			_, err := client.DescribeRegions(context.Background(), &ec2.DescribeRegionsInput{RegionNames: []string{"us-east-1", "eu west"}})
			if tc.wantCode == "" {
				if err != nil {
					t.Fatalf("DescribeRegions: %v", err)
				}
				if got := ep.last.SessionToken; got != tc.wantToken {
					t.Errorf("session token = %q, want %q", got, tc.wantToken)
				}
			} else {
				code, status := apiError(t, err)
				if diff := cmp.Diff([2]any{tc.wantCode, tc.wantStatus}, [2]any{code, status}); diff != "" {
					t.Errorf("error code and status (-want +got):\n%s", diff)
				}
			}
			if got := ep.attempts.Load(); got != tc.wantAttempts {
				t.Errorf("server saw %d attempts, want %d", got, tc.wantAttempts)
			}
		})
	}
}

func TestEndToEndSTSClient(t *testing.T) {
	tests := []struct {
		name         string
		creds        aws.CredentialsProvider
		offset       time.Duration
		wantCode     string
		wantStatus   int
		wantAttempts int32
	}{
		{name: "valid credentials", creds: staticCreds(testCreds), wantAttempts: 1},
		{name: "wrong secret", creds: staticCreds(aws.Credentials{AccessKeyID: testKeyID, SecretAccessKey: "wrong"}), wantCode: "SignatureDoesNotMatch", wantStatus: 403, wantAttempts: 1},
		{name: "unknown key", creds: staticCreds(aws.Credentials{AccessKeyID: "AKIDNOBODY", SecretAccessKey: testSecret}), wantCode: "InvalidClientTokenId", wantStatus: 403, wantAttempts: 1},
		{name: "unsigned", creds: aws.AnonymousCredentials{}, wantCode: "MissingAuthenticationToken", wantStatus: 403, wantAttempts: 1},
		{name: "client clock 20 minutes fast is corrected by the SDK", creds: staticCreds(testCreds), offset: -20 * time.Minute, wantAttempts: 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ep := &endpoint{service: "sts", offset: tc.offset}
			srv := httptest.NewServer(ep)
			defer srv.Close()
			client := sts.New(sts.Options{
				Region:       "us-east-1",
				BaseEndpoint: aws.String(srv.URL),
				Credentials:  tc.creds,
				Retryer:      noDelay(),
			})
			out, err := client.GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
			if tc.wantCode == "" {
				if err != nil {
					t.Fatalf("GetCallerIdentity: %v", err)
				}
				if got := aws.ToString(out.Account); got != "123456789012" {
					t.Errorf("account = %q", got)
				}
			} else {
				code, status := apiError(t, err)
				if diff := cmp.Diff([2]any{tc.wantCode, tc.wantStatus}, [2]any{code, status}); diff != "" {
					t.Errorf("error code and status (-want +got):\n%s", diff)
				}
			}
			if got := ep.attempts.Load(); got != tc.wantAttempts {
				t.Errorf("server saw %d attempts, want %d", got, tc.wantAttempts)
			}
		})
	}
}
