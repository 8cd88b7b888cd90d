package sts

import (
	"context"
	"errors"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/awsquery/stsapi"
	"github.com/kumo-cloud/kumo/internal/iam"
)

// Session tag and managed session policy limits of AssumeRole.
const (
	maxSessionTags     = 50
	maxTagKey          = 128
	maxTagValue        = 256
	maxManagedSessions = 10
)

// sessionTags validates AssumeRole's Tags and TransitiveTagKeys.
func sessionTags(in *stsapi.AssumeRoleRequest) (map[string]string, []string, error) {
	if len(in.Tags) > maxSessionTags {
		return nil, nil, constraint(len(in.Tags), "tags", "have length less than or equal to 50")
	}
	tags := make(map[string]string, len(in.Tags))
	seen := map[string]bool{}
	for _, t := range in.Tags {
		k, v := aws.ToString(t.Key), aws.ToString(t.Value)
		switch {
		case len(k) < 1 || len(k) > maxTagKey:
			return nil, nil, constraint(k, "tags.member.key", "have length between 1 and 128")
		case len(v) > maxTagValue:
			return nil, nil, constraint(v, "tags.member.value", "have length less than or equal to 256")
		case seen[strings.ToLower(k)]:
			return nil, nil, awserr.InvalidParameterValue("Duplicate tag keys found. Please note that Tag keys are case insensitive.")
		}
		seen[strings.ToLower(k)] = true
		tags[k] = v
	}
	for _, k := range in.TransitiveTagKeys {
		if !seen[strings.ToLower(k)] {
			return nil, nil, awserr.InvalidParameterValue("The specified transitive tag key %s must be included in the requested tags.", k)
		}
	}
	return tags, in.TransitiveTagKeys, nil
}

// inheritTags adds the transitive tags of the caller's own role session
// (role chaining): they pass to the new session and cannot be overridden.
func (s *Service) inheritTags(ctx context.Context, r *api.Request, tags map[string]string, transitive []string) (map[string]string, []string, error) {
	if !IsTemporaryKey(r.AccessKeyID) {
		return tags, transitive, nil
	}
	caller, err := s.Sessions.Lookup(ctx, r.AccessKeyID)
	if errors.Is(err, ErrNotFound) {
		return tags, transitive, nil
	}
	if err != nil {
		return nil, nil, err
	}
	for _, k := range caller.TransitiveTagKeys {
		for have := range tags {
			if strings.EqualFold(have, k) {
				return nil, nil, awserr.InvalidParameterValue("One of the specified transitive tag keys can't be set because it conflicts with a transitive tag key from the calling session.")
			}
		}
		tags[k] = caller.Tags[k]
		transitive = append(transitive, k)
	}
	sort.Strings(transitive)
	return tags, transitive, nil
}

// managedSessionPolicies checks AssumeRole's PolicyArns: managed policies of
// the role's account (or AWS managed ones) that the session is limited by.
func (s *Service) managedSessionPolicies(ctx context.Context, account string, arns []stsapi.PolicyDescriptorType) ([]string, error) {
	if len(arns) > maxManagedSessions {
		return nil, constraint(len(arns), "policyArns", "have length less than or equal to 10")
	}
	var out []string
	for _, pa := range arns {
		arn := aws.ToString(pa.Arn)
		if len(arn) < 20 {
			return nil, constraint(arn, "policyArns.member.arn", "have length greater than or equal to 20")
		}
		if _, err := s.IAM.ManagedPolicy(ctx, account, arn); errors.Is(err, iam.ErrNotFound) {
			return nil, awserr.BadRequest("MalformedPolicyDocument", "Policy %s does not exist or is not attachable.", arn)
		} else if err != nil {
			return nil, err
		}
		out = append(out, arn)
	}
	return out, nil
}

// requestTagKeys are the condition keys of the tags a session is given, for
// the trust policy's sts:TagSession statement.
func requestTagKeys(tags map[string]string, transitive []string) map[string][]string {
	k := map[string][]string{}
	var names []string
	for t, v := range tags {
		k["aws:RequestTag/"+t] = []string{v}
		names = append(names, t)
	}
	sort.Strings(names)
	k["aws:TagKeys"] = names
	if len(transitive) > 0 {
		k["sts:TransitiveTagKeys"] = transitive
	}
	return k
}

// packedTags is the share of the packed session budget the tags take, in
// percent, measured like the inline policy (Kumo does not compress).
func packedTags(tags map[string]string) int32 {
	n := 0
	for k, v := range tags {
		n += len(k) + len(v)
	}
	return int32((n*100 + maxSessionPolicy - 1) / maxSessionPolicy)
}
