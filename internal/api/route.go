// Package api is Kumo's HTTP front: it authenticates every request with SigV4,
// decodes it with the query codec, throttles it, calls the handler registered
// for its service and action, and writes the answer or the AWS error.
//
// The whole API surface of a service is one table of Routes (see internal/ec2
// and internal/sts), so what Kumo serves is visible in one place.
package api

import (
	"context"
	"fmt"

	"github.com/kumo-cloud/kumo/internal/awsquery"
)

// Handler serves one action: it gets the decoded input (a pointer to the
// generated input type) and returns a pointer to the generated output type.
type Handler func(ctx context.Context, r *Request, in any) (any, error)

// Route is one action of a service.
type Route struct {
	Handler Handler
	// Throttle names the token bucket the action draws from (see Throttle).
	Throttle string
}

// Op adapts a typed handler to a Handler.
func Op[In, Out any](fn func(ctx context.Context, r *Request, in *In) (*Out, error)) Handler {
	return func(ctx context.Context, r *Request, in any) (any, error) {
		typed, ok := in.(*In)
		if !ok {
			return nil, fmt.Errorf("handler for %s: input is %T, want *%T", r.Action, in, *new(In))
		}
		return fn(ctx, r, typed)
	}
}

// Service is one AWS service served on the endpoint, selected by the SigV4
// service name of the request's credential scope.
type Service struct {
	Wire   *awsquery.Service
	Routes map[string]Route
	// Global services (iam) are served in every region scope.
	Global bool
}
