package sigv4

import (
	"context"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/google/go-cmp/cmp"
)

// TestVerifySDKSigned checks requests signed by aws-sdk-go-v2's real signer.
func TestVerifySDKSigned(t *testing.T) {
	ec2Body := "Action=DescribeInstances&Filter.1.Name=tag%3AName&Filter.1.Value.1=web+server&InstanceId.1=i-0123&Version=2016-11-15"
	odd := url.Values{
		"Action":            {"DescribeRegions"},
		"Version":           {"2016-11-15"},
		"Filter.1.Name":     {"region-name"},
		"Filter.1.Value.1":  {"us east 1", "ünï/cødé", "a+b", "x~y", "p/q", "a-b"},
		"RegionName.1":      {"eu-west-1"},
		"Empty":             {""},
		"Key With Space/~+": {"v"},
	}
	tests := []struct {
		name    string
		service string
		region  string
		creds   aws.Credentials
		// build returns the signed client request and its body.
		build func(t *testing.T, creds aws.Credentials, service, region string) (*http.Request, string)
		now   time.Time
		want  Result
	}{{
		name: "ec2 POST form", service: "ec2", region: "us-east-1",
		build: func(t *testing.T, c aws.Credentials, s, reg string) (*http.Request, string) {
			r := newRequest(t, "POST", "https://ec2.us-east-1.amazonaws.com/", ec2Body, http.Header{"Content-Type": {formType}})
			sdkSign(t, r, ec2Body, c, s, reg, testNow)
			return r, ec2Body
		},
	}, {
		name: "GET query with spaces unicode plus slash tilde repeats (url.Values encoding)", service: "ec2", region: "eu-west-1",
		build: func(t *testing.T, c aws.Credentials, s, reg string) (*http.Request, string) {
			r := newRequest(t, "GET", "http://127.0.0.1:8773/?"+odd.Encode(), "", nil)
			sdkSign(t, r, "", c, s, reg, testNow)
			return r, ""
		},
	}, {
		name: "GET raw query with %20, literal ~ and /, unsorted", service: "ec2", region: "us-east-1",
		build: func(t *testing.T, c aws.Credentials, s, reg string) (*http.Request, string) {
			r := newRequest(t, "GET", "http://localhost:8773/?Version=2016-11-15&Action=DescribeRegions&b=x%20y&a=~/z&a=%C3%BC&c&d=", "", nil)
			sdkSign(t, r, "", c, s, reg, testNow)
			return r, ""
		},
	}, {
		name: "session token", service: "sts", region: "us-east-1",
		creds: aws.Credentials{AccessKeyID: testKeyID, SecretAccessKey: testSecret, SessionToken: "FwoGZXIvYXdzE/token+with=chars"},
		build: func(t *testing.T, c aws.Credentials, s, reg string) (*http.Request, string) {
			body := "Action=GetCallerIdentity&Version=2011-06-15"
			r := newRequest(t, "POST", "https://sts.amazonaws.com/", body, http.Header{"Content-Type": {formType}})
			sdkSign(t, r, body, c, s, reg, testNow)
			return r, body
		},
	}, {
		name: "odd header spacing and repeated headers", service: "iam", region: "us-east-1",
		build: func(t *testing.T, c aws.Credentials, s, reg string) (*http.Request, string) {
			body := "Action=ListUsers&Version=2010-05-08"
			r := newRequest(t, "POST", "https://iam.amazonaws.com/", body, http.Header{
				"Content-Type":   {"application/x-www-form-urlencoded;   charset=utf-8"},
				"X-Kumo-Spaced":  {"   a    b  c   "},
				"X-Kumo-Repeats": {"first  value", " second", "third  "},
			})
			sdkSign(t, r, body, c, s, reg, testNow)
			return r, body
		},
	}, {
		name: "x-amz-content-sha256 header signed (Ruby SDK style)", service: "ec2", region: "eu-west-1",
		build: func(t *testing.T, c aws.Credentials, s, reg string) (*http.Request, string) {
			r := newRequest(t, "POST", "https://ec2.eu-west-1.amazonaws.com/", ec2Body, http.Header{
				"Content-Type":         {formType},
				"X-Amz-Content-Sha256": {hashHex([]byte(ec2Body))},
			})
			sdkSign(t, r, ec2Body, c, s, reg, testNow)
			return r, ec2Body
		},
	}, {
		name: "path needing escapes is double-encoded", service: "ec2", region: "us-east-1",
		build: func(t *testing.T, c aws.Credentials, s, reg string) (*http.Request, string) {
			r := newRequest(t, "GET", "http://localhost:8773/a%20b/%C3%BC/c+d/?Action=X", "", nil)
			sdkSign(t, r, "", c, s, reg, testNow)
			return r, ""
		},
	}, {
		name: "clock 15 minutes behind is still accepted", service: "ec2", region: "us-east-1",
		now: testNow.Add(MaxSkew),
		build: func(t *testing.T, c aws.Credentials, s, reg string) (*http.Request, string) {
			r := newRequest(t, "POST", "https://ec2.us-east-1.amazonaws.com/", ec2Body, http.Header{"Content-Type": {formType}})
			sdkSign(t, r, ec2Body, c, s, reg, testNow)
			return r, ec2Body
		},
	}, {
		name: "presigned GET, S3 style UNSIGNED-PAYLOAD", service: "ec2", region: "us-east-1",
		now: testNow.Add(10 * time.Minute), want: Result{Presigned: true},
		build: func(t *testing.T, c aws.Credentials, s, reg string) (*http.Request, string) {
			r := newRequest(t, "GET", "https://ec2.us-east-1.amazonaws.com/?Action=DescribeRegions&Version=2016-11-15&X-Amz-Expires=900", "", nil)
			return sdkPresign(t, r, unsignedPayload, c, s, reg, testNow), ""
		},
	}, {
		name: "presigned GET, STS style empty-body hash with token and no expires", service: "sts", region: "us-east-1",
		creds: aws.Credentials{AccessKeyID: testKeyID, SecretAccessKey: testSecret, SessionToken: "session/token"},
		now:   testNow.Add(14 * time.Minute), want: Result{Presigned: true},
		build: func(t *testing.T, c aws.Credentials, s, reg string) (*http.Request, string) {
			r := newRequest(t, "GET", "https://sts.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15", "", http.Header{"X-K8s-Aws-Id": {"cluster-1"}})
			return sdkPresign(t, r, hashHex(nil), c, s, reg, testNow), ""
		},
	}, {
		name: "presigned for a week", service: "ec2", region: "us-east-1",
		now: testNow.Add(MaxPresignExpires), want: Result{Presigned: true},
		build: func(t *testing.T, c aws.Credentials, s, reg string) (*http.Request, string) {
			q := "?Action=DescribeRegions&X-Amz-Expires=" + strconv.Itoa(int(MaxPresignExpires/time.Second))
			r := newRequest(t, "GET", "https://ec2.us-east-1.amazonaws.com/"+q, "", nil)
			return sdkPresign(t, r, unsignedPayload, c, s, reg, testNow), ""
		},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			creds := tc.creds
			if creds.AccessKeyID == "" {
				creds = testCreds
			}
			client, body := tc.build(t, creds, tc.service, tc.region)
			r, b := onServer(t, client, body)
			now := tc.now
			if now.IsZero() {
				now = testNow
			}
			got, err := Verify(context.Background(), r, b, now, testLookup)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			want := tc.want
			want.AccessKeyID, want.Region, want.Service = testKeyID, tc.region, tc.service
			want.SessionToken, want.SignedAt = creds.SessionToken, testNow
			if diff := cmp.Diff(&want, got); diff != "" {
				t.Errorf("Verify result (-want +got):\n%s", diff)
			}
		})
	}
}

