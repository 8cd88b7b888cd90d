package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// jsonCall is one raw JSON request: awsJson when target is set, else restJson.
type jsonCall struct {
	service, method, path, target, body string
	contentType                         string // default: the protocol's
	akid, secret                        string // "" sends it unsigned
	at                                  time.Time
}

type jsonAnswer struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

func (js *jsonServer) do(t *testing.T, c jsonCall) jsonAnswer {
	t.Helper()
	if c.method == "" {
		c.method = http.MethodPost
	}
	if c.path == "" {
		c.path = "/"
	}
	req, _ := http.NewRequest(c.method, js.URL+c.path, strings.NewReader(c.body))
	ct := c.contentType
	if ct == "" && c.target != "" {
		ct = "application/x-amz-json-1.1"
	} else if ct == "" {
		ct = "application/json"
	}
	req.Header.Set("Content-Type", ct)
	if c.target != "" {
		req.Header.Set("X-Amz-Target", c.target)
	}
	if c.akid != "" {
		at := c.at
		if at.IsZero() {
			at = time.Now()
		}
		sum := sha256.Sum256([]byte(c.body))
		creds := aws.Credentials{AccessKeyID: c.akid, SecretAccessKey: c.secret}
		if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), c.service, "us-east-1", at); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := jsonAnswer{status: resp.StatusCode, header: resp.Header, raw: string(raw)}
	if err := json.Unmarshal(raw, &a.body); err != nil {
		t.Fatalf("answer is not a JSON object: %v\n%s", err, raw)
	}
	return a
}

const (
	ceTarget = "AWSInsightsIndexService."
	period   = `"TimePeriod":{"Start":"2024-01-01","End":"2024-02-01"}`
)

// Every failure in the JSON protocols' shape: the status, the code in
// X-Amzn-ErrorType, the body ({"__type","message"} for awsJson, {"message"}
// for restJson), the protocol's content type and a request id.
func TestJSONErrorsOnTheWire(t *testing.T) {
	js := startJSONServer(t, nil)
	ce := func(op, body string) jsonCall {
		return jsonCall{service: "ce", target: ceTarget + op, body: body, akid: rootKey, secret: rootSecret}
	}
	sp := func(path, body string) jsonCall {
		return jsonCall{service: "savingsplans", path: path, body: body, akid: rootKey, secret: rootSecret}
	}
	with := func(c jsonCall, f func(*jsonCall)) jsonCall { f(&c); return c }
	for _, tc := range []struct {
		name   string
		call   jsonCall
		status int
		code   string
		msg    string
	}{
		{"ce ok", ce("GetCostAndUsage", `{`+period+`,"Granularity":"MONTHLY","Metrics":["BlendedCost"],"Unknown":{"x":1}}`), 200, "", ""},
		{"ce missing members", ce("GetCostAndUsage", `{"TimePeriod":{"Start":"2024-01-01"}}`), 400, "ValidationException",
			"3 validation errors detected: Value null at 'timePeriod.end' failed to satisfy constraint: Member must not be null; " +
				"Value null at 'granularity' failed to satisfy constraint: Member must not be null; " +
				"Value null at 'metrics' failed to satisfy constraint: Member must not be null"},
		{"ce empty body", ce("GetCostAndUsage", ``), 400, "ValidationException", "3 validation errors detected"},
		{"ce wrong type", ce("GetCostAndUsage", `{`+period+`,"Granularity":"DAILY","Metrics":"BlendedCost"}`), 400, "SerializationException",
			"Expected an array at 'metrics', found a string."},
		{"ce not json", ce("GetCostAndUsage", `{"TimePeriod":`), 400, "SerializationException", "not valid JSON"},
		{"ce unknown operation", ce("LaunchRockets", `{}`), 400, "UnknownOperationException", "The operation LaunchRockets is not valid"},
		{"ce no target", with(ce("", `{}`), func(c *jsonCall) { c.target = ""; c.contentType = "application/x-amz-json-1.1" }), 400, "UnknownOperationException", "X-Amz-Target"},
		{"ce not implemented", ce("GetCostForecast", `{}`), 400, "UnsupportedOperation", "GetCostForecast is not supported by Kumo yet"},
		{"ce unsigned", with(ce("GetCostAndUsage", `{}`), func(c *jsonCall) { c.akid = "" }), 400, "MissingAuthenticationTokenException", ""},
		{"ce clock skew", with(ce("GetCostAndUsage", `{}`), func(c *jsonCall) { c.at = time.Now().Add(-20 * time.Minute) }), 400,
			"InvalidSignatureException", "Signature expired"},
		{"ce unknown key", with(ce("GetCostAndUsage", `{}`), func(c *jsonCall) { c.akid = "AKIANOBODY" }), 400, "UnrecognizedClientException", ""},
		{"ce denied", with(ce("GetDimensionValues", `{`+period+`,"Dimension":"AZ","MaxResults":1}`), func(c *jsonCall) { c.akid, c.secret = userKey, userSecret }),
			400, "AccessDeniedException", "user/bob is not authorized to perform: ce:GetDimensionValues"},
		{"ce panic", ce("GetTags", `{`+period+`}`), 500, "InternalFailure", "An internal error has occurred."},
		{"savingsplans ok", sp("/CreateSavingsPlan", `{"savingsPlanOfferingId":"o","commitment":"1","purchaseTime":1700000000}`), 200, "", ""},
		{"savingsplans missing member", sp("/CreateSavingsPlan", `{"commitment":"1"}`), 400, "ValidationException",
			"1 validation error detected: Value null at 'savingsPlanOfferingId' failed to satisfy constraint: Member must not be null"},
		{"savingsplans wrong type", sp("/CreateSavingsPlan", `{"savingsPlanOfferingId":"o","commitment":1}`), 400, "ValidationException",
			"Expected a string at 'commitment', found a number."},
		{"savingsplans bad timestamp", sp("/CreateSavingsPlan", `{"savingsPlanOfferingId":"o","commitment":"1","purchaseTime":true}`), 400, "ValidationException",
			"Expected a timestamp at 'purchaseTime'"},
		{"savingsplans unknown path", sp("/LaunchRockets", `{}`), 404, "UnknownOperationException", ""},
		{"savingsplans wrong method", with(sp("/CreateSavingsPlan", ``), func(c *jsonCall) { c.method = http.MethodGet }), 404, "UnknownOperationException", ""},
		{"savingsplans not implemented", sp("/ReturnSavingsPlan", `{"savingsPlanId":"x"}`), 400, "UnsupportedOperation", ""},
		{"savingsplans modeled error", sp("/DeleteQueuedSavingsPlan", `{"savingsPlanId":"sp-1"}`), 404, "ResourceNotFoundException", "Savings Plan sp-1 not found."},
		{"savingsplans unsigned", with(sp("/CreateSavingsPlan", `{}`), func(c *jsonCall) { c.akid = "" }), 403, "MissingAuthenticationTokenException", ""},
		{"savingsplans wrong secret", with(sp("/CreateSavingsPlan", `{}`), func(c *jsonCall) { c.secret = "wrong" }), 403, "InvalidSignatureException", ""},
		{"savingsplans denied", with(sp("/TagResource", `{"resourceArn":"a","tags":{"k":"v"}}`), func(c *jsonCall) { c.akid, c.secret = userKey, userSecret }),
			403, "AccessDeniedException", "savingsplans:TagResource"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := js.do(t, tc.call)
			if a.header.Get("x-amzn-RequestId") == "" {
				t.Error("no x-amzn-RequestId header")
			}
			rest := tc.call.target == "" && tc.call.contentType == ""
			wantCT := "application/x-amz-json-1.1"
			if rest {
				wantCT = "application/json"
			}
			if ct := a.header.Get("Content-Type"); ct != wantCT {
				t.Errorf("Content-Type %q, want %q", ct, wantCT)
			}
			if a.status != tc.status {
				t.Errorf("status %d, want %d; body %s", a.status, tc.status, a.raw)
			}
			if tc.code == "" {
				if a.header.Get("X-Amzn-ErrorType") != "" {
					t.Errorf("success with an error type: %s", a.raw)
				}
				return
			}
			if got := a.header.Get("X-Amzn-ErrorType"); got != tc.code {
				t.Errorf("X-Amzn-ErrorType %q, want %q", got, tc.code)
			}
			msg, _ := a.body["message"].(string)
			if !strings.Contains(msg, tc.msg) || msg == "" {
				t.Errorf("message %q, want it to contain %q", msg, tc.msg)
			}
			typ, hasType := a.body["__type"]
			if rest && hasType || !rest && typ != tc.code || len(a.body) != map[bool]int{true: 1, false: 2}[rest] {
				t.Errorf("body %s: want only message (restJson) or __type %s and message (awsJson)", a.raw, tc.code)
			}
		})
	}
}

