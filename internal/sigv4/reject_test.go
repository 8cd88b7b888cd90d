package sigv4

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

const testBody = "Action=DescribeInstances&InstanceId.1=i-0123456789abcdef0&Version=2016-11-15"

// signedEC2 is an EC2 POST signed by the SDK at testNow, as the server sees it.
func signedEC2(t *testing.T, creds aws.Credentials) (*http.Request, []byte) {
	t.Helper()
	r := newRequest(t, "POST", "https://ec2.us-east-1.amazonaws.com/", testBody, http.Header{"Content-Type": {formType}})
	sdkSign(t, r, testBody, creds, "ec2", "us-east-1", testNow)
	return onServer(t, r, testBody)
}

// signedGET is an EC2 GET with a query string, signed by the SDK at testNow.
func signedGET(t *testing.T) (*http.Request, []byte) {
	t.Helper()
	r := newRequest(t, "GET", "http://localhost:8773/?Action=DescribeRegions&RegionName.1=us-east-1&Version=2016-11-15", "", nil)
	sdkSign(t, r, "", testCreds, "ec2", "us-east-1", testNow)
	return onServer(t, r, "")
}

// presigned is an SDK-presigned GET with the given extra query, as the server sees it.
func presigned(t *testing.T, query string, at time.Time) (*http.Request, []byte) {
	t.Helper()
	r := newRequest(t, "GET", "https://ec2.us-east-1.amazonaws.com/?Action=DescribeRegions"+query, "", nil)
	return onServer(t, sdkPresign(t, r, unsignedPayload, testCreds, "ec2", "us-east-1", at), "")
}

// editAuth rewrites the Authorization header.
func editAuth(r *http.Request, old, new string) {
	r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), old, new, 1))
}