// TestVerifyAuthorizationLayouts re-lays out an SDK-signed Authorization header
// the ways other clients write it; the signature must still verify.
func TestVerifyAuthorizationLayouts(t *testing.T) {
	r, _ := signedEC2(t, testCreds)
	a, err := parseAuthorization(r.Header.Get("Authorization"))
	if err != nil {
		t.Fatal(err)
	}
	cred := "Credential=" + testKeyID + "/" + a.Credential.scope()
	sh := "SignedHeaders=" + strings.Join(a.SignedHeaders, ";")
	sg := "Signature=" + hex.EncodeToString(a.Signature)
	layouts := map[string]string{
		"no spaces":         "AWS4-HMAC-SHA256 " + cred + "," + sh + "," + sg,
		"reordered":         "AWS4-HMAC-SHA256 " + sh + ", " + sg + ", " + cred,
		"padded":            "AWS4-HMAC-SHA256   " + cred + " ,  " + sh + " , " + sg + " ",
		"uppercase hex":     "AWS4-HMAC-SHA256 " + cred + ", " + sh + ", Signature=" + strings.ToUpper(hex.EncodeToString(a.Signature)),
		"unknown component": "AWS4-HMAC-SHA256 " + cred + ", Extra=1, " + sh + ", " + sg,
	}
	for name, h := range layouts {
		t.Run(name, func(t *testing.T) {
			r, b := signedEC2(t, testCreds)
			r.Header.Set("Authorization", h)
			if _, err := Verify(context.Background(), r, b, testNow, testLookup); err != nil {
				t.Fatalf("Verify with %q: %v", h, err)
			}
		})
	}
}

