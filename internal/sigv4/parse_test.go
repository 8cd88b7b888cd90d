package sigv4

import (
	"context"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const sigHex = "fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024"

func TestParseAuthorization(t *testing.T) {
	sig, _ := hex.DecodeString(sigHex)
	want := authorization{
		Credential:    credential{AccessKeyID: "AKIDEXAMPLE", Date: "20240102", Region: "us-east-1", Service: "ec2"},
		SignedHeaders: []string{"content-type", "host", "x-amz-date"},
		Signature:     sig,
	}
	cred := "Credential=AKIDEXAMPLE/20240102/us-east-1/ec2/aws4_request"
	sh := "SignedHeaders=content-type;host;x-amz-date"
	sg := "Signature=" + sigHex
	ok := map[string]string{
		"sdk layout":            "AWS4-HMAC-SHA256 " + cred + ", " + sh + ", " + sg,
		"no spaces":             "AWS4-HMAC-SHA256 " + cred + "," + sh + "," + sg,
		"reordered":             "AWS4-HMAC-SHA256 " + sg + ", " + cred + ", " + sh,
		"extra spaces":          "  AWS4-HMAC-SHA256    " + cred + " ,   " + sh + " ,\t" + sg + "  ",
		"tab after algorithm":   "AWS4-HMAC-SHA256\t" + cred + ", " + sh + ", " + sg,
		"spaces around =":       "AWS4-HMAC-SHA256 Credential = AKIDEXAMPLE/20240102/us-east-1/ec2/aws4_request, " + sh + ", " + sg,
		"uppercase hex":         "AWS4-HMAC-SHA256 " + cred + ", " + sh + ", Signature=" + strings.ToUpper(sigHex),
		"trailing comma":        "AWS4-HMAC-SHA256 " + cred + ", " + sh + ", " + sg + ",",
		"unknown component":     "AWS4-HMAC-SHA256 " + cred + ", Foo=bar, " + sh + ", " + sg,
		"empty component dupes": "AWS4-HMAC-SHA256 " + cred + ",,, " + sh + ", " + sg,
	}
	for name, h := range ok {
		t.Run("ok/"+name, func(t *testing.T) {
			got, err := parseAuthorization(h)
			if err != nil {
				t.Fatalf("parseAuthorization(%q): %v", h, err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("parseAuthorization (-want +got):\n%s", diff)
			}
		})
	}

	bad := map[string]string{
		"empty":                   "",
		"algorithm only":          "AWS4-HMAC-SHA256",
		"sigv2":                   "AWS AKIDEXAMPLE:c2lnbmF0dXJl",
		"sigv4a":                  "AWS4-ECDSA-P256-SHA256 " + cred + ", " + sh + ", " + sg,
		"lowercase algorithm":     "aws4-hmac-sha256 " + cred + ", " + sh + ", " + sg,
		"missing signature":       "AWS4-HMAC-SHA256 " + cred + ", " + sh,
		"missing credential":      "AWS4-HMAC-SHA256 " + sh + ", " + sg,
		"missing signed headers":  "AWS4-HMAC-SHA256 " + cred + ", " + sg,
		"component without =":     "AWS4-HMAC-SHA256 " + cred + ", " + sh + ", " + sigHex,
		"duplicate component":     "AWS4-HMAC-SHA256 " + cred + ", " + cred + ", " + sh + ", " + sg,
		"short signature":         "AWS4-HMAC-SHA256 " + cred + ", " + sh + ", Signature=abcd",
		"non-hex signature":       "AWS4-HMAC-SHA256 " + cred + ", " + sh + ", Signature=" + strings.Repeat("zz", 32),
		"credential 4 parts":      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240102/us-east-1/aws4_request, " + sh + ", " + sg,
		"credential 6 parts":      "AWS4-HMAC-SHA256 Credential=AK/ID/20240102/us-east-1/ec2/aws4_request, " + sh + ", " + sg,
		"bad terminator":          "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240102/us-east-1/ec2/aws4_reqest, " + sh + ", " + sg,
		"bad scope date":          "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/2024-01-02/us-east-1/ec2/aws4_request, " + sh + ", " + sg,
		"impossible scope date":   "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20241302/us-east-1/ec2/aws4_request, " + sh + ", " + sg,
		"empty access key":        "AWS4-HMAC-SHA256 Credential=/20240102/us-east-1/ec2/aws4_request, " + sh + ", " + sg,
		"empty region":            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240102//ec2/aws4_request, " + sh + ", " + sg,
		"empty service":           "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240102/us-east-1//aws4_request, " + sh + ", " + sg,
		"empty signed headers":    "AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=, " + sg,
		"uppercase signed header": "AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=Host;x-amz-date, " + sg,
		"empty signed header":     "AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=host;;x-amz-date, " + sg,
		"repeated signed header":  "AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=host;host, " + sg,
		"space in signed headers": "AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=host; x-amz-date, " + sg,
	}
	for name, h := range bad {
		t.Run("bad/"+name, func(t *testing.T) {
			_, err := parseAuthorization(h)
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("parseAuthorization(%q) error = %v, want ErrMalformed", h, err)
			}
		})
	}
}

// formatAuthorization renders a in the SDK's layout.
func formatAuthorization(a authorization) string {
	return algorithm + " Credential=" + a.Credential.AccessKeyID + "/" + a.Credential.scope() +
		", SignedHeaders=" + strings.Join(a.SignedHeaders, ";") + ", Signature=" + hex.EncodeToString(a.Signature)
}

// FuzzParseAuthorization checks that any header parses without panicking, and
// that whatever parses survives a format/parse round trip unchanged.
func FuzzParseAuthorization(f *testing.F) {
	for _, seed := range []string{
		"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240102/us-east-1/ec2/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=" + sigHex,
		"AWS4-HMAC-SHA256 Signature=" + sigHex + ",Credential=A/20240229/r/s/aws4_request,SignedHeaders=host",
		"AWS4-HMAC-SHA256\tCredential = A/20240102/r/s/aws4_request ,SignedHeaders=host, Signature=" + sigHex + ",",
		"AWS4-HMAC-SHA256 Credential=A/20241302/r/s/aws4_request, SignedHeaders=host, Signature=00",
		"AWS4-HMAC-SHA256 Credential=,SignedHeaders=,Signature=",
		"AWS4-HMAC-SHA256 ==,,=,",
		"AWS4-HMAC-SHA256",
		"AWS AKID:sig",
		"",
		"\xff\xfe AWS4-HMAC-SHA256",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, h string) {
		a, err := parseAuthorization(h)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("parseAuthorization(%q) error %v is not ErrMalformed", h, err)
			}
			if len(malformedReason(err)) > 4096 {
				t.Fatalf("error message of %d bytes for a %d-byte header", len(malformedReason(err)), len(h))
			}
			return
		}
		if len(a.Signature) != 32 || len(a.SignedHeaders) == 0 || a.Credential.AccessKeyID == "" ||
			a.Credential.Region == "" || a.Credential.Service == "" {
			t.Fatalf("parseAuthorization(%q) accepted an incomplete %+v", h, a)
		}
		again, err := parseAuthorization(formatAuthorization(a))
		if err != nil {
			t.Fatalf("re-parse of %q: %v", formatAuthorization(a), err)
		}
		if diff := cmp.Diff(a, again); diff != "" {
			t.Fatalf("round trip of %q changed (-first +second):\n%s", h, diff)
		}
	})
}

