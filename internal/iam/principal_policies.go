package iam

import (
	"context"
	"errors"
	"strings"
	"sync"

	"github.com/kumo-cloud/kumo/internal/awsquery/iamapi"
	"github.com/kumo-cloud/kumo/internal/iam/policy"
)

// ErrNotFound is returned by the lookups for the rest of Kumo when the
// access key, principal, role or instance profile does not exist.
var ErrNotFound = errors.New("iam: not found")

// source is one identity policy of a principal, labelled as the simulator
// reports it: SourcePolicyId and SourcePolicyType.
type source struct {
	id, typ string
	doc     *policy.Document
}

// principalRef is what a principal ARN names.
type principalRef struct {
	kind       string // kindUser, kindGroup or kindRole
	name, path string // path is empty when the ARN has none (assumed-role)
}

// parsePrincipal reads arn:aws:iam::ACCOUNT:{user,group,role}/PATH/NAME and
// arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION.
func parsePrincipal(account, principalARN string) (principalRef, bool) {
	if rest, ok := strings.CutPrefix(principalARN, "arn:aws:sts::"+account+":assumed-role/"); ok {
		role, _, ok := strings.Cut(rest, "/")
		return principalRef{kind: kindRole, name: role}, ok && role != ""
	}
	rest, ok := strings.CutPrefix(principalARN, "arn:aws:iam::"+account+":")
	if !ok {
		return principalRef{}, false
	}
	typ, rest, ok := strings.Cut(rest, "/")
	if !ok || (typ != kindUser && typ != kindGroup && typ != kindRole) {
		return principalRef{}, false
	}
	i := strings.LastIndexByte(rest, '/')
	ref := principalRef{kind: typ, path: "/" + rest[:i+1], name: rest[i+1:]}
	return ref, ref.name != ""
}

// docCache keeps parsed policy documents by their text: every authorized
// request needs its principal's policies, and parsing is the costly part.
// The zero value is ready to use.
type docCache struct {
	mu   sync.Mutex
	docs map[string]*policy.Document
}

// maxCachedDocs bounds the cache; when full it starts over.
const maxCachedDocs = 1024

func (c *docCache) parse(doc string, kind policy.Kind) (*policy.Document, error) {
	key := kind.String() + "\x00" + doc
	c.mu.Lock()
	d, ok := c.docs[key]
	c.mu.Unlock()
	if ok {
		return d, nil
	}
	d, err := policy.Parse(doc, kind)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.docs == nil || len(c.docs) >= maxCachedDocs {
		c.docs = map[string]*policy.Document{}
	}
	c.docs[key] = d
	c.mu.Unlock()
	return d, nil
}

// permissionSources appends the inline and attached policies of one entity.
func (s *Service) permissionSources(ctx context.Context, account string, p *Permissions, inlineType string, out []source) ([]source, error) {
	for _, ip := range p.Inline {
		d, err := s.docs.parse(ip.Document, policy.Identity)
		if err != nil {
			return nil, err
		}
		out = append(out, source{id: ip.Name, typ: inlineType, doc: d})
	}
	for _, a := range p.Attached {
		src, err := s.managedSource(ctx, account, a)
		if err != nil {
			return nil, err
		}
		if src != nil {
			out = append(out, *src)
		}
	}
	return out, nil
}

// managedSource is the default version of a managed policy as a source.
func (s *Service) managedSource(ctx context.Context, account, policyARN string) (*source, error) {
	ref, err := s.findPolicy(ctx, account, policyARN)
	if err != nil || ref == nil {
		return nil, err
	}
	d, err := s.docs.parse(ref.Document(), policy.Identity)
	if err != nil {
		return nil, err
	}
	typ := iamapi.PolicySourceTypeUserManaged
	if ref.aws {
		typ = iamapi.PolicySourceTypeAwsManaged
	}
	return &source{id: ref.Name, typ: typ, doc: d}, nil
}

