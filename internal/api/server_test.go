package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/smithy-go"

	"github.com/kumo-cloud/kumo/internal/awsquery/ec2api"
	"github.com/kumo-cloud/kumo/internal/clock"
	"github.com/kumo-cloud/kumo/internal/sigv4"
)

type fakeAuth map[string]*Principal

func (f fakeAuth) Principal(_ context.Context, akid string) (*Principal, error) {
	if p, ok := f[akid]; ok {
		return p, nil
	}
	return nil, fmt.Errorf("key %s: %w", akid, sigv4.ErrUnknownKey)
}

// A panicking or failing handler answers InternalError without its details and
// leaves the server serving.
func TestHandlerFailuresBecomeInternalError(t *testing.T) {
	calls := 0
	svc := &Service{Wire: ec2api.Service, Routes: map[string]Route{
		"DescribeRegions": {Handler: Op(func(context.Context, *Request, *ec2api.DescribeRegionsRequest) (*ec2api.DescribeRegionsResult, error) {
			calls++
			switch calls {
			case 1:
				panic("boom")
			case 2:
				return nil, errors.New("etcd said something secret")
			}
			return &ec2api.DescribeRegionsResult{}, nil
		})},
	}}
	srv := httptest.NewServer(New(Config{
		Services: map[string]*Service{"ec2": svc},
		Regions:  []string{"us-east-1"},
		Auth:     fakeAuth{"AKIATEST": {AccountID: "123456789012", Secret: "secret"}},
		Clock:    clock.Real{},
		Log:      slog.New(slog.DiscardHandler),
	}))
	defer srv.Close()
	c := ec2.New(ec2.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("AKIATEST", "secret", ""),
	})
	for i := range 2 {
		_, err := c.DescribeRegions(context.Background(), &ec2.DescribeRegionsInput{})
		var ae smithy.APIError
		if !errors.As(err, &ae) || ae.ErrorCode() != "InternalError" || ae.ErrorMessage() != "An internal error has occurred." {
			t.Fatalf("call %d: got %v, want InternalError without details", i, err)
		}
	}
	if _, err := c.DescribeRegions(context.Background(), &ec2.DescribeRegionsInput{}); err != nil {
		t.Fatalf("server did not survive: %v", err)
	}
}