// FuzzVerify feeds arbitrary Authorization headers, query strings and dates to
// Verify: it must never panic, and must only fail with one of its sentinels.
func FuzzVerify(f *testing.F) {
	r, body := signedGETForFuzz(f)
	f.Add(r.Header.Get("Authorization"), r.URL.RawQuery, r.Header.Get("X-Amz-Date"), string(body))
	f.Add("", "Action=X&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDKUMOEXAMPLE%2F20240102%2Fus-east-1%2Fec2%2Faws4_request&X-Amz-Date=20240102T030405Z&X-Amz-SignedHeaders=host&X-Amz-Signature="+sigHex+"&X-Amz-Expires=60", "", "")
	f.Add("", "X-Amz-Credential=a&X-Amz-Credential=b;c", "", "x")
	f.Add("AWS4-HMAC-SHA256 Credential=AKIDKUMOEXAMPLE/20240102/us-east-1/ec2/aws4_request, SignedHeaders=host;x-amz-date, Signature="+sigHex, "a=%zz", "20240102T030405Z", "")
	f.Fuzz(func(t *testing.T, auth, rawQuery, amzDate, body string) {
		req := &http.Request{Method: "GET", Host: "localhost", URL: &url.URL{Path: "/", RawQuery: rawQuery}, Header: http.Header{}}
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		if amzDate != "" {
			req.Header.Set("X-Amz-Date", amzDate)
		}
		req.ContentLength = int64(len(body))
		_, err := Verify(context.Background(), req, []byte(body), testNow, testLookup)
		if err != nil && !isSentinel(err) {
			t.Fatalf("Verify error %v is none of the sentinels", err)
		}
	})
}

// signedGETForFuzz is a valid SDK-signed request, the seed the fuzzer mutates.
func signedGETForFuzz(f *testing.F) (*http.Request, []byte) {
	r, err := http.NewRequest("GET", "http://localhost/?Action=DescribeRegions&Version=2016-11-15", nil)
	if err != nil {
		f.Fatal(err)
	}
	if err := sdkSigner.SignHTTP(context.Background(), testCreds, r, hashHex(nil), "ec2", "us-east-1", testNow); err != nil {
		f.Fatal(err)
	}
	return r, nil
}
