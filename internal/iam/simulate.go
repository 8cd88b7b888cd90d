package iam

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/awsquery/iamapi"
	"github.com/kumo-cloud/kumo/internal/iam/policy"
)

// simulation is one run of the policy simulator: the policies in play and
// the requests to decide.
type simulation struct {
	principal string
	identity  []source
	boundary  []source
	resource  *source // the resource policy, if any
	actions   []string
	resources []string
	context   map[string][]string
}

// SimulatePrincipalPolicy decides actions on resources for a user, group or
// role with its identity policies (a user's include its groups'), plus
// PolicyInputList, within its permissions boundary.
func (s *Service) SimulatePrincipalPolicy(ctx context.Context, r *api.Request, in *iamapi.SimulatePrincipalPolicyRequest) (*iamapi.SimulatePolicyResponse, error) {
	sourceARN := aws.ToString(in.PolicySourceArn)
	if err := checkARN(sourceARN, "policySourceArn"); err != nil {
		return nil, err
	}
	sim, err := newSimulation(in.ActionNames, in.ResourceArns, in.ContextEntries, in.PolicyInputList, in.PermissionsBoundaryPolicyInputList, in.ResourcePolicy)
	if err != nil {
		return nil, err
	}
	if _, err := pageSize(in.MaxItems); err != nil {
		return nil, err
	}
	acct, _ := arnAccount(sourceARN)
	ref, ok := parsePrincipal(acct, sourceARN)
	if !ok || ref.path == "" {
		return nil, invalidInput("Invalid ARN: Could not be parsed!")
	}
	if err := s.authorizePrincipal(ctx, r, sourceARN, ref); err != nil {
		return nil, err
	}
	// A user, group or role of another account is one this account cannot see.
	identity, boundary, err := s.sourcesOf(ctx, r.AccountID, ref)
	if acct != r.AccountID || errors.Is(err, ErrNotFound) {
		return nil, noSuchEntity("The %s with name %s cannot be found.", ref.kind, ref.name)
	}
	if err != nil {
		return nil, err
	}
	sim.identity = append(identity, sim.identity...)
	if boundary != nil && len(in.PermissionsBoundaryPolicyInputList) == 0 {
		sim.boundary = []source{*boundary}
	}
	sim.principal = sourceARN
	if in.CallerArn != nil {
		sim.principal = *in.CallerArn
	}
	return sim.run(in.Marker, in.MaxItems)
}

// SimulateCustomPolicy decides actions on resources under the given policies alone.
func (s *Service) SimulateCustomPolicy(ctx context.Context, r *api.Request, in *iamapi.SimulateCustomPolicyRequest) (*iamapi.SimulatePolicyResponse, error) {
	sim, err := newSimulation(in.ActionNames, in.ResourceArns, in.ContextEntries, in.PolicyInputList, in.PermissionsBoundaryPolicyInputList, in.ResourcePolicy)
	if err != nil {
		return nil, err
	}
	if _, err := pageSize(in.MaxItems); err != nil {
		return nil, err
	}
	// Custom policies name no principal: no resource type, evaluated on "*".
	if err := r.Authorize(nil); err != nil {
		return nil, err
	}
	sim.principal = aws.ToString(in.CallerArn)
	return sim.run(in.Marker, in.MaxItems)
}

// newSimulation validates the inputs both simulator actions share.
func newSimulation(actions, resources []string, entries []iamapi.ContextEntry, inputs, boundaries []string, resourcePolicy *string) (*simulation, error) {
	if len(actions) == 0 {
		return nil, nullMember("actionNames")
	}
	for _, a := range actions {
		if a == "" || len(a) > 128 {
			return nil, constraint(a, "actionNames.member", "Member must have length less than or equal to 128")
		}
	}
	sim := &simulation{actions: actions, resources: resources, context: map[string][]string{}}
	if len(sim.resources) == 0 {
		sim.resources = []string{"*"}
	}
	for _, e := range entries {
		switch t := aws.ToString(e.ContextKeyType); t {
		case "", iamapi.ContextKeyTypeEnumString, iamapi.ContextKeyTypeEnumStringList, iamapi.ContextKeyTypeEnumNumeric,
			iamapi.ContextKeyTypeEnumNumericList, iamapi.ContextKeyTypeEnumBoolean, iamapi.ContextKeyTypeEnumBooleanList,
			iamapi.ContextKeyTypeEnumIp, iamapi.ContextKeyTypeEnumIpList, iamapi.ContextKeyTypeEnumBinary,
			iamapi.ContextKeyTypeEnumBinaryList, iamapi.ContextKeyTypeEnumDate, iamapi.ContextKeyTypeEnumDateList:
		default:
			return nil, constraint(t, "contextEntries.member.contextKeyType", "Member must satisfy enum value set: [string, stringList, numeric, numericList, boolean, booleanList, ip, ipList, binary, binaryList, date, dateList]")
		}
		key := aws.ToString(e.ContextKeyName)
		if key == "" {
			return nil, invalidInput("Context key name must not be empty.")
		}
		sim.context[key] = append(sim.context[key], e.ContextKeyValues...)
	}
	var err *awserr.Error
	if sim.identity, err = inputSources(inputs, "PolicyInputList", policy.Identity); err != nil {
		return nil, err
	}
	if sim.boundary, err = inputSources(boundaries, "PermissionsBoundaryPolicyInputList", policy.Identity); err != nil {
		return nil, err
	}
	if resourcePolicy != nil {
		rs, err := inputSources([]string{*resourcePolicy}, "ResourcePolicy", policy.Resource)
		if err != nil {
			return nil, err
		}
		rs[0].id, rs[0].typ = "ResourcePolicy", iamapi.PolicySourceTypeResource
		sim.resource = &rs[0]
	}
	return sim, nil
}