func TestVerifyRejects(t *testing.T) {
	failingLookup := func(context.Context, string) (string, error) { return "", errors.New("store unavailable") }
	tests := []struct {
		name   string
		build  func(t *testing.T) (*http.Request, []byte)
		now    time.Time // testNow if zero
		lookup SecretLookup
		want   error // nil: must verify
	}{
		{name: "wrong secret", want: ErrSignatureMismatch, build: func(t *testing.T) (*http.Request, []byte) {
			return signedEC2(t, aws.Credentials{AccessKeyID: testKeyID, SecretAccessKey: "not-the-secret"})
		}},
		{name: "unknown key", want: ErrUnknownKey, build: func(t *testing.T) (*http.Request, []byte) {
			return signedEC2(t, aws.Credentials{AccessKeyID: "AKIDUNKNOWN", SecretAccessKey: testSecret})
		}},
		{name: "lookup failure is not an auth error", lookup: failingLookup, want: errLookup, build: func(t *testing.T) (*http.Request, []byte) {
			return signedEC2(t, testCreds)
		}},
		{name: "server clock 16 minutes ahead", now: testNow.Add(16 * time.Minute), want: ErrExpired, build: func(t *testing.T) (*http.Request, []byte) {
			return signedEC2(t, testCreds)
		}},
		{name: "server clock 16 minutes behind", now: testNow.Add(-16 * time.Minute), want: ErrExpired, build: func(t *testing.T) (*http.Request, []byte) {
			return signedEC2(t, testCreds)
		}},
		{name: "scope date differs from X-Amz-Date", want: ErrMalformed, build: func(t *testing.T) (*http.Request, []byte) {
			r, b := signedEC2(t, testCreds)
			editAuth(r, "/20240102/", "/20240101/")
			return r, b
		}},
		{name: "host not signed", want: ErrMalformed, build: func(t *testing.T) (*http.Request, []byte) {
			r, b := signedEC2(t, testCreds)
			editAuth(r, ";host;", ";")
			return r, b
		}},
		{name: "x-amz-date not signed", want: ErrMalformed, build: func(t *testing.T) (*http.Request, []byte) {
			r, b := signedEC2(t, testCreds)
			editAuth(r, ";x-amz-date", "")
			return r, b
		}},
		{name: "no date header", want: ErrMalformed, build: func(t *testing.T) (*http.Request, []byte) {
			r, b := signedEC2(t, testCreds)
			r.Header.Del("X-Amz-Date")
			return r, b
		}},
		{name: "X-Amz-Date not ISO 8601 basic", want: ErrMalformed, build: func(t *testing.T) (*http.Request, []byte) {
			r, b := signedEC2(t, testCreds)
			r.Header.Set("X-Amz-Date", "2024-01-02T03:04:05Z")
			return r, b
		}},
		{name: "tampered body", want: ErrSignatureMismatch, build: func(t *testing.T) (*http.Request, []byte) {
			r, _ := signedEC2(t, testCreds)
			return r, []byte(strings.Replace(testBody, "DescribeInstances", "TerminateInstances", 1))
		}},
		{name: "tampered signed header", want: ErrSignatureMismatch, build: func(t *testing.T) (*http.Request, []byte) {
			r, b := signedEC2(t, testCreds)
			r.Header.Set("Content-Type", "text/plain")
			return r, b
		}},
		{name: "tampered host", want: ErrSignatureMismatch, build: func(t *testing.T) (*http.Request, []byte) {
			r, b := signedEC2(t, testCreds)
			r.Host = "evil.example.com"
			return r, b
		}},
		{name: "tampered method", want: ErrSignatureMismatch, build: func(t *testing.T) (*http.Request, []byte) {
			r, b := signedEC2(t, testCreds)
			r.Method = "PUT"
			return r, b
		}},
		{name: "tampered query", want: ErrSignatureMismatch, build: func(t *testing.T) (*http.Request, []byte) {
			r, b := signedGET(t)
			r.URL.RawQuery = strings.Replace(r.URL.RawQuery, "us-east-1", "us-west-2", 1)
			return r, b
		}},
		{name: "added query parameter", want: ErrSignatureMismatch, build: func(t *testing.T) (*http.Request, []byte) {
			r, b := signedGET(t)
			r.URL.RawQuery += "&DryRun=true"
			return r, b
		}},
		{name: "unsigned header may change", build: func(t *testing.T) (*http.Request, []byte) {
			r, b := signedEC2(t, testCreds)
			r.Header.Set("User-Agent", "something else")
			return r, b
		}},
		{name: "missing Authorization", want: ErrMissingAuth, build: func(t *testing.T) (*http.Request, []byte) {
			r, b := signedEC2(t, testCreds)
			r.Header.Del("Authorization")
			return r, b
		}},
		{name: "blank Authorization", want: ErrMissingAuth, build: func(t *testing.T) (*http.Request, []byte) {
			r, b := signedEC2(t, testCreds)
			r.Header.Set("Authorization", "  ")
			return r, b
		}},
		{name: "two Authorization headers", want: ErrMalformed, build: func(t *testing.T) (*http.Request, []byte) {
			r, b := signedEC2(t, testCreds)
			r.Header.Add("Authorization", r.Header.Get("Authorization"))
			return r, b
		}},
		{name: "Authorization header and presigned query", want: ErrMalformed, build: func(t *testing.T) (*http.Request, []byte) {
			r, b := signedEC2(t, testCreds)
			r.URL.RawQuery = "X-Amz-Algorithm=AWS4-HMAC-SHA256"
			return r, b
		}},
		{name: "bad percent-encoding in query", want: ErrMalformed, build: func(t *testing.T) (*http.Request, []byte) {
			r, b := signedGET(t)
			r.URL.RawQuery += "&a=%zz"
			return r, b
		}},
		{name: "content sha256 header does not match body", want: ErrSignatureMismatch, build: func(t *testing.T) (*http.Request, []byte) {
			other := hashHex([]byte("something else"))
			r := newRequest(t, "POST", "https://ec2.us-east-1.amazonaws.com/", testBody, http.Header{"Content-Type": {formType}, "X-Amz-Content-Sha256": {other}})
			if err := sdkSignHash(r, other); err != nil {
				t.Fatal(err)
			}
			return onServer(t, r, testBody)
		}},
		{name: "UNSIGNED-PAYLOAD header with a body", want: ErrMalformed, build: func(t *testing.T) (*http.Request, []byte) {
			r := newRequest(t, "POST", "https://ec2.us-east-1.amazonaws.com/", testBody, http.Header{"Content-Type": {formType}, "X-Amz-Content-Sha256": {unsignedPayload}})
			if err := sdkSignHash(r, unsignedPayload); err != nil {
				t.Fatal(err)
			}
			return onServer(t, r, testBody)
		}},
		{name: "expired presigned URL", now: testNow.Add(301 * time.Second), want: ErrExpired, build: func(t *testing.T) (*http.Request, []byte) {
			return presigned(t, "&X-Amz-Expires=300", testNow)
		}},
		{name: "presigned URL without expires after 15 minutes", now: testNow.Add(MaxSkew + time.Second), want: ErrExpired, build: func(t *testing.T) (*http.Request, []byte) {
			return presigned(t, "", testNow)
		}},
		{name: "presigned URL from the future", now: testNow.Add(-16 * time.Minute), want: ErrExpired, build: func(t *testing.T) (*http.Request, []byte) {
			return presigned(t, "&X-Amz-Expires=3600", testNow)
		}},
		{name: "presigned expires over a week", want: ErrMalformed, build: func(t *testing.T) (*http.Request, []byte) {
			return presigned(t, "&X-Amz-Expires=604801", testNow)
		}},
		{name: "presigned expires negative", want: ErrMalformed, build: func(t *testing.T) (*http.Request, []byte) {
			return presigned(t, "&X-Amz-Expires=-1", testNow)
		}},
		{name: "presigned without signature", want: ErrMalformed, build: func(t *testing.T) (*http.Request, []byte) {
			r, b := presigned(t, "", testNow)
			q := r.URL.Query()
			q.Del(paramSignature)
			r.URL.RawQuery = q.Encode()
			return r, b
		}},
		{name: "presigned with wrong algorithm", want: ErrMalformed, build: func(t *testing.T) (*http.Request, []byte) {
			r, b := presigned(t, "", testNow)
			r.URL.RawQuery = strings.Replace(r.URL.RawQuery, "AWS4-HMAC-SHA256", "AWS4-HMAC-SHA1", 1)
			return r, b
		}},
		{name: "presigned URL with a body added", want: ErrSignatureMismatch, build: func(t *testing.T) (*http.Request, []byte) {
			r, _ := presigned(t, "", testNow)
			return r, []byte("Action=TerminateInstances&InstanceId.1=i-1")
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, body := tc.build(t)
			now, lookup := tc.now, tc.lookup
			if now.IsZero() {
				now = testNow
			}
			if lookup == nil {
				lookup = testLookup
			}
			res, err := Verify(context.Background(), r, body, now, lookup)
			t.Logf("Verify error: %v", err)
			switch {
			case tc.want == nil && err != nil:
				t.Fatalf("Verify: %v", err)
			case tc.want == errLookup:
				if err == nil || isSentinel(err) {
					t.Fatalf("Verify error = %v, want a non-sentinel lookup error", err)
				}
			case tc.want != nil && !errors.Is(err, tc.want):
				t.Fatalf("Verify error = %v, want %v", err, tc.want)
			}
			// A claimed (unverified) result comes back only once the signature
			// was read, so the caller can answer in the claimed service's protocol.
			read := err != nil && !errors.Is(err, ErrMissingAuth) && !errors.Is(err, ErrMalformed)
			if res == nil && (err == nil || read) {
				t.Errorf("Verify returned no result with error %v", err)
			}
			if res != nil && errors.Is(err, ErrMissingAuth) {
				t.Errorf("Verify returned result %+v with error %v", res, err)
			}
			if res != nil && res.Service != "ec2" {
				t.Errorf("claimed service %q, want ec2", res.Service)
			}
		})
	}
}

// errLookup marks a case expecting a lookup failure that is none of the sentinels.
var errLookup = errors.New("lookup failure")

func isSentinel(err error) bool {
	for _, s := range []error{ErrMissingAuth, ErrMalformed, ErrUnknownKey, ErrSignatureMismatch, ErrExpired} {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

// sdkSignHash signs with the SDK using an explicit payload hash.
func sdkSignHash(r *http.Request, hash string) error {
	return sdkSigner.SignHTTP(context.Background(), testCreds, r, hash, "ec2", "us-east-1", testNow)
}
