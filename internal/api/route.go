// Package api is Kumo's HTTP front: it authenticates every request with SigV4,
// decodes it with the codec of the service's protocol, throttles it, calls the
// handler registered for its service and action, and writes the answer or the
// AWS error.
//
// The protocol follows from the service the request is signed for (the SigV4
// credential scope): ec2 and awsQuery services (ec2, iam, sts) take form
// parameters and answer XML through internal/awsquery; awsJson and restJson
// services (ce, savingsplans) take and answer JSON through internal/awsjson.
// What differs between them sits behind the protocol interface; everything
// else (authentication, throttling, request ids, metrics, logs, handlers) is
// the same for all.
//
// The whole API surface of a service is one table of Routes (see internal/ec2
// and internal/sts), so what Kumo serves is visible in one place.
package api

import (
	"context"
	"fmt"
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
	// Wire is the generated Service of the service's api package (ec2api,
	// ceapi, …); it decides the protocol.
	Wire Wire
	// Routes are the actions served, by operation name (for restJson too:
	// the front maps method and path to the name).
	Routes map[string]Route
	// Global services (iam, ce, savingsplans) are served in every region scope.
	Global bool
}
