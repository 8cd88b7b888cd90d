package sts

import (
	"context"
	"net/http"
	"time"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/awsquery/stsapi"
)

// getSessionToken issues temporary credentials with the caller's own
// permissions, for an IAM user or an account's root. The session's
// permissions are the user's at the time of each request, as on AWS. It
// needs no permission: AWS lets every user get a session token, and its
// policies cannot deny it.
func (s *Service) getSessionToken(ctx context.Context, r *api.Request, in *stsapi.GetSessionTokenRequest) (*stsapi.GetSessionTokenResponse, error) {
	dur, verr := duration(in.DurationSeconds, defaultSessionDuration, minDuration, maxSessionTokenDuration)
	if verr != nil {
		return nil, verr
	}
	if IsTemporaryKey(r.AccessKeyID) {
		return nil, awserr.New(http.StatusForbidden, "AccessDenied", "Cannot call GetSessionToken with session credentials")
	}
	root := r.PrincipalARN == "arn:aws:iam::"+r.AccountID+":root"
	if root && dur > time.Hour {
		dur = time.Hour // AWS caps root's sessions at an hour
	}
	akid, secret, token := newCredentials()
	sess := &Session{
		AccessKeyID: akid, Secret: secret, Token: token,
		Account: r.AccountID, ARN: r.PrincipalARN, UserID: r.UserID, Root: root,
		IssuedAt:   r.Now.UTC(),
		Expiration: r.Now.UTC().Add(dur).Truncate(time.Second),
	}
	if err := s.Sessions.Create(ctx, sess); err != nil {
		return nil, err
	}
	return &stsapi.GetSessionTokenResponse{Credentials: credentials(sess)}, nil
}
