package sigv4

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/kumo-cloud/kumo/internal/awserr"
)

// Sentinel errors returned (wrapped) by Verify. Match them with errors.Is and
// turn them into wire errors with EC2Error or QueryError.
var (
	// ErrMissingAuth means the request carries neither an Authorization header
	// nor presigned query parameters.
	ErrMissingAuth = errors.New("sigv4: missing authentication")
	// ErrMalformed means the signature information cannot be parsed or breaks a
	// SigV4 rule (bad algorithm, scope, date, SignedHeaders without host, …).
	ErrMalformed = errors.New("sigv4: malformed signature")
	// ErrUnknownKey means the access key id does not exist or is inactive.
	// SecretLookup implementations return it (possibly wrapped).
	ErrUnknownKey = errors.New("sigv4: unknown access key")
	// ErrSignatureMismatch means the signature is well formed but wrong: the
	// secret, the request or the signing method differ from what was signed.
	ErrSignatureMismatch = errors.New("sigv4: signature mismatch")
	// ErrExpired means the request was signed too long ago or too far in the
	// future, or is a presigned URL past its expiry. The error is an
	// *ExpiredError carrying the times.
	ErrExpired = errors.New("sigv4: request expired")
)

// malformedError is an ErrMalformed whose reason is about the client's own
// request, phrased like AWS's IncompleteSignature messages, so it is safe and
// useful to send back.
type malformedError struct{ reason string }

func (e *malformedError) Error() string { return "sigv4: malformed signature: " + e.reason }
func (e *malformedError) Unwrap() error { return ErrMalformed }

func malformedf(format string, args ...any) error {
	return &malformedError{reason: fmt.Sprintf(format, args...)}
}

// ExpiredError reports a request outside the time window Kumo accepts. It
// matches ErrExpired with errors.Is.
type ExpiredError struct {
	// SignedAt is the request's X-Amz-Date (or Date).
	SignedAt time.Time
	// Now is the server time the request was checked at.
	Now time.Time
	// Presigned is set for a presigned URL past SignedAt+Expires; otherwise
	// the clocks of client and server differ by more than MaxSkew.
	Presigned bool
	// Expires is the presigned URL's X-Amz-Expires.
	Expires time.Duration
}

func (e *ExpiredError) Error() string { return "sigv4: " + lowerFirst(e.message()) }
func (e *ExpiredError) Unwrap() error { return ErrExpired }

// future reports a signature from more than MaxSkew ahead of the server.
func (e *ExpiredError) future() bool { return e.SignedAt.After(e.Now) }

// message is AWS's wording, which STS and IAM send and people search for.
func (e *ExpiredError) message() string {
	f := func(t time.Time) string { return t.UTC().Format(amzDateFormat) }
	switch {
	case e.Presigned && !e.future():
		return fmt.Sprintf("Request has expired: presigned at %s for %d seconds, now %s.",
			f(e.SignedAt), int64(e.Expires/time.Second), f(e.Now))
	case e.future():
		return fmt.Sprintf("Signature not yet current: %s is still later than %s (%s + 15 min.)",
			f(e.SignedAt), f(e.Now.Add(MaxSkew)), f(e.Now))
	default:
		return fmt.Sprintf("Signature expired: %s is now earlier than %s (%s - 15 min.)",
			f(e.SignedAt), f(e.Now.Add(-MaxSkew)), f(e.Now))
	}
}

func lowerFirst(s string) string {
	if s != "" && s[0] >= 'A' && s[0] <= 'Z' {
		return string(s[0]+'a'-'A') + s[1:]
	}
	return s
}

// Wire messages AWS sends with these codes.
const (
	msgAuthFailure       = "AWS was not able to validate the provided access credentials"
	msgSignatureMismatch = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
	msgRequestExpired    = "Request has expired."
)

