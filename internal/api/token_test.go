package api

import (
	"bytes"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/awsjson"
	"github.com/kumo-cloud/kumo/internal/awsquery"
)

func TestCheckToken(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	session := &Principal{SessionToken: "tok", Expires: now.Add(time.Minute)}
	for _, tc := range []struct {
		name  string
		p     *Principal
		token string
		now   time.Time
		want  error
	}{
		{"long-term key without token", &Principal{}, "", now, nil},
		{"long-term key with a token", &Principal{}, "tok", now, ErrInvalidToken},
		{"session with its token", session, "tok", now, nil},
		{"session without token", session, "", now, ErrInvalidToken},
		{"session with another token", session, "tok2", now, ErrInvalidToken},
		{"session at its expiry", session, "tok", now.Add(time.Minute), ErrExpiredToken},
		{"wrong token of an expired session", session, "x", now.Add(time.Hour), ErrInvalidToken},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := checkToken(tc.p, tc.token, tc.now); !errors.Is(err, tc.want) || (err == nil) != (tc.want == nil) {
				t.Errorf("checkToken = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestTokenError(t *testing.T) {
	ec2 := &Service{Wire: &awsquery.Service{Protocol: awsquery.EC2}}
	query := &Service{Wire: &awsquery.Service{Protocol: awsquery.Query}}
	awsJSON := &Service{Wire: &awsjson.Service{Protocol: awsjson.JSON11}}
	restJSON := &Service{Wire: &awsjson.Service{Protocol: awsjson.RESTJSON}}
	for _, tc := range []struct {
		name   string
		svc    *Service
		err    error
		code   string
		status int
	}{
		{"ec2 invalid", ec2, ErrInvalidToken, "AuthFailure", 401},
		{"ec2 expired", ec2, ErrExpiredToken, "RequestExpired", 400},
		{"query invalid", query, ErrInvalidToken, "InvalidClientTokenId", 403},
		{"query expired", query, ErrExpiredToken, "ExpiredToken", 403},
		{"awsJson invalid", awsJSON, ErrInvalidToken, "UnrecognizedClientException", 400},
		{"awsJson expired", awsJSON, ErrExpiredToken, "ExpiredTokenException", 400},
		{"restJson invalid", restJSON, ErrInvalidToken, "UnrecognizedClientException", 403},
		{"restJson expired", restJSON, ErrExpiredToken, "ExpiredTokenException", 403},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// What goes on the wire: the protocol's error as its writer sends it.
			p := tc.svc.protocol()
			ae, _ := awserr.As(p.tokenError(tc.err))
			if ae != nil {
				var buf bytes.Buffer
				status, code := p.writeError(http.Header{}, &buf, ae, "rid")
				ae = &awserr.Error{Code: code, Status: status}
			}
			if ae == nil || ae.Code != tc.code || ae.Status != tc.status {
				t.Errorf("tokenError = %v, want %d %s", ae, tc.status, tc.code)
			}
		})
	}
}
