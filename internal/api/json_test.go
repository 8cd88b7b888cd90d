package api

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/costexplorer"
	cetypes "github.com/aws/aws-sdk-go-v2/service/costexplorer/types"
	"github.com/aws/aws-sdk-go-v2/service/savingsplans"
	sptypes "github.com/aws/aws-sdk-go-v2/service/savingsplans/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/awsjson/ceapi"
	"github.com/kumo-cloud/kumo/internal/awsjson/savingsplansapi"
	"github.com/kumo-cloud/kumo/internal/awsquery/stsapi"
	"github.com/kumo-cloud/kumo/internal/clock"
	"github.com/kumo-cloud/kumo/internal/iam/policy"
)

// The test services: handlers that echo their input back, so that what the
// SDK sent, the front decoded and the SDK read back can be compared. The real
// ce and savingsplans handlers live elsewhere.
func jsonTestServices() map[string]*Service {
	ce := &Service{Wire: ceapi.Service, Global: true, Routes: map[string]Route{
		"GetCostAndUsage": {Throttle: "test", Handler: Op(func(_ context.Context, r *Request, in *ceapi.GetCostAndUsageRequest) (*ceapi.GetCostAndUsageResponse, error) {
			group := ceapi.Group{Metrics: map[string]ceapi.MetricValue{}}
			if in.Filter != nil && len(in.Filter.And) > 0 && in.Filter.And[0].Dimensions != nil {
				group.Keys = in.Filter.And[0].Dimensions.Values
			}
			total := map[string]ceapi.MetricValue{}
			for _, m := range in.Metrics {
				total[m] = ceapi.MetricValue{Amount: aws.String("1.5"), Unit: aws.String("USD")}
			}
			return &ceapi.GetCostAndUsageResponse{
				NextPageToken:    aws.String(r.Service + ":" + r.Action + ":" + r.Region + ":" + r.AccountID),
				GroupDefinitions: in.GroupBy,
				ResultsByTime: []ceapi.ResultByTime{{
					TimePeriod: in.TimePeriod, Total: total, Groups: []ceapi.Group{group}, Estimated: aws.Bool(*in.Granularity == "DAILY"),
				}},
				DimensionValueAttributes: []ceapi.DimensionValuesWithAttributes{},
			}, nil
		})},
		"GetDimensionValues": {Handler: Op(func(_ context.Context, r *Request, in *ceapi.GetDimensionValuesRequest) (*ceapi.GetDimensionValuesResponse, error) {
			if err := r.Authorize(nil); err != nil {
				return nil, err
			}
			return &ceapi.GetDimensionValuesResponse{
				DimensionValues: []ceapi.DimensionValuesWithAttributes{{Value: in.SearchString, Attributes: map[string]string{"max": fmt.Sprint(*in.MaxResults)}}},
				ReturnSize:      aws.Int32(1), TotalSize: aws.Int32(1),
			}, nil
		})},
		"GetTags": {Handler: Op(func(context.Context, *Request, *ceapi.GetTagsRequest) (*ceapi.GetTagsResponse, error) {
			panic("boom")
		})},
	}}
	sp := &Service{Wire: savingsplansapi.Service, Global: true, Routes: map[string]Route{
		"CreateSavingsPlan": {Throttle: "test-sp", Handler: Op(func(_ context.Context, _ *Request, in *savingsplansapi.CreateSavingsPlanRequest) (*savingsplansapi.CreateSavingsPlanResponse, error) {
			return &savingsplansapi.CreateSavingsPlanResponse{SavingsPlanId: aws.String(fmt.Sprintf("%s/%s/%s/%v",
				*in.SavingsPlanOfferingId, *in.Commitment, in.PurchaseTime.UTC().Format(time.RFC3339Nano), in.Tags))}, nil
		})},
		"DescribeSavingsPlans": {Handler: Op(func(_ context.Context, _ *Request, in *savingsplansapi.DescribeSavingsPlansRequest) (*savingsplansapi.DescribeSavingsPlansResponse, error) {
			out := &savingsplansapi.DescribeSavingsPlansResponse{SavingsPlans: []savingsplansapi.SavingsPlan{}}
			for i, id := range in.SavingsPlanIds {
				out.SavingsPlans = append(out.SavingsPlans, savingsplansapi.SavingsPlan{
					SavingsPlanId: aws.String(id), State: aws.String(in.States[i]), ProductTypes: []string{"EC2"},
					TermDurationInSeconds: aws.Int64(31536000), Tags: map[string]string{"filter": in.Filters[0].Values[0]},
				})
			}
			return out, nil
		})},
		"TagResource": {Handler: Op(func(_ context.Context, r *Request, _ *savingsplansapi.TagResourceRequest) (*savingsplansapi.TagResourceResponse, error) {
			if err := r.Authorize(nil); err != nil {
				return nil, err
			}
			return &savingsplansapi.TagResourceResponse{}, nil
		})},
		"DeleteQueuedSavingsPlan": {Handler: Op(func(_ context.Context, _ *Request, in *savingsplansapi.DeleteQueuedSavingsPlanRequest) (*savingsplansapi.DeleteQueuedSavingsPlanResponse, error) {
			return nil, awserr.New(404, "ResourceNotFoundException", "Savings Plan %s not found.", *in.SavingsPlanId)
		})},
	}}
	sts := &Service{Wire: stsapi.Service, Global: true, Routes: map[string]Route{
		"GetCallerIdentity": {Handler: Op(func(_ context.Context, r *Request, _ *stsapi.GetCallerIdentityRequest) (*stsapi.GetCallerIdentityResponse, error) {
			return &stsapi.GetCallerIdentityResponse{Account: aws.String(r.AccountID), Arn: aws.String(r.PrincipalARN), UserId: aws.String(r.UserID)}, nil
		})},
	}}
	return map[string]*Service{"ce": ce, "savingsplans": sp, "sts": sts}
}