// EC2Error maps an error from Verify to the error EC2 answers, or returns nil
// for nil. An *awserr.Error inside err (say, from SecretLookup) is returned
// as is; anything else unknown becomes InternalError without its text.
//
// The choices follow what real EC2 sends:
//   - no signature: 400 MissingParameter "The request must contain the
//     parameter AWSAccessKeyId" — EC2 still answers with the SigV2 parameter
//     name, not MissingAuthenticationToken;
//   - malformed: 400 IncompleteSignature with the reason;
//   - unknown key or wrong signature: 401 AuthFailure;
//   - clock skew beyond 15 minutes: 401 AuthFailure, as EC2 does. This is also
//     what lets aws-sdk-go-v2 repair a skewed client clock: its retryer treats
//     AuthFailure (never RequestExpired) as a possible skew error, reads the
//     server's Date header and re-signs with the offset;
//   - presigned URL past its expiry: 400 RequestExpired.
func EC2Error(err error) *awserr.Error {
	if err == nil {
		return nil
	}
	var expired *ExpiredError
	switch {
	case errors.Is(err, ErrMissingAuth):
		return awserr.New(http.StatusBadRequest, "MissingParameter", "The request must contain the parameter AWSAccessKeyId")
	case errors.Is(err, ErrMalformed):
		return awserr.New(http.StatusBadRequest, "IncompleteSignature", "%s", malformedReason(err))
	case errors.Is(err, ErrUnknownKey), errors.Is(err, ErrSignatureMismatch):
		return awserr.New(http.StatusUnauthorized, "AuthFailure", msgAuthFailure)
	case errors.As(err, &expired) && expired.Presigned && !expired.future():
		return awserr.New(http.StatusBadRequest, "RequestExpired", msgRequestExpired)
	case errors.Is(err, ErrExpired):
		return awserr.New(http.StatusUnauthorized, "AuthFailure", msgAuthFailure)
	}
	if e, ok := awserr.As(err); ok {
		return e
	}
	return awserr.New(http.StatusInternalServerError, "InternalError", "An internal error has occurred")
}

// QueryError maps an error from Verify to the error the awsQuery services (IAM,
// STS) answer, or returns nil for nil. Like EC2Error it passes an *awserr.Error
// through and hides anything else behind InternalFailure.
//
//   - no signature: 403 MissingAuthenticationToken;
//   - malformed: 400 IncompleteSignature with the reason;
//   - unknown key: 403 InvalidClientTokenId;
//   - wrong signature: 403 SignatureDoesNotMatch;
//   - clock skew: 403 SignatureDoesNotMatch "Signature expired: … is now
//     earlier than … (… - 15 min.)", which is what STS and IAM send and what
//     the SDKs' clock-skew correction keys on;
//   - presigned URL past its expiry: 400 RequestExpired.
func QueryError(err error) *awserr.Error {
	if err == nil {
		return nil
	}
	var expired *ExpiredError
	switch {
	case errors.Is(err, ErrMissingAuth):
		return awserr.New(http.StatusForbidden, "MissingAuthenticationToken", "Request is missing Authentication Token")
	case errors.Is(err, ErrMalformed):
		return awserr.New(http.StatusBadRequest, "IncompleteSignature", "%s", malformedReason(err))
	case errors.Is(err, ErrUnknownKey):
		return awserr.New(http.StatusForbidden, "InvalidClientTokenId", "The security token included in the request is invalid.")
	case errors.Is(err, ErrSignatureMismatch):
		return awserr.New(http.StatusForbidden, "SignatureDoesNotMatch", msgSignatureMismatch)
	case errors.As(err, &expired) && expired.Presigned && !expired.future():
		return awserr.New(http.StatusBadRequest, "RequestExpired", msgRequestExpired)
	case errors.As(err, &expired):
		return awserr.New(http.StatusForbidden, "SignatureDoesNotMatch", "%s", expired.message())
	case errors.Is(err, ErrExpired):
		return awserr.New(http.StatusBadRequest, "RequestExpired", msgRequestExpired)
	}
	if e, ok := awserr.As(err); ok {
		return e
	}
	return awserr.New(http.StatusInternalServerError, "InternalFailure", "The request processing has failed because of an unknown error, exception or failure.")
}

// malformedReason is the client-facing reason inside an ErrMalformed.
func malformedReason(err error) string {
	var m *malformedError
	if errors.As(err, &m) {
		return m.reason
	}
	return "The request signature does not conform to AWS standards."
}
