package iam

import (
	"context"
	"maps"

	"github.com/kumo-cloud/kumo/internal/api"
)

// Resource-level permissions of the IAM actions, as the Service
// Authorization Reference for IAM lists them: an action on a user, group,
// role, instance profile or managed policy is evaluated on that entity's ARN
// (its path included), with the entity's tags as aws:ResourceTag/K (and
// iam:ResourceTag/K for users and roles). Actions the reference gives no
// resource type (ListUsers, ListRoles, ListPolicies …,
// GetAccountAuthorizationDetails, SimulateCustomPolicy) stay on "*".
//
// An entity that does not exist is evaluated at the ARN it would have on
// path "/", so that a caller without permission learns nothing of which
// names exist: the handler answers NoSuchEntity only after authorizing.

// entityType is an IAM entity type as resource-level permissions see it.
type entityType struct {
	kind string // store kind
	typ  string // ARN resource type
	// tagKeys are the prefixes of the condition keys the type's tags are
	// evaluated under.
	tagKeys []string
}

var (
	userEntity    = entityType{kindUser, "user", []string{"aws:ResourceTag/", "iam:ResourceTag/"}}
	groupEntity   = entityType{kindGroup, "group", nil}
	roleEntity    = entityType{kindRole, "role", []string{"aws:ResourceTag/", "iam:ResourceTag/"}}
	profileEntity = entityType{kindProfile, "instance-profile", []string{"aws:ResourceTag/"}}
	policyEntity  = entityType{kindPolicy, "policy", []string{"aws:ResourceTag/"}}
)

// principalEntities are the entity types a principal ARN can name.
var principalEntities = map[string]entityType{kindUser: userEntity, kindGroup: groupEntity, kindRole: roleEntity}

// boundaryActions are the actions on a user or role that the reference
// gives iam:PermissionsBoundary: the ARN of the entity's permissions
// boundary, which lets a delegated administrator change only the
// permissions of entities kept within a boundary.
var boundaryActions = map[string]bool{
	"AttachUserPolicy": true, "DetachUserPolicy": true, "PutUserPolicy": true, "DeleteUserPolicy": true,
	"AttachRolePolicy": true, "DetachRolePolicy": true, "PutRolePolicy": true, "DeleteRolePolicy": true,
}

// subject is what authorization reads of a stored user, group, role or
// instance profile: the fields their records share.
type subject struct {
	Name     string `json:"name"`
	Path     string `json:"path"`
	Tags     []Tag  `json:"tags"`
	Boundary string `json:"boundary"`
}

// existing returns the resource of an entity that exists.
func (t entityType) existing(account string, e *subject) api.Resource {
	res := api.Resource{ARN: arn(account, t.typ, e.Path, e.Name), Keys: map[string][]string{}}
	for _, prefix := range t.tagKeys {
		for _, tag := range e.Tags {
			res.Keys[prefix+tag.Key] = []string{tag.Value}
		}
	}
	return res
}

// created returns the resource of an entity a Create action makes: its ARN
// from the request's path and name, the tags it is created with as
// aws:RequestTag/K and aws:TagKeys, and the permissions boundary it is
// given, if any, as iam:PermissionsBoundary.
func (t entityType) created(account, path, name string, tags []Tag, boundary *string) api.Resource {
	res := api.Resource{ARN: arn(account, t.typ, path, name), Keys: requestTagKeys(tags)}
	if boundary != nil {
		res.Keys["iam:PermissionsBoundary"] = []string{*boundary}
	}
	return res
}

// requestTagKeys are the condition keys of the tags a request applies.
func requestTagKeys(tags []Tag) map[string][]string {
	keys := make(map[string][]string, len(tags)+1)
	if len(tags) == 0 {
		return keys
	}
	names := make([]string, len(tags))
	for i, t := range tags {
		keys["aws:RequestTag/"+t.Key] = []string{t.Value}
		names[i] = t.Key
	}
	keys["aws:TagKeys"] = names
	return keys
}