// sourcesOf returns the identity policies of a user (its own and its
// groups'), group or role, and its permissions boundary (nil for none).
func (s *Service) sourcesOf(ctx context.Context, account string, p principalRef) (identity []source, boundary *source, err error) {
	var perms *Permissions
	var boundaryARN string
	switch p.kind {
	case kindUser:
		u, _, err := load[User](ctx, s.Store, entityKey(account, kindUser, p.name))
		if u == nil || p.path != "" && u.Path != p.path {
			return nil, nil, missing(err)
		}
		perms, boundaryARN = &u.Permissions, u.Boundary
		if identity, err = s.permissionSources(ctx, account, perms, iamapi.PolicySourceTypeUser, nil); err != nil {
			return nil, nil, err
		}
		groups, err := s.userGroups(ctx, u)
		if err != nil {
			return nil, nil, err
		}
		for _, g := range groups {
			if identity, err = s.permissionSources(ctx, account, &g.Permissions, iamapi.PolicySourceTypeGroup, identity); err != nil {
				return nil, nil, err
			}
		}
	case kindGroup:
		g, _, err := load[Group](ctx, s.Store, entityKey(account, kindGroup, p.name))
		if g == nil || p.path != "" && g.Path != p.path {
			return nil, nil, missing(err)
		}
		if identity, err = s.permissionSources(ctx, account, &g.Permissions, iamapi.PolicySourceTypeGroup, nil); err != nil {
			return nil, nil, err
		}
	case kindRole:
		ro, _, err := load[Role](ctx, s.Store, entityKey(account, kindRole, p.name))
		if ro == nil || p.path != "" && ro.Path != p.path {
			return nil, nil, missing(err)
		}
		boundaryARN = ro.Boundary
		if identity, err = s.permissionSources(ctx, account, &ro.Permissions, iamapi.PolicySourceTypeRole, nil); err != nil {
			return nil, nil, err
		}
	}
	if boundaryARN != "" {
		if boundary, err = s.managedSource(ctx, account, boundaryARN); err != nil {
			return nil, nil, err
		}
	}
	return identity, boundary, nil
}

// PoliciesOf returns the identity policies of a principal of account: for a
// user its inline and attached policies and those of its groups; for a role
// (arn:aws:iam::…:role/… or an arn:aws:sts::…:assumed-role/… session) the
// role's. The root and unknown principals have none (ErrNotFound for an
// unknown user or role).
func (s *Service) PoliciesOf(ctx context.Context, account, principalARN string) ([]*policy.Document, error) {
	ref, ok := parsePrincipal(account, principalARN)
	if !ok {
		if principalARN == "arn:aws:iam::"+account+":root" {
			return nil, nil
		}
		return nil, ErrNotFound
	}
	identity, _, err := s.sourcesOf(ctx, account, ref)
	if err != nil {
		return nil, err
	}
	docs := make([]*policy.Document, len(identity))
	for i, src := range identity {
		docs[i] = src.doc
	}
	return docs, nil
}

// BoundaryOf returns the permissions boundary of a user or role, or nil when
// it has none.
func (s *Service) BoundaryOf(ctx context.Context, account, principalARN string) (*policy.Document, error) {
	ref, ok := parsePrincipal(account, principalARN)
	if !ok {
		return nil, nil
	}
	_, b, err := s.sourcesOf(ctx, account, ref)
	if err != nil || b == nil {
		return nil, err
	}
	return b.doc, nil
}

// missing is err, or ErrNotFound when the read succeeded but found nothing.
func missing(err error) error {
	if err != nil {
		return err
	}
	return ErrNotFound
}

// ManagedPolicy returns the default version of a managed policy of account
// (or an AWS managed one), or ErrNotFound.
func (s *Service) ManagedPolicy(ctx context.Context, account, policyARN string) (*policy.Document, error) {
	src, err := s.managedSource(ctx, account, policyARN)
	if err != nil {
		return nil, err
	}
	if src == nil {
		return nil, ErrNotFound
	}
	return src.doc, nil
}
