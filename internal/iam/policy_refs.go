package iam

import (
	"context"
	"strings"

	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/store"
)

// checkARN validates an ARN parameter's shape (member is its name on the wire).
func checkARN(a, member string) *awserr.Error {
	if len(a) < 20 {
		return constraint(a, member, "Member must have length greater than or equal to 20")
	}
	if len(a) > 2048 {
		return constraint(a, member, "Member must have length less than or equal to 2048")
	}
	if parts := strings.SplitN(a, ":", 6); len(parts) < 6 || parts[0] != "arn" || parts[1] == "" || parts[2] == "" {
		return invalidInput("ARN %s is not valid.", a)
	}
	return nil
}

// splitPolicyARN splits arn:aws:iam::ACCOUNT:policy/PATH/NAME.
func splitPolicyARN(a string) (account, path, name string, ok bool) {
	rest, ok := strings.CutPrefix(a, "arn:aws:iam::")
	if !ok {
		return "", "", "", false
	}
	account, rest, ok = strings.Cut(rest, ":")
	if !ok {
		return "", "", "", false
	}
	rest, ok = strings.CutPrefix(rest, "policy/")
	if !ok {
		return "", "", "", false
	}
	i := strings.LastIndexByte(rest, '/')
	return account, "/" + rest[:i+1], rest[i+1:], true
}

// policyRef is a managed policy loaded for a write that changes its counts.
// For an AWS managed policy it is a copy carrying this account's counts,
// which live in the account's awsUse record.
type policyRef struct {
	*Policy
	rev int64
	key string
	aws bool
}

// findPolicy returns the managed policy policyARN names as account sees it:
// one of its own or an AWS managed one. It returns nil when there is none.
func (s *Service) findPolicy(ctx context.Context, account, policyARN string) (*policyRef, error) {
	if p := awsManagedPolicy(policyARN); p != nil {
		key := store.Key("iam", account, kindAWSUse, p.Name)
		use, rev, err := load[awsUse](ctx, s.Store, key)
		if err != nil {
			return nil, err
		}
		cp := *p
		if use != nil {
			cp.Attachments, cp.BoundaryUses = use.Attachments, use.BoundaryUses
		}
		return &policyRef{Policy: &cp, rev: rev, key: key, aws: true}, nil
	}
	acct, _, name, ok := splitPolicyARN(policyARN)
	if !ok || acct != account || name == "" {
		return nil, nil
	}
	key := entityKey(account, kindPolicy, name)
	p, rev, err := load[Policy](ctx, s.Store, key)
	if err != nil || p == nil || p.ARN() != policyARN {
		return nil, err
	}
	return &policyRef{Policy: p, rev: rev, key: key}, nil
}

// mustFindPolicy is findPolicy with IAM's NoSuchEntity for a missing policy.
func (s *Service) mustFindPolicy(ctx context.Context, account, policyARN string) (*policyRef, error) {
	if err := checkARN(policyARN, "policyArn"); err != nil {
		return nil, err
	}
	ref, err := s.findPolicy(ctx, account, policyARN)
	if err != nil {
		return nil, err
	}
	if ref == nil {
		return nil, noSuchEntity("Policy %s was not found.", policyARN)
	}
	return ref, nil
}

// attachable finds the policy for an attachment or a permissions boundary.
func (s *Service) attachable(ctx context.Context, account, policyARN, member string) (*policyRef, error) {
	if err := checkARN(policyARN, member); err != nil {
		return nil, err
	}
	ref, err := s.findPolicy(ctx, account, policyARN)
	if err != nil {
		return nil, err
	}
	if ref == nil {
		return nil, noSuchEntity("Policy %s does not exist or is not attachable.", policyARN)
	}
	return ref, nil
}

// adjust adds to the policy's counts and queues the write in t, guarded by
// the revision the policy was read at.
func (ref *policyRef) adjust(t *store.Txn, attachments, boundaryUses int) {
	ref.Attachments += attachments
	ref.BoundaryUses += boundaryUses
	if !ref.aws {
		t.Update(ref.key, ref.rev, ref.Policy)
		return
	}
	use := awsUse{Attachments: ref.Attachments, BoundaryUses: ref.BoundaryUses}
	if ref.rev == 0 {
		t.Create(ref.key, use)
	} else {
		t.Update(ref.key, ref.rev, use)
	}
}