// TestVerifyDateHeader covers clients that sign the HTTP Date header instead of
// X-Amz-Date. The SDK always sets X-Amz-Date, so the signature is computed
// here from the canonical pieces, which the SDK tests above pin down.
func TestVerifyDateHeader(t *testing.T) {
	r := newRequest(t, "POST", "http://localhost:8773/", testBody, http.Header{
		"Content-Type": {formType},
		"Date":         {testNow.Format(http.TimeFormat)},
	})
	r, body := onServer(t, r, testBody)
	names := []string{"content-type", "date", "host"}
	c := credential{AccessKeyID: testKeyID, Date: "20240102", Region: "us-east-1", Service: "ec2"}
	cr := canonicalRequest("POST", "/", "", canonicalHeaders(r, names), names, hashHex(body))
	sig := hmacSHA256(signingKey(testSecret, c), stringToSign("20240102T030405Z", c.scope(), cr))
	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+testKeyID+"/"+c.scope()+", SignedHeaders=content-type;date;host, Signature="+hex.EncodeToString(sig))

	got, err := Verify(context.Background(), r, body, testNow.Add(time.Minute), testLookup)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	want := &Result{AccessKeyID: testKeyID, Region: "us-east-1", Service: "ec2", SignedAt: testNow}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Verify result (-want +got):\n%s", diff)
	}

	// Unsigned, the Date header proves nothing.
	r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "content-type;date;host", "content-type;host", 1))
	if _, err := Verify(context.Background(), r, body, testNow, testLookup); !errors.Is(err, ErrMalformed) {
		t.Errorf("Verify with Date unsigned: error %v, want ErrMalformed", err)
	}
}

// TestCanonicalPieces pins the canonical query, path and header rules on the
// cases where encodings and orders disagree.
func TestCanonicalPieces(t *testing.T) {
	tests := []struct {
		name, rawQuery, want string
	}{
		{"sorted after encoding", "a=a-b&a=a/b", "a=a%2Fb&a=a-b"},
		{"plus is a space", "q=a+b&r=a%2Bb", "q=a%20b&r=a%2Bb"},
		{"unreserved kept", "k=AZaz09-._~", "k=AZaz09-._~"},
		{"utf-8 bytes", "k=%C3%BC", "k=%C3%BC"},
		{"key without value", "b&a=", "a=&b="},
		{"repeated keys by value", "k=2&k=10&k=1", "k=1&k=10&k=2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pairs, err := parseQuery(tc.rawQuery)
			if err != nil {
				t.Fatal(err)
			}
			if got := canonicalQuery(pairs, ""); got != tc.want {
				t.Errorf("canonicalQuery(%q) = %q, want %q", tc.rawQuery, got, tc.want)
			}
		})
	}
	u, _ := url.Parse("http://h/a%20b/%C3%BC/")
	if got, want := canonicalURI(u, "ec2"), "/a%2520b/%25C3%25BC/"; got != want {
		t.Errorf("canonicalURI ec2 = %q, want %q", got, want)
	}
	if got, want := canonicalURI(u, "s3"), "/a%20b/%C3%BC/"; got != want {
		t.Errorf("canonicalURI s3 = %q, want %q", got, want)
	}
	if got, want := stripExcessSpaces("  a   b c  "), "a b c"; got != want {
		t.Errorf("stripExcessSpaces = %q, want %q", got, want)
	}
}
