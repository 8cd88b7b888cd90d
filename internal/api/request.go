package api

import (
	"time"

	"github.com/kumo-cloud/kumo/internal/awserr"
)

// Request is what a handler knows about the call beyond its input.
type Request struct {
	ID          string
	Service     string
	Action      string
	Region      string
	AccountID   string
	AccessKeyID string
	// PrincipalARN is the caller: arn:aws:iam::ACCOUNT:root for root keys.
	PrincipalARN string
	// UserID is the caller's unique id (the account id for root).
	UserID string
	// Now is the time the request arrived, from the server's clock.
	Now time.Time
}

// Authorize runs after a handler has validated its input. It returns
// DryRunOperation when dryRun is set, so a dry run never changes state.
// (IAM policy evaluation plugs in here.)
func (r *Request) Authorize(dryRun *bool) error {
	if dryRun != nil && *dryRun {
		return awserr.ErrDryRun
	}
	return nil
}
