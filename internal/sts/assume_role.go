package sts

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/awsquery/stsapi"
	"github.com/kumo-cloud/kumo/internal/iam"
	"github.com/kumo-cloud/kumo/internal/iam/policy"
)

// assumeRole issues temporary credentials for a role, in its account or
// another one. Two things must agree, as on AWS: the caller's identity
// policies allow sts:AssumeRole (r.Authorize; an account's root needs none),
// and the role's trust policy names the caller. Kumo always requires the
// trust policy, also within one account; an identity policy alone never
// lets a caller in. Session tags need sts:TagSession in both as well.
func (s *Service) assumeRole(ctx context.Context, r *api.Request, in *stsapi.AssumeRoleRequest) (*stsapi.AssumeRoleResponse, error) {
	roleARN, name := aws.ToString(in.RoleArn), aws.ToString(in.RoleSessionName)
	if len(roleARN) < 20 {
		return nil, constraint(roleARN, "roleArn", "have length greater than or equal to 20")
	}
	if err := validSessionName(name); err != nil {
		return nil, err
	}
	dur, verr := duration(in.DurationSeconds, defaultRoleDuration, minDuration, maxRoleDuration)
	if verr != nil {
		return nil, verr
	}
	tags, transitive, err := sessionTags(in)
	if err != nil {
		return nil, err
	}
	sessionPolicy, packed, err := parseSessionPolicy(in.Policy)
	if err != nil {
		return nil, err
	}
	if err := r.AuthorizeOn(nil, api.Resource{ARN: roleARN}); err != nil {
		return nil, err
	}

	denied := awserr.New(http.StatusForbidden, "AccessDenied",
		"User: %s is not authorized to perform: sts:AssumeRole on resource: %s", r.PrincipalARN, roleARN)
	role, err := s.IAM.RoleByARN(ctx, roleARN)
	if errors.Is(err, iam.ErrNotFound) {
		return nil, denied
	}
	if err != nil {
		return nil, err
	}
	trust, err := role.TrustPolicy()
	if err != nil {
		return nil, err
	}
	if !policy.AllowsPrincipal(trust, &policy.Request{Principal: r.PrincipalARN, Action: "sts:AssumeRole", Resource: roleARN, Context: trustContext(r, in)}) {
		return nil, denied
	}
	if len(tags) > 0 {
		// Passing new session tags is its own permission, in the caller's
		// policies and in the role's trust policy.
		tagging := trustContext(r, in)
		for k, v := range requestTagKeys(tags, transitive) {
			tagging[k] = v
		}
		if err := r.AuthorizeAction("sts:TagSession", api.Resource{ARN: roleARN, Keys: tagging}); err != nil {
			return nil, err
		}
		if !policy.AllowsPrincipal(trust, &policy.Request{Principal: r.PrincipalARN, Action: "sts:TagSession", Resource: roleARN, Context: tagging}) {
			return nil, awserr.New(http.StatusForbidden, "AccessDenied",
				"User: %s is not authorized to perform: sts:TagSession on resource: %s", r.PrincipalARN, roleARN)
		}
	}
	// Transitive tags of a calling role session come along without
	// sts:TagSession: they were authorized when first passed.
	if tags, transitive, err = s.inheritTags(ctx, r, tags, transitive); err != nil {
		return nil, err
	}
	managed, err := s.managedSessionPolicies(ctx, role.Account, in.PolicyArns)
	if err != nil {
		return nil, err
	}

	maxDur := defaultRoleDuration
	if role.MaxSessionDuration > 0 {
		maxDur = time.Duration(role.MaxSessionDuration) * time.Second
	}
	// Role chaining (a role session assuming a role) is capped at an hour,
	// which is also the default duration.
	if strings.Contains(r.PrincipalARN, ":assumed-role/") && dur > chainedRoleDuration {
		return nil, validationError("The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
	}
	if dur > maxDur {
		return nil, validationError("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
	}

	akid, secret, token := newCredentials()
	sess := &Session{
		AccessKeyID: akid, Secret: secret, Token: token,
		Account:    role.Account,
		ARN:        "arn:aws:sts::" + role.Account + ":assumed-role/" + role.Name + "/" + name,
		UserID:     role.ID + ":" + name,
		RoleARN:    roleARN,
		Policy:     sessionPolicy,
		PolicyARNs: managed,
		Tags:       tags,
		IssuedAt:   r.Now.UTC(),
		Expiration: r.Now.UTC().Add(dur).Truncate(time.Second),

		TransitiveTagKeys: transitive,
	}
	if err := s.Sessions.Create(ctx, sess); err != nil {
		return nil, err
	}
	out := &stsapi.AssumeRoleResponse{
		Credentials:     credentials(sess),
		AssumedRoleUser: &stsapi.AssumedRoleUser{AssumedRoleId: aws.String(sess.UserID), Arn: aws.String(sess.ARN)},
	}
	if sessionPolicy != "" || len(tags) > 0 {
		out.PackedPolicySize = aws.Int32(packed + packedTags(tags))
	}
	return out, nil
}

// parseSessionPolicy checks the inline session policy and returns it with
// its packed size, the percentage of the allotted space it takes. Kumo does
// not compress: the plaintext limit (2048 characters, a model constraint
// answered with ValidationError) is the whole budget, so PackedPolicyTooLarge
// cannot happen before it.
func parseSessionPolicy(p *string) (string, int32, error) {
	if p == nil {
		return "", 0, nil
	}
	doc := *p
	if len(doc) < 1 {
		return "", 0, constraint(doc, "policy", "have length greater than or equal to 1")
	}
	if len(doc) > maxSessionPolicy {
		return "", 0, validationError("1 validation error detected: Value at 'policy' failed to satisfy constraint: Member must have length less than or equal to %d", maxSessionPolicy)
	}
	if _, err := policy.Parse(doc, policy.Identity); err != nil {
		var pe *policy.ParseError
		if errors.As(err, &pe) {
			return "", 0, awserr.BadRequest("MalformedPolicyDocument", "%s", pe.Message)
		}
		return "", 0, err
	}
	return doc, int32((len(doc)*100 + maxSessionPolicy - 1) / maxSessionPolicy), nil
}

// trustContext is the condition keys a trust policy sees.
func trustContext(r *api.Request, in *stsapi.AssumeRoleRequest) map[string][]string {
	k := map[string][]string{
		"aws:PrincipalArn":     {r.PrincipalARN},
		"aws:PrincipalAccount": {r.AccountID},
		"aws:userid":           {r.UserID},
		"aws:CurrentTime":      {r.Now.UTC().Format(time.RFC3339)},
		"aws:EpochTime":        {strconv.FormatInt(r.Now.Unix(), 10)},
		"aws:SecureTransport":  {"false"},
		"sts:RoleSessionName":  {aws.ToString(in.RoleSessionName)},
	}
	if r.SourceIP != "" {
		k["aws:SourceIp"] = []string{r.SourceIP}
	}
	if in.ExternalId != nil {
		k["sts:ExternalId"] = []string{*in.ExternalId}
	}
	if i := strings.Index(r.PrincipalARN, ":user/"); i >= 0 {
		n := r.PrincipalARN[i+len(":user/"):]
		k["aws:username"] = []string{n[strings.LastIndexByte(n, '/')+1:]}
	}
	return k
}