// Keys of the test server: a root key, and a user whom no policy allows anything.
const (
	rootKey, rootSecret = "AKIAROOT", "root-secret"
	userKey, userSecret = "AKIAUSER", "user-secret"
)

// jsonServer is an API front serving jsonTestServices, with its log and metrics.
type jsonServer struct {
	URL     string
	Metrics *Metrics
	log     *syncBuffer
}

func startJSONServer(t *testing.T, throttle *Throttle) *jsonServer {
	t.Helper()
	js := &jsonServer{Metrics: NewMetrics(), log: &syncBuffer{}}
	srv := httptest.NewServer(New(Config{
		Services: jsonTestServices(),
		Regions:  []string{"eu-west-1"},
		Auth: fakeAuth{
			rootKey: {AccountID: "111111111111", Secret: rootSecret, ARN: "arn:aws:iam::111111111111:root", Root: true},
			userKey: {AccountID: "111111111111", Secret: userSecret, ARN: "arn:aws:iam::111111111111:user/bob", Policies: []*policy.Document{}},
		},
		Throttle: throttle,
		Clock:    clock.Real{},
		Log:      slog.New(slog.NewJSONHandler(js.log, nil)),
		Metrics:  js.Metrics,
	}))
	t.Cleanup(srv.Close)
	js.URL = srv.URL
	return js
}

func (js *jsonServer) ce(akid, secret string) *costexplorer.Client {
	return costexplorer.New(costexplorer.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(js.URL), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider(akid, secret, ""),
	})
}

