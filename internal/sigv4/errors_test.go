package sigv4

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kumo-cloud/kumo/internal/awserr"
)

func TestErrorMapping(t *testing.T) {
	skewPast := &ExpiredError{SignedAt: testNow, Now: testNow.Add(16 * time.Minute)}
	skewFuture := &ExpiredError{SignedAt: testNow.Add(16 * time.Minute), Now: testNow}
	presignPast := &ExpiredError{SignedAt: testNow, Now: testNow.Add(time.Hour), Presigned: true, Expires: time.Minute}
	presignFuture := &ExpiredError{SignedAt: testNow.Add(time.Hour), Now: testNow, Presigned: true, Expires: time.Minute}
	own := awserr.New(403, "ExpiredToken", "The security token included in the request is expired")
	wrap := func(err error) error { return fmt.Errorf("verify: %w", err) }

	tests := []struct {
		name      string
		err       error
		wantEC2   *awserr.Error
		wantQuery *awserr.Error
	}{
		{name: "nil"},
		{
			name:      "missing",
			err:       wrap(ErrMissingAuth),
			wantEC2:   &awserr.Error{Code: "MissingParameter", Status: 400, Message: "The request must contain the parameter AWSAccessKeyId"},
			wantQuery: &awserr.Error{Code: "MissingAuthenticationToken", Status: 403, Message: "Request is missing Authentication Token"},
		},
		{
			name:      "malformed with reason",
			err:       wrap(malformedf("Signature must be 64 hexadecimal characters.")),
			wantEC2:   &awserr.Error{Code: "IncompleteSignature", Status: 400, Message: "Signature must be 64 hexadecimal characters."},
			wantQuery: &awserr.Error{Code: "IncompleteSignature", Status: 400, Message: "Signature must be 64 hexadecimal characters."},
		},
		{
			name:      "malformed bare sentinel",
			err:       wrap(ErrMalformed),
			wantEC2:   &awserr.Error{Code: "IncompleteSignature", Status: 400, Message: "The request signature does not conform to AWS standards."},
			wantQuery: &awserr.Error{Code: "IncompleteSignature", Status: 400, Message: "The request signature does not conform to AWS standards."},
		},
		{
			name:      "unknown key",
			err:       wrap(ErrUnknownKey),
			wantEC2:   &awserr.Error{Code: "AuthFailure", Status: 401, Message: msgAuthFailure},
			wantQuery: &awserr.Error{Code: "InvalidClientTokenId", Status: 403, Message: "The security token included in the request is invalid."},
		},
		{
			name:      "signature mismatch",
			err:       wrap(ErrSignatureMismatch),
			wantEC2:   &awserr.Error{Code: "AuthFailure", Status: 401, Message: msgAuthFailure},
			wantQuery: &awserr.Error{Code: "SignatureDoesNotMatch", Status: 403, Message: msgSignatureMismatch},
		},
		{
			name:    "clock skew, signed in the past",
			err:     wrap(skewPast),
			wantEC2: &awserr.Error{Code: "AuthFailure", Status: 401, Message: msgAuthFailure},
			wantQuery: &awserr.Error{Code: "SignatureDoesNotMatch", Status: 403,
				Message: "Signature expired: 20240102T030405Z is now earlier than 20240102T030505Z (20240102T032005Z - 15 min.)"},
		},
		{
			name:    "clock skew, signed in the future",
			err:     wrap(skewFuture),
			wantEC2: &awserr.Error{Code: "AuthFailure", Status: 401, Message: msgAuthFailure},
			wantQuery: &awserr.Error{Code: "SignatureDoesNotMatch", Status: 403,
				Message: "Signature not yet current: 20240102T032005Z is still later than 20240102T031905Z (20240102T030405Z + 15 min.)"},
		},
		{
			name:      "presigned URL expired",
			err:       wrap(presignPast),
			wantEC2:   &awserr.Error{Code: "RequestExpired", Status: 400, Message: msgRequestExpired},
			wantQuery: &awserr.Error{Code: "RequestExpired", Status: 400, Message: msgRequestExpired},
		},
		{
			name:    "presigned URL from the future is skew",
			err:     wrap(presignFuture),
			wantEC2: &awserr.Error{Code: "AuthFailure", Status: 401, Message: msgAuthFailure},
			wantQuery: &awserr.Error{Code: "SignatureDoesNotMatch", Status: 403,
				Message: "Signature not yet current: 20240102T040405Z is still later than 20240102T031905Z (20240102T030405Z + 15 min.)"},
		},
		{
			name:      "bare ErrExpired",
			err:       wrap(ErrExpired),
			wantEC2:   &awserr.Error{Code: "AuthFailure", Status: 401, Message: msgAuthFailure},
			wantQuery: &awserr.Error{Code: "RequestExpired", Status: 400, Message: msgRequestExpired},
		},
		{
			name:      "aws error from the lookup passes through",
			err:       wrap(own),
			wantEC2:   own,
			wantQuery: own,
		},
		{
			name:      "anything else is internal, without its text",
			err:       errors.New("etcd: connection refused"),
			wantEC2:   &awserr.Error{Code: "InternalError", Status: 500, Message: "An internal error has occurred"},
			wantQuery: &awserr.Error{Code: "InternalFailure", Status: 500, Message: "The request processing has failed because of an unknown error, exception or failure."},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.wantEC2, EC2Error(tc.err)); diff != "" {
				t.Errorf("EC2Error (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantQuery, QueryError(tc.err)); diff != "" {
				t.Errorf("QueryError (-want +got):\n%s", diff)
			}
		})
	}
}

func TestExpiredErrorIsErrExpired(t *testing.T) {
	var err error = &ExpiredError{SignedAt: testNow, Now: testNow.Add(time.Hour)}
	if !errors.Is(fmt.Errorf("x: %w", err), ErrExpired) {
		t.Fatalf("errors.Is(%v, ErrExpired) = false", err)
	}
	if got, want := err.Error(), "sigv4: signature expired: 20240102T030405Z is now earlier than 20240102T034905Z (20240102T040405Z - 15 min.)"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}
