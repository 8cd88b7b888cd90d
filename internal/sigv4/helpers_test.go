package sigv4

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// Test fixtures. The secret has '/' and '+' like real ones.
var (
	testNow    = time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	testKeyID  = "AKIDKUMOEXAMPLE"
	testSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
	testCreds  = aws.Credentials{AccessKeyID: testKeyID, SecretAccessKey: testSecret}
	sdkSigner  = v4.NewSigner()
)

// testLookup knows only testKeyID.
func testLookup(_ context.Context, id string) (string, error) {
	if id == testKeyID {
		return testSecret, nil
	}
	return "", fmt.Errorf("key %s: %w", id, ErrUnknownKey)
}

const formType = "application/x-www-form-urlencoded; charset=utf-8"

// newRequest builds a client-side request as the SDK would before signing.
func newRequest(t *testing.T, method, rawURL, body string, header http.Header) *http.Request {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	r, err := http.NewRequest(method, rawURL, rd)
	if err != nil {
		t.Fatalf("new request: %v", err)
	}
	for k, vs := range header {
		for _, v := range vs {
			r.Header.Add(k, v)
		}
	}
	return r
}

// sdkSign signs r in place with aws-sdk-go-v2's signer, hashing body.
func sdkSign(t *testing.T, r *http.Request, body string, creds aws.Credentials, service, region string, at time.Time) {
	t.Helper()
	err := sdkSigner.SignHTTP(context.Background(), creds, r, hashHex([]byte(body)), service, region, at)
	if err != nil {
		t.Fatalf("sign: %v", err)
	}
}

// sdkPresign presigns r with aws-sdk-go-v2 and returns the request a holder of
// the URL would send (signed headers copied, as the SDK's docs require).
func sdkPresign(t *testing.T, r *http.Request, payloadHash string, creds aws.Credentials, service, region string, at time.Time) *http.Request {
	t.Helper()
	u, hdr, err := sdkSigner.PresignHTTP(context.Background(), creds, r, payloadHash, service, region, at)
	if err != nil {
		t.Fatalf("presign: %v", err)
	}
	out, err := http.NewRequest(r.Method, u, nil)
	if err != nil {
		t.Fatalf("presigned request: %v", err)
	}
	for k, vs := range hdr {
		if k != "Host" {
			out.Header[k] = vs
		}
	}
	return out
}

// onServer sends r through HTTP/1.1 serialisation and parsing, so Verify sees
// what a real server sees: Host in r.Host, Content-Length in r.ContentLength,
// canonicalised header keys, trimmed values, RawPath and RawQuery as sent.
func onServer(t *testing.T, r *http.Request, body string) (*http.Request, []byte) {
	t.Helper()
	r.Body = nil
	if body != "" {
		r.Body = io.NopCloser(strings.NewReader(body))
		r.ContentLength = int64(len(body))
	}
	var wire bytes.Buffer
	if err := r.Write(&wire); err != nil {
		t.Fatalf("write request: %v", err)
	}
	got, err := http.ReadRequest(bufio.NewReader(&wire))
	if err != nil {
		t.Fatalf("read request: %v\n%s", err, wire.String())
	}
	b, err := io.ReadAll(got.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return got, b
}