// inputSources parses the documents of a simulator input list; they are
// named as IAM names them, PolicyInputList.1 and so on.
func inputSources(docs []string, list string, kind policy.Kind) ([]source, *awserr.Error) {
	out := make([]source, 0, len(docs))
	for i, doc := range docs {
		d, err := policy.Parse(doc, kind)
		if err != nil {
			return nil, invalidInput("%s", err.Error())
		}
		out = append(out, source{id: fmt.Sprintf("%s.%d", list, i+1), typ: iamapi.PolicySourceTypeNone, doc: d})
	}
	return out, nil
}

// run decides every action on every resource and pages the results.
func (sim *simulation) run(marker *string, maxItems *int32) (*iamapi.SimulatePolicyResponse, error) {
	var results []iamapi.EvaluationResult
	for _, action := range sim.actions {
		for _, resource := range sim.resources {
			results = append(results, sim.decide(action, resource))
		}
	}
	page, truncated, next, err := paginateOrdered(results, marker, maxItems)
	if err != nil {
		return nil, err
	}
	return &iamapi.SimulatePolicyResponse{EvaluationResults: append([]iamapi.EvaluationResult{}, page...), IsTruncated: truncated, Marker: next}, nil
}

// decide evaluates one request. Identity policies (and a same-account
// resource policy) must allow it, the boundary, when there is one, must
// allow it too, and an explicit deny anywhere wins. MatchedStatements are
// the statements that decided: the allowing ones, or the denying ones.
func (sim *simulation) decide(action, resource string) iamapi.EvaluationResult {
	req := &policy.Request{Principal: sim.principal, Action: action, Resource: resource, Context: sim.context}
	eval := func(srcs []source) (decision policy.Decision, allows, denies []iamapi.Statement) {
		for _, src := range srcs {
			d, _ := policy.Evaluate(req, []*policy.Document{src.doc}, nil, nil)
			st := iamapi.Statement{SourcePolicyId: aws.String(src.id), SourcePolicyType: aws.String(src.typ)}
			switch d {
			case policy.Allow:
				allows = append(allows, st)
			case policy.ExplicitDeny:
				denies = append(denies, st)
			}
		}
		switch {
		case len(denies) > 0:
			decision = policy.ExplicitDeny
		case len(allows) > 0:
			decision = policy.Allow
		}
		return decision, allows, denies
	}
	granting := sim.identity
	if sim.resource != nil {
		granting = append(append([]source{}, granting...), *sim.resource)
	}
	dec, allows, denies := eval(granting)
	out := iamapi.EvaluationResult{
		EvalActionName: aws.String(action), EvalResourceName: aws.String(resource),
		MatchedStatements: []iamapi.Statement{}, MissingContextValues: []string{},
	}
	boundaryAllows := true
	if len(sim.boundary) > 0 {
		bdec, ballows, bdenies := eval(sim.boundary)
		boundaryAllows = bdec == policy.Allow
		denies = append(denies, bdenies...)
		if bdec == policy.ExplicitDeny {
			dec = policy.ExplicitDeny
		}
		if dec == policy.Allow {
			allows = append(allows, ballows...)
		}
		out.PermissionsBoundaryDecisionDetail = &iamapi.PermissionsBoundaryDecisionDetail{AllowedByPermissionsBoundary: aws.Bool(boundaryAllows)}
	}
	switch {
	case dec == policy.ExplicitDeny:
		out.EvalDecision = aws.String(iamapi.PolicyEvaluationDecisionTypeExplicitDeny)
		out.MatchedStatements = denies
	case dec == policy.Allow && boundaryAllows:
		out.EvalDecision = aws.String(iamapi.PolicyEvaluationDecisionTypeAllowed)
		out.MatchedStatements = allows
	default:
		out.EvalDecision = aws.String(iamapi.PolicyEvaluationDecisionTypeImplicitDeny)
	}
	return out
}
