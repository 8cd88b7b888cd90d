// Package sts serves the AWS Security Token Service on Kumo's endpoint:
// GetCallerIdentity, and AssumeRole and GetSessionToken, which issue
// temporary credentials. It owns the sessions behind those credentials
// (Sessions); the daemon's authenticator resolves their ASIA… keys from it.
package sts

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awsquery/stsapi"
	"github.com/kumo-cloud/kumo/internal/iam"
)

// Service is STS: it issues sessions for IAM's roles and users.
type Service struct {
	Sessions *Sessions
	IAM      *iam.Service
	// Messages opens the authorization messages EC2 denials carry.
	Messages *api.MessageSealer
}

// New returns the STS service.
func New(sessions *Sessions, iamSvc *iam.Service, messages *api.MessageSealer) *Service {
	return &Service{Sessions: sessions, IAM: iamSvc, Messages: messages}
}

// API returns the sts routes.
func (s *Service) API() *api.Service {
	return &api.Service{
		Wire: stsapi.Service,
		// STS answers in every region scope (regional endpoints) and globally.
		Global: true,
		Routes: map[string]api.Route{
			"AssumeRole":                 {Handler: api.Op(s.assumeRole), Throttle: api.ThrottleMutating},
			"DecodeAuthorizationMessage": {Handler: api.Op(s.decodeAuthorizationMessage), Throttle: api.ThrottleNonMutating},
			"GetCallerIdentity":          {Handler: api.Op(getCallerIdentity), Throttle: api.ThrottleNonMutating},
			"GetSessionToken":            {Handler: api.Op(s.getSessionToken), Throttle: api.ThrottleMutating},
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

// credentials is the wire form of a session's credentials.
func credentials(s *Session) *stsapi.Credentials {
	exp := s.Expiration.UTC()
	return &stsapi.Credentials{
		AccessKeyId:     aws.String(s.AccessKeyID),
		SecretAccessKey: aws.String(s.Secret),
		SessionToken:    aws.String(s.Token),
		Expiration:      &exp,
	}
}
