package api

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/iam/policy"
)

// Resource is one resource an action acts on, for resource-level permissions:
// its ARN and the condition keys that describe it (ec2:ResourceTag/K,
// ec2:InstanceType, aws:RequestTag/K for tags being applied to it …).
type Resource struct {
	ARN  string
	Keys map[string][]string
}

// Authorize runs after a handler has validated its input: it evaluates the
// caller's IAM policies for the action on resource "*" (the actions without
// resource-level permissions, such as the Describe ones) and then answers
// DryRunOperation when dryRun is set, so a dry run tells whether the call
// would be allowed and never changes state.
func (r *Request) Authorize(dryRun *bool) error {
	return r.AuthorizeOn(dryRun)
}

// AuthorizeOn is Authorize for an action with resource-level permissions:
// the action must be allowed on every resource it touches, each evaluated
// with its own condition keys; the first refused one is reported, as AWS
// does. Without resources it evaluates "*".
func (r *Request) AuthorizeOn(dryRun *bool, resources ...Resource) error {
	action := r.Service + ":" + r.Action
	if len(resources) == 0 {
		resources = []Resource{{ARN: "*"}}
	}
	for _, res := range resources {
		if err := r.allowedTo(action, res); err != nil {
			return err
		}
	}
	if dryRun != nil && *dryRun {
		return awserr.ErrDryRun
	}
	return nil
}

// Restricted reports whether the caller's policies decide what it may do:
// false for an account's root, which may do everything in its account.
// Handlers that must read a resource only to authorize it skip the read
// when it is false.
func (r *Request) Restricted() bool {
	return r.principal != nil && !r.principal.Root
}

// AuthorizeAction checks that the caller's identity policies allow another
// action on a resource, one an operation implies besides its own (such as
// iam:PassRole on the role RunInstances hands to an instance, or ec2:CreateTags
// for tags applied at creation). An account's root always may.
func (r *Request) AuthorizeAction(action string, res Resource) error {
	return r.allowedTo(action, res)
}

// allowedTo evaluates the caller's identity (and session) policies for action
// on res. A refusal carries AWS's explanation and the sealed authorization
// message that sts:DecodeAuthorizationMessage opens.
func (r *Request) allowedTo(action string, res Resource) error {
	p := r.principal
	if p == nil || p.Root {
		return nil
	}
	req := &policy.Request{Principal: r.PrincipalARN, Action: action, Resource: res.ARN, Context: r.conditionKeys(res.Keys)}
	dec, st := policy.Evaluate(req, p.Policies, p.SessionPolicies, p.Boundary)
	if dec == policy.Allow {
		return nil
	}
	why := "no identity-based policy allows the " + action + " action"
	switch {
	case dec == policy.ExplicitDeny:
		why = "an explicit deny in an identity-based policy denies the " + action + " action"
	case p.Boundary != nil || len(p.SessionPolicies) > 0:
		// Which set failed is not reported by Evaluate; AWS names the
		// permissions boundary or the session policy when it did not allow.
		if d, _ := policy.Evaluate(req, p.Policies, nil, nil); d == policy.Allow {
			why = "no session policy allows the " + action + " action"
			if d, _ := policy.Evaluate(req, p.Policies, nil, p.Boundary); p.Boundary != nil && d != policy.Allow {
				why = "no permissions boundary allows the " + action + " action"
			}
		}
	}
	if r.Service != "ec2" {
		return awserr.New(http.StatusForbidden, "AccessDenied",
			"User: %s is not authorized to perform: %s on resource: %s because %s", r.PrincipalARN, action, res.ARN, why)
	}
	on := ""
	if res.ARN != "*" {
		on = " on resource: " + res.ARN
	}
	encoded := ""
	if r.messages != nil {
		msg := failureMessage(r, req, dec, st)
		encoded = " Encoded authorization failure message: " + r.messages.Seal(r.AccountID, msg)
	}
	return awserr.New(http.StatusForbidden, "UnauthorizedOperation",
		"You are not authorized to perform this operation. User: %s is not authorized to perform: %s%s because %s.%s", r.PrincipalARN, action, on, why, encoded)
}

// conditionKeys are the global condition keys of the request, plus extra
// (the resource's own keys).
func (r *Request) conditionKeys(extra map[string][]string) map[string][]string {
	k := make(map[string][]string, 10+len(extra)+len(r.principal.Tags))
	k["aws:RequestedRegion"] = []string{r.Region}
	k["aws:CurrentTime"] = []string{r.Now.UTC().Format(time.RFC3339)}
	k["aws:EpochTime"] = []string{strconv.FormatInt(r.Now.Unix(), 10)}
	k["aws:PrincipalAccount"] = []string{r.AccountID}
	k["aws:PrincipalArn"] = []string{r.PrincipalARN}
	k["aws:userid"] = []string{r.UserID}
	k["aws:SecureTransport"] = []string{"false"}
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
	for key, v := range r.principal.Tags {
		k["aws:PrincipalTag/"+key] = []string{v}
	}
	for key, v := range extra {
		k[key] = v
	}
	return k
}
