package sigv4

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
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