// resource returns what an action on entity name of type t is evaluated on,
// and the entity (nil when there is none).
func (s *Service) resource(ctx context.Context, account string, t entityType, name string) (api.Resource, *subject, error) {
	e, _, err := load[subject](ctx, s.Store, entityKey(account, t.kind, name))
	if err != nil {
		return api.Resource{}, nil, err
	}
	if e == nil {
		return api.Resource{ARN: arn(account, t.typ, "/", name), Keys: map[string][]string{}}, nil, nil
	}
	return t.existing(account, e), e, nil
}

// authorize evaluates the request's action on entity name of type t, with
// extra condition keys (iam:PolicyARN, aws:RequestTag/K …).
func (s *Service) authorize(ctx context.Context, r *api.Request, t entityType, name string, extra map[string][]string) error {
	if !r.Restricted() {
		return nil
	}
	res, e, err := s.resource(ctx, r.AccountID, t, name)
	if err != nil {
		return err
	}
	if e != nil && e.Boundary != "" && boundaryActions[r.Action] {
		res.Keys["iam:PermissionsBoundary"] = []string{e.Boundary}
	}
	maps.Copy(res.Keys, extra)
	return r.AuthorizeOn(nil, res)
}

// authorizeKeys evaluates an access key action on the keys' owner: user
// name, or the account's root when root is set.
func (s *Service) authorizeKeys(ctx context.Context, r *api.Request, name string, root bool) error {
	if root {
		return r.AuthorizeOn(nil, api.Resource{ARN: rootARN(r.AccountID)})
	}
	return s.authorize(ctx, r, userEntity, name, nil)
}

// authorizePolicy evaluates the request's action on a managed policy: its
// ARN, with its tags when it is one the account can see.
func (s *Service) authorizePolicy(ctx context.Context, r *api.Request, policyARN string) error {
	if !r.Restricted() {
		return nil
	}
	res := api.Resource{ARN: policyARN, Keys: map[string][]string{}}
	ref, err := s.findPolicy(ctx, r.AccountID, policyARN)
	if err != nil {
		return err
	}
	if ref != nil {
		res = policyEntity.existing(ref.Account, &subject{Name: ref.Name, Path: ref.Path, Tags: ref.Tags})
	}
	return r.AuthorizeOn(nil, res)
}

// authorizePrincipal evaluates the request's action on the user, group or
// role principalARN names: that ARN, with the entity's tags when it is one
// of the account's.
func (s *Service) authorizePrincipal(ctx context.Context, r *api.Request, principalARN string, p principalRef) error {
	if !r.Restricted() {
		return nil
	}
	res, _, err := s.resource(ctx, r.AccountID, principalEntities[p.kind], p.name)
	if err != nil {
		return err
	}
	if res.ARN != principalARN { // another account's, or not the entity's path
		res = api.Resource{ARN: principalARN}
	}
	return r.AuthorizeOn(nil, res)
}

// policyARNKey is the iam:PolicyARN condition key of the attach and detach
// actions.
func policyARNKey(policyARN string) map[string][]string {
	return map[string][]string{"iam:PolicyARN": {policyARN}}
}

// untagKeys is the aws:TagKeys condition key of the untag actions.
func untagKeys(keys []string) map[string][]string {
	if len(keys) == 0 {
		return nil
	}
	return map[string][]string{"aws:TagKeys": keys}
}

// rootARN is the ARN of an account's root user.
func rootARN(account string) string { return "arn:aws:iam::" + account + ":root" }

// authorizeMove evaluates a rename or move of entity name to newName on
// newPath ("" keeps its path): IAM requires the action on the entity both as
// it is and as it will be.
func (s *Service) authorizeMove(ctx context.Context, r *api.Request, t entityType, name, newName, newPath string) error {
	if !r.Restricted() {
		return nil
	}
	res, e, err := s.resource(ctx, r.AccountID, t, name)
	if err != nil {
		return err
	}
	path := "/"
	if e != nil {
		path = e.Path
	}
	if newPath != "" {
		path = newPath
	}
	moved := api.Resource{ARN: arn(r.AccountID, t.typ, path, newName), Keys: res.Keys}
	if moved.ARN == res.ARN {
		return r.AuthorizeOn(nil, res)
	}
	return r.AuthorizeOn(nil, res, moved)
}
