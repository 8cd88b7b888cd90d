package api

import (
	"time"
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
	// SourceIP is the caller's address (aws:SourceIp).
	SourceIP string

	// principal decides what the caller may do (nil until authenticated).
	principal *Principal
	// messages seals the authorization failure messages of denials (nil: none).
	messages *MessageSealer
}
