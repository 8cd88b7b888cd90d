package api

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/iam/policy"
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
}

// Authorize runs after a handler has validated its input: it evaluates the
// caller's IAM policies for the action (an account's root may do everything
// in its account) and then answers DryRunOperation when dryRun is set, so a
// dry run tells whether the call would be allowed and never changes state.
//
// Resource-level permissions are not evaluated yet: the request's resource
// is "*", so only statements whose Resource matches "*" grant anything.
func (r *Request) Authorize(dryRun *bool) error {
	if err := r.allowed(); err != nil {
		return err
	}
	if dryRun != nil && *dryRun {
		return awserr.ErrDryRun
	}
	return nil
}

// AuthorizeAction checks that the caller's identity policies allow another
// action on a resource, one an operation implies besides its own (such as
// iam:PassRole on the role RunInstances hands to an instance). An account's
// root always may.
func (r *Request) AuthorizeAction(action, resource string) error {
	return r.allowedTo(action, resource)
}

// allowed evaluates the caller's identity policies for the request's action.
func (r *Request) allowed() error {
	return r.allowedTo(r.Service+":"+r.Action, "*")
}

// allowedTo evaluates the caller's identity policies for action on resource.
func (r *Request) allowedTo(action, resource string) error {
	p := r.principal
	if p == nil || p.Root {
		return nil
	}
	req := &policy.Request{Principal: r.PrincipalARN, Action: action, Resource: resource, Context: r.conditionKeys()}
	dec, _ := policy.Evaluate(req, p.Policies, p.SessionPolicies, nil)
	if dec == policy.Allow {
		return nil
	}
	why := "no identity-based policy allows the " + action + " action"
	if dec == policy.ExplicitDeny {
		why = "an explicit deny in an identity-based policy denies the " + action + " action"
	} else if len(p.SessionPolicies) > 0 {
		// Which set failed is not reported by Evaluate; AWS names the session
		// policy when it is the one that did not allow.
		if d, _ := policy.Evaluate(req, p.Policies, nil, nil); d == policy.Allow {
			why = "no session policy allows the " + action + " action"
		}
	}
	if r.Service == "ec2" {
		on := ""
		if resource != "*" {
			on = " on resource: " + resource
		}
		return awserr.New(http.StatusForbidden, "UnauthorizedOperation",
			"You are not authorized to perform this operation. User: %s is not authorized to perform: %s%s because %s", r.PrincipalARN, action, on, why)
	}
	return awserr.New(http.StatusForbidden, "AccessDenied",
		"User: %s is not authorized to perform: %s on resource: %s because %s", r.PrincipalARN, action, resource, why)
}

// conditionKeys are the global condition keys of the request.
func (r *Request) conditionKeys() map[string][]string {
	k := map[string][]string{
		"aws:RequestedRegion":  {r.Region},
		"aws:CurrentTime":      {r.Now.UTC().Format(time.RFC3339)},
		"aws:EpochTime":        {strconv.FormatInt(r.Now.Unix(), 10)},
		"aws:PrincipalAccount": {r.AccountID},
		"aws:PrincipalArn":     {r.PrincipalARN},
		"aws:userid":           {r.UserID},
		"aws:SecureTransport":  {"false"},
	}
	if r.SourceIP != "" {
		k["aws:SourceIp"] = []string{r.SourceIP}
	}
	if i := strings.Index(r.PrincipalARN, ":user/"); i >= 0 {
		name := r.PrincipalARN[i+len(":user/"):]
		k["aws:username"] = []string{name[strings.LastIndex(name, "/")+1:]}
	}
	if r.Service == "ec2" {
		k["ec2:Region"] = []string{r.Region}
	}
	if len(r.principal.Tags) > 0 {
		for key, v := range r.principal.Tags {
			k["aws:PrincipalTag/"+key] = []string{v}
		}
	}
	return k
}