// Throttling, metrics and logs work for the JSON services as for the query
// ones: the throttle bucket of the route applies and answers each protocol's
// throttling error; served actions are metric labels, junk is "unknown"; every
// request is logged with its service, action, status and code.
func TestJSONThrottleMetricsAndLogs(t *testing.T) {
	js := startJSONServer(t, NewThrottle(map[string]Bucket{"test": {Burst: 1, Rate: 1e-9}, "test-sp": {Burst: 1, Rate: 1e-9}}))
	costs := jsonCall{service: "ce", target: ceTarget + "GetCostAndUsage", body: `{` + period + `,"Granularity":"DAILY","Metrics":["X"]}`, akid: rootKey, secret: rootSecret}
	plan := jsonCall{service: "savingsplans", path: "/CreateSavingsPlan", body: `{"savingsPlanOfferingId":"o","commitment":"1","purchaseTime":1.7e9}`, akid: rootKey, secret: rootSecret}
	for _, tc := range []struct {
		call   jsonCall
		status int
	}{{costs, 200}, {costs, 400}, {plan, 200}, {plan, 429}} {
		a := js.do(t, tc.call)
		if a.status != tc.status || tc.status != 200 && a.header.Get("X-Amzn-ErrorType") != "ThrottlingException" {
			t.Errorf("%s%s: %d %s, want %d", tc.call.target, tc.call.path, a.status, a.raw, tc.status)
		}
	}
	js.do(t, jsonCall{service: "ce", target: ceTarget + "Junk", body: `{}`, akid: rootKey, secret: rootSecret})

	rec := httptest.NewRecorder()
	js.Metrics.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	for _, want := range []string{
		`kumo_api_requests_total{action="GetCostAndUsage",service="ce",status="200"} 1`,
		`kumo_api_requests_total{action="GetCostAndUsage",service="ce",status="400"} 1`,
		`kumo_api_requests_total{action="CreateSavingsPlan",service="savingsplans",status="429"} 1`,
		`kumo_api_requests_total{action="unknown",service="ce",status="400"} 1`,
	} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	logs := js.log.String()
	for _, want := range []string{
		`"service":"ce","action":"GetCostAndUsage","account":"111111111111","status":400,"code":"ThrottlingException"`,
		`"service":"savingsplans","action":"CreateSavingsPlan","account":"111111111111","status":200,"code":""`,
		`"service":"ce","action":"Junk","account":"111111111111","status":400,"code":"UnknownOperationException"`,
	} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %s:\n%s", want, logs)
		}
	}
}
