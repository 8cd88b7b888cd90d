package sts

import (
	"context"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/awsquery/stsapi"
)

// decodeAuthorizationMessage opens the encoded message of an EC2
// UnauthorizedOperation error. The caller needs sts:DecodeAuthorizationMessage,
// and only the account the message was issued to can open it.
func (s *Service) decodeAuthorizationMessage(_ context.Context, r *api.Request, in *stsapi.DecodeAuthorizationMessageRequest) (*stsapi.DecodeAuthorizationMessageResponse, error) {
	if aws.ToString(in.EncodedMessage) == "" {
		return nil, validationError("1 validation error detected: Value at 'encodedMessage' failed to satisfy constraint: Member must have length greater than or equal to 1")
	}
	if err := r.Authorize(nil); err != nil {
		return nil, err
	}
	if s.Messages == nil {
		return nil, invalidMessage()
	}
	msg, err := s.Messages.Open(r.AccountID, *in.EncodedMessage)
	if err != nil {
		return nil, invalidMessage()
	}
	return &stsapi.DecodeAuthorizationMessageResponse{DecodedMessage: aws.String(string(msg))}, nil
}

func invalidMessage() error {
	return awserr.New(http.StatusBadRequest, "InvalidAuthorizationMessageException", "The message is invalid.")
}
