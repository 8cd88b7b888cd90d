// Package sigv4 verifies AWS Signature Version 4 on requests Kumo receives.
//
// It owns the server side of SigV4 only: parsing the Authorization header or
// the presigned query parameters, rebuilding the canonical request from what
// arrived, deriving the signing key from the secret that SecretLookup returns,
// and comparing signatures in constant time. It rebuilds the canonical request
// itself rather than re-signing through the SDK, so what it accepts is defined
// here and tested against the SDK's signer, not borrowed from it.
//
// Verify returns sentinel errors (ErrMissingAuth, ErrMalformed, ErrUnknownKey,
// ErrSignatureMismatch, ErrExpired) wrapped with detail; EC2Error and
// QueryError translate them into the codes EC2 and the awsQuery services send.
package sigv4

import (
	"context"
	"crypto/hmac"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// SecretLookup looks up the secret for an access key id. It returns
// ErrUnknownKey (possibly wrapped) when the key does not exist or is inactive;
// any other error is passed through as a server fault.
type SecretLookup func(ctx context.Context, accessKeyID string) (secret string, err error)

// Result is who signed a request, and for what.
//
// A Result returned without error proves only that the holder of the secret
// signed this request for the scope below; the caller must still check that
// Service and Region are ones it serves, and that SessionToken is valid for
// AccessKeyID. A Result returned with an error proves nothing (see Verify).
type Result struct {
	AccessKeyID  string
	Region       string    // from the credential scope
	Service      string    // from the credential scope, e.g. "ec2", "iam", "sts"
	SessionToken string    // X-Amz-Security-Token (header or query), "" if none
	SignedAt     time.Time // X-Amz-Date (or Date), UTC
	Presigned    bool
}

// unsignedPayload is the payload hash of a request whose body is not signed.
const unsignedPayload = "UNSIGNED-PAYLOAD"

// Verify checks the request's signature. body is the full request body
// (already read by the caller; the caller restores r.Body). now is the server's
// time, injected for tests.
//
// On success it returns who signed. On failure the Result is nil until the
// signature has been read; after that (expired, unknown key, bad body hash,
// wrong signature) it is what the request claims, unverified, so the caller can
// answer in the protocol of the claimed service: an STS client cannot parse an
// EC2 error. Never authorize anything from a Result that came with an error.
//
// The checks run cheapest first: the form of the signature, then the time
// window, then the secret lookup, then the HMAC.
func Verify(ctx context.Context, r *http.Request, body []byte, now time.Time, lookup SecretLookup) (*Result, error) {
	query, err := parseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, fmt.Errorf("verify %s %q: %w", r.Method, clip(r.URL.Path), err)
	}
	req, err := readSignature(r, query)
	if err != nil {
		return nil, fmt.Errorf("verify %s %q: %w", r.Method, clip(r.URL.Path), err)
	}
	cred := req.auth.Credential
	claimed := &Result{
		AccessKeyID:  cred.AccessKeyID,
		Region:       cred.Region,
		Service:      cred.Service,
		SessionToken: req.token,
		SignedAt:     req.signedAt.UTC(),
		Presigned:    req.presigned,
	}
	if err := checkTime(req, now); err != nil {
		return claimed, fmt.Errorf("verify %q: %w", clip(cred.AccessKeyID), err)
	}
	secret, err := lookup(ctx, cred.AccessKeyID)
	if err != nil {
		if errors.Is(err, ErrUnknownKey) {
			return claimed, fmt.Errorf("verify %q: %w", clip(cred.AccessKeyID), err)
		}
		return claimed, fmt.Errorf("verify %q: look up secret: %w", clip(cred.AccessKeyID), err)
	}
	hashes, err := payloadHashes(r, body, req.presigned)
	if err != nil {
		return claimed, fmt.Errorf("verify %q: %w", clip(cred.AccessKeyID), err)
	}

	skip := ""
	if req.presigned {
		skip = paramSignature // the signature cannot sign itself
	}
	uri := canonicalURI(r.URL, cred.Service)
	cq := canonicalQuery(query, skip)
	ch := canonicalHeaders(r, req.auth.SignedHeaders)
	key := signingKey(secret, cred)
	for _, h := range hashes {
		cr := canonicalRequest(r.Method, uri, cq, ch, req.auth.SignedHeaders, h)
		sig := hmacSHA256(key, stringToSign(req.amzDate, cred.scope(), cr))
		if hmac.Equal(sig, req.auth.Signature) {
			return claimed, nil
		}
	}
	return claimed, fmt.Errorf("verify %q for %q: %w", clip(cred.AccessKeyID), clip(cred.scope()), ErrSignatureMismatch)
}

// checkTime enforces the window AWS enforces: a header signature within
// MaxSkew of the server clock either way; a presigned URL from no later than
// MaxSkew ahead until X-Amz-Expires after it was signed.
func checkTime(req signedRequest, now time.Time) error {
	e := &ExpiredError{SignedAt: req.signedAt, Now: now, Presigned: req.presigned, Expires: req.expires}
	switch {
	case req.signedAt.Sub(now) > MaxSkew:
		return e
	case req.presigned && now.Sub(req.signedAt) > req.expires:
		return e
	case !req.presigned && now.Sub(req.signedAt) > MaxSkew:
		return e
	}
	return nil
}

// payloadHashes returns the payload hashes the client may have signed; the
// signature must match one of them.
//
// A client that sends X-Amz-Content-Sha256 signs that value, so it must be the
// real hash of the body, or the body could be swapped under a valid signature.
// UNSIGNED-PAYLOAD is accepted only for an empty body: the query services read
// parameters from the body too, and an unsigned body would let anyone holding
// a presigned URL add parameters (Action among them) to it.
//
// Presigned URLs do not say which hash they used: S3-style presigners use
// UNSIGNED-PAYLOAD, and PresignHTTP callers for other services (STS
// GetCallerIdentity, as EKS tokens do) pass the hash of the empty body.
func payloadHashes(r *http.Request, body []byte, presigned bool) ([]string, error) {
	actual := hashHex(body)
	values := r.Header.Values(headerContentSHA)
	switch {
	case len(values) > 1:
		return nil, malformedf("The request has more than one X-Amz-Content-Sha256 header.")
	case len(values) == 1:
		v := values[0]
		switch {
		case v == unsignedPayload:
			if len(body) > 0 {
				return nil, malformedf("UNSIGNED-PAYLOAD is not accepted for a request with a body.")
			}
			return []string{v}, nil
		case len(v) == 64 && isHex(v):
			if !strings.EqualFold(v, actual) {
				return nil, fmt.Errorf("x-amz-content-sha256 %s does not match the body: %w", clip(v), ErrSignatureMismatch)
			}
			return []string{v}, nil
		default:
			return nil, malformedf("X-Amz-Content-Sha256 '%s' is not supported; send the hex SHA-256 of the body.", clip(v))
		}
	case presigned && len(body) == 0:
		return []string{unsignedPayload, actual}, nil
	default:
		return []string{actual}, nil
	}
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}