func (js *jsonServer) savingsPlans(akid, secret string) *savingsplans.Client {
	return savingsplans.New(savingsplans.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(js.URL), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider(akid, secret, ""),
	})
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Cost Explorer through the real aws-sdk-go-v2 client (awsJson1_1): a
// recursive filter, lists, maps and enums survive the trip both ways, the
// handler sees the service, action and default region of a global service,
// and the SDK finds the request id.
func TestCostExplorerSDKRoundTrip(t *testing.T) {
	js := startJSONServer(t, nil)
	c := js.ce(rootKey, rootSecret)
	ctx := context.Background()
	period := &cetypes.DateInterval{Start: aws.String("2024-01-01"), End: aws.String("2024-02-01")}
	groupBy := []cetypes.GroupDefinition{{Type: cetypes.GroupDefinitionTypeDimension, Key: aws.String("SERVICE")}}
	out, err := c.GetCostAndUsage(ctx, &costexplorer.GetCostAndUsageInput{
		TimePeriod:  period,
		Granularity: cetypes.GranularityDaily,
		Metrics:     []string{"UnblendedCost", "UsageQuantity"},
		GroupBy:     groupBy,
		Filter: &cetypes.Expression{And: []cetypes.Expression{
			{Dimensions: &cetypes.DimensionValues{Key: cetypes.DimensionRegion, Values: []string{"eu-west-1", "us-east-1"}}},
			{Not: &cetypes.Expression{Tags: &cetypes.TagValues{Key: aws.String("team"), MatchOptions: []cetypes.MatchOption{cetypes.MatchOptionAbsent}}}},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := &costexplorer.GetCostAndUsageOutput{
		NextPageToken:            aws.String("ce:GetCostAndUsage:eu-west-1:111111111111"),
		GroupDefinitions:         groupBy,
		DimensionValueAttributes: []cetypes.DimensionValuesWithAttributes{},
		ResultsByTime: []cetypes.ResultByTime{{
			TimePeriod: period, Estimated: true,
			Total: map[string]cetypes.MetricValue{
				"UnblendedCost": {Amount: aws.String("1.5"), Unit: aws.String("USD")},
				"UsageQuantity": {Amount: aws.String("1.5"), Unit: aws.String("USD")},
			},
			Groups: []cetypes.Group{{Keys: []string{"eu-west-1", "us-east-1"}, Metrics: map[string]cetypes.MetricValue{}}},
		}},
	}
	if diff := cmp.Diff(want, out, cmpopts.IgnoreUnexported(costexplorer.GetCostAndUsageOutput{}, cetypes.ResultByTime{}, cetypes.Group{},
		cetypes.GroupDefinition{}, cetypes.DateInterval{}, cetypes.MetricValue{}), cmpopts.IgnoreFields(costexplorer.GetCostAndUsageOutput{}, "ResultMetadata")); diff != "" {
		t.Errorf("GetCostAndUsage (-want +got):\n%s", diff)
	}
	if id, ok := awsmiddleware.GetRequestIDMetadata(out.ResultMetadata); !ok || len(id) != 36 {
		t.Errorf("request id %q", id)
	}

	dv, err := c.GetDimensionValues(ctx, &costexplorer.GetDimensionValuesInput{
		TimePeriod: period, Dimension: cetypes.DimensionInstanceType, SearchString: aws.String("t3"), MaxResults: aws.Int32(7),
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(dv.DimensionValues) != 1 || aws.ToString(dv.DimensionValues[0].Value) != "t3" || dv.DimensionValues[0].Attributes["max"] != "7" || dv.ReturnSize == nil || *dv.ReturnSize != 1 {
		t.Errorf("GetDimensionValues %+v", dv)
	}
}

// Savings Plans through the real aws-sdk-go-v2 client (restJson1): the path
// names the operation, a timestamp travels as epoch seconds, and a modeled
// error reaches the caller as its typed SDK error.
func TestSavingsPlansSDKRoundTrip(t *testing.T) {
	js := startJSONServer(t, nil)
	c := js.savingsPlans(rootKey, rootSecret)
	ctx := context.Background()
	at := time.Date(2025, 6, 1, 10, 0, 0, 500_000_000, time.UTC)
	created, err := c.CreateSavingsPlan(ctx, &savingsplans.CreateSavingsPlanInput{
		SavingsPlanOfferingId: aws.String("off-1"), Commitment: aws.String("0.25"), PurchaseTime: &at,
		Tags: map[string]string{"env": "prod"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := aws.ToString(created.SavingsPlanId), "off-1/0.25/2025-06-01T10:00:00.5Z/map[env:prod]"; got != want {
		t.Errorf("CreateSavingsPlan echoed %q, want %q", got, want)
	}

	desc, err := c.DescribeSavingsPlans(ctx, &savingsplans.DescribeSavingsPlansInput{
		SavingsPlanIds: []string{"sp-1", "sp-2"},
		States:         []sptypes.SavingsPlanState{sptypes.SavingsPlanStateActive, sptypes.SavingsPlanStateQueued},
		Filters:        []sptypes.SavingsPlanFilter{{Name: sptypes.SavingsPlansFilterNameRegion, Values: []string{"eu-west-1"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(desc.SavingsPlans) != 2 || aws.ToString(desc.SavingsPlans[1].SavingsPlanId) != "sp-2" || desc.SavingsPlans[1].State != sptypes.SavingsPlanStateQueued ||
		desc.SavingsPlans[0].TermDurationInSeconds != 31536000 || desc.SavingsPlans[0].Tags["filter"] != "eu-west-1" ||
		len(desc.SavingsPlans[0].ProductTypes) != 1 || desc.SavingsPlans[0].ProductTypes[0] != sptypes.SavingsPlanProductTypeEc2 {
		t.Errorf("DescribeSavingsPlans %+v", desc.SavingsPlans)
	}

	_, err = c.DeleteQueuedSavingsPlan(ctx, &savingsplans.DeleteQueuedSavingsPlanInput{SavingsPlanId: aws.String("sp-9")})
	var nf *sptypes.ResourceNotFoundException
	if !errors.As(err, &nf) || aws.ToString(nf.Message) != "Savings Plan sp-9 not found." {
		t.Errorf("DeleteQueuedSavingsPlan: %v, want ResourceNotFoundException", err)
	}
	// The query protocol keeps working beside the JSON ones on one endpoint.
	id, err := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(js.URL),
		Credentials: credentials.NewStaticCredentialsProvider(rootKey, rootSecret, "")}).GetCallerIdentity(ctx, nil)
	if err != nil || aws.ToString(id.Account) != "111111111111" {
		t.Errorf("sts beside JSON services: %+v %v", id, err)
	}
}

// Errors reach the SDKs with the codes they switch on: authorization,
// authentication and a panicking handler, in each JSON protocol.
func TestJSONErrorsThroughSDK(t *testing.T) {
	js := startJSONServer(t, nil)
	ctx := context.Background()
	period := &cetypes.DateInterval{Start: aws.String("2024-01-01"), End: aws.String("2024-02-01")}
	dims := func(c *costexplorer.Client) error {
		_, err := c.GetDimensionValues(ctx, &costexplorer.GetDimensionValuesInput{TimePeriod: period, Dimension: cetypes.DimensionRegion})
		return err
	}
	tag := func(c *savingsplans.Client) error {
		_, err := c.TagResource(ctx, &savingsplans.TagResourceInput{ResourceArn: aws.String("arn:x"), Tags: map[string]string{"a": "b"}})
		return err
	}
	for _, tc := range []struct {
		name, code, msg string
		call            func() error
	}{
		{"ce denied", "AccessDeniedException", "User: arn:aws:iam::111111111111:user/bob is not authorized to perform: ce:GetDimensionValues on resource: *",
			func() error { return dims(js.ce(userKey, userSecret)) }},
		{"ce wrong secret", "InvalidSignatureException", "The request signature we calculated does not match",
			func() error { return dims(js.ce(rootKey, "wrong")) }},
		{"ce unknown key", "UnrecognizedClientException", "The security token included in the request is invalid.",
			func() error { return dims(js.ce("AKIANOBODY", "x")) }},
		{"ce panic", "InternalFailure", "An internal error has occurred.", func() error {
			_, err := js.ce(rootKey, rootSecret).GetTags(ctx, &costexplorer.GetTagsInput{TimePeriod: period})
			return err
		}},
		{"ce not implemented", "UnsupportedOperation", "The operation GetCostForecast is not supported by Kumo yet.", func() error {
			_, err := js.ce(rootKey, rootSecret).GetCostForecast(ctx, &costexplorer.GetCostForecastInput{TimePeriod: period, Metric: cetypes.MetricBlendedCost, Granularity: cetypes.GranularityDaily})
			return err
		}},
		{"savingsplans denied", "AccessDeniedException", "is not authorized to perform: savingsplans:TagResource",
			func() error { return tag(js.savingsPlans(userKey, userSecret)) }},
		{"savingsplans wrong secret", "InvalidSignatureException", "The request signature we calculated does not match",
			func() error { return tag(js.savingsPlans(rootKey, "wrong")) }},
		{"savingsplans not implemented", "UnsupportedOperation", "The operation ReturnSavingsPlan is not supported by Kumo yet.", func() error {
			_, err := js.savingsPlans(rootKey, rootSecret).ReturnSavingsPlan(ctx, &savingsplans.ReturnSavingsPlanInput{SavingsPlanId: aws.String("sp-1")})
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var ae smithy.APIError
			if err := tc.call(); !errors.As(err, &ae) || ae.ErrorCode() != tc.code || !bytes.Contains([]byte(ae.ErrorMessage()), []byte(tc.msg)) {
				t.Errorf("got %v, want %s containing %q", err, tc.code, tc.msg)
			}
		})
	}
}
