// Package sts serves the AWS Security Token Service on Kumo's endpoint:
// GetCallerIdentity now; AssumeRole and temporary credentials come with IAM.
package sts

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awsquery/stsapi"
)

// Service returns the sts routes.
func Service() *api.Service {
	return &api.Service{
		Wire: stsapi.Service,
		// STS answers in every region scope (regional endpoints) and globally.
		Global: true,
		Routes: map[string]api.Route{
			"GetCallerIdentity": {Handler: api.Op(getCallerIdentity), Throttle: api.ThrottleNonMutating},
		},
	}
}

// getCallerIdentity tells the caller who it is. It needs no permission, as on AWS.
func getCallerIdentity(_ context.Context, r *api.Request, _ *stsapi.GetCallerIdentityRequest) (*stsapi.GetCallerIdentityResponse, error) {
	return &stsapi.GetCallerIdentityResponse{
		Account: aws.String(r.AccountID),
		Arn:     aws.String(r.PrincipalARN),
		UserId:  aws.String(r.UserID),
	}, nil
}
