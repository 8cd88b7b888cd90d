// Package iam serves AWS Identity and Access Management on Kumo's endpoint:
// users and their access keys, groups, roles, instance profiles, managed and
// inline policies, and the policy simulator. It owns the IAM records of every
// account in etcd; the policy language itself is internal/iam/policy.
//
// The records are per account and global (no region). Names are unique
// within their kind without regard to case; ids, ARNs, errors and their HTTP
// statuses are IAM's.
package iam

import (
	"strings"

	"github.com/kumo-cloud/kumo/internal/accounts"
	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awsquery/iamapi"
	"github.com/kumo-cloud/kumo/internal/store"
)

// Service reads and writes IAM records and serves the IAM actions.
type Service struct {
	Store *store.Store
	// Accounts answers for the root user (GetUser of the root, the root's
	// access keys); nil leaves those answers without the account's facts.
	Accounts *accounts.Service

	docs docCache
}

// New returns the IAM service over st.
func New(st *store.Store, accts *accounts.Service) *Service {
	return &Service{Store: st, Accounts: accts}
}

// API returns the iam routes: every action Kumo serves and its throttle bucket.
func (s *Service) API() *api.Service {
	const (
		read  = api.ThrottleNonMutating
		write = api.ThrottleMutating
	)
	return &api.Service{
		Wire:   iamapi.Service,
		Global: true,
		Routes: map[string]api.Route{
			// Users.
			"CreateUser":   {Handler: api.Op(s.CreateUser), Throttle: write},
			"GetUser":      {Handler: api.Op(s.GetUser), Throttle: read},
			"ListUsers":    {Handler: api.Op(s.ListUsers), Throttle: read},
			"UpdateUser":   {Handler: api.Op(s.UpdateUser), Throttle: write},
			"DeleteUser":   {Handler: api.Op(s.DeleteUser), Throttle: write},
			"TagUser":      {Handler: api.Op(s.TagUser), Throttle: write},
			"UntagUser":    {Handler: api.Op(s.UntagUser), Throttle: write},
			"ListUserTags": {Handler: api.Op(s.ListUserTags), Throttle: read},
			// Access keys.
			"CreateAccessKey":      {Handler: api.Op(s.CreateAccessKey), Throttle: write},
			"ListAccessKeys":       {Handler: api.Op(s.ListAccessKeys), Throttle: read},
			"UpdateAccessKey":      {Handler: api.Op(s.UpdateAccessKey), Throttle: write},
			"DeleteAccessKey":      {Handler: api.Op(s.DeleteAccessKey), Throttle: write},
			"GetAccessKeyLastUsed": {Handler: api.Op(s.GetAccessKeyLastUsed), Throttle: read},
			// Groups.
			"CreateGroup":         {Handler: api.Op(s.CreateGroup), Throttle: write},
			"GetGroup":            {Handler: api.Op(s.GetGroup), Throttle: read},
			"ListGroups":          {Handler: api.Op(s.ListGroups), Throttle: read},
			"DeleteGroup":         {Handler: api.Op(s.DeleteGroup), Throttle: write},
			"AddUserToGroup":      {Handler: api.Op(s.AddUserToGroup), Throttle: write},
			"RemoveUserFromGroup": {Handler: api.Op(s.RemoveUserFromGroup), Throttle: write},
			"ListGroupsForUser":   {Handler: api.Op(s.ListGroupsForUser), Throttle: read},
			// Managed policies and their versions.
			"CreatePolicy":            {Handler: api.Op(s.CreatePolicy), Throttle: write},
			"GetPolicy":               {Handler: api.Op(s.GetPolicy), Throttle: read},
			"ListPolicies":            {Handler: api.Op(s.ListPolicies), Throttle: read},
			"DeletePolicy":            {Handler: api.Op(s.DeletePolicy), Throttle: write},
			"CreatePolicyVersion":     {Handler: api.Op(s.CreatePolicyVersion), Throttle: write},
			"GetPolicyVersion":        {Handler: api.Op(s.GetPolicyVersion), Throttle: read},
			"ListPolicyVersions":      {Handler: api.Op(s.ListPolicyVersions), Throttle: read},
			"DeletePolicyVersion":     {Handler: api.Op(s.DeletePolicyVersion), Throttle: write},
			"SetDefaultPolicyVersion": {Handler: api.Op(s.SetDefaultPolicyVersion), Throttle: write},
			"ListEntitiesForPolicy":   {Handler: api.Op(s.ListEntitiesForPolicy), Throttle: read},
			// Attachments of managed policies.
			"AttachUserPolicy":          {Handler: api.Op(s.AttachUserPolicy), Throttle: write},
			"DetachUserPolicy":          {Handler: api.Op(s.DetachUserPolicy), Throttle: write},
			"AttachGroupPolicy":         {Handler: api.Op(s.AttachGroupPolicy), Throttle: write},
			"DetachGroupPolicy":         {Handler: api.Op(s.DetachGroupPolicy), Throttle: write},
			"AttachRolePolicy":          {Handler: api.Op(s.AttachRolePolicy), Throttle: write},
			"DetachRolePolicy":          {Handler: api.Op(s.DetachRolePolicy), Throttle: write},
			"ListAttachedUserPolicies":  {Handler: api.Op(s.ListAttachedUserPolicies), Throttle: read},
			"ListAttachedGroupPolicies": {Handler: api.Op(s.ListAttachedGroupPolicies), Throttle: read},
			"ListAttachedRolePolicies":  {Handler: api.Op(s.ListAttachedRolePolicies), Throttle: read},
			// Inline policies.
			"PutUserPolicy":     {Handler: api.Op(s.PutUserPolicy), Throttle: write},
			"GetUserPolicy":     {Handler: api.Op(s.GetUserPolicy), Throttle: read},
			"ListUserPolicies":  {Handler: api.Op(s.ListUserPolicies), Throttle: read},
			"DeleteUserPolicy":  {Handler: api.Op(s.DeleteUserPolicy), Throttle: write},
			"PutGroupPolicy":    {Handler: api.Op(s.PutGroupPolicy), Throttle: write},
			"GetGroupPolicy":    {Handler: api.Op(s.GetGroupPolicy), Throttle: read},
			"ListGroupPolicies": {Handler: api.Op(s.ListGroupPolicies), Throttle: read},
			"DeleteGroupPolicy": {Handler: api.Op(s.DeleteGroupPolicy), Throttle: write},
			"PutRolePolicy":     {Handler: api.Op(s.PutRolePolicy), Throttle: write},
			"GetRolePolicy":     {Handler: api.Op(s.GetRolePolicy), Throttle: read},
			"ListRolePolicies":  {Handler: api.Op(s.ListRolePolicies), Throttle: read},
			"DeleteRolePolicy":  {Handler: api.Op(s.DeleteRolePolicy), Throttle: write},
			// Roles.
			"CreateRole":             {Handler: api.Op(s.CreateRole), Throttle: write},
			"GetRole":                {Handler: api.Op(s.GetRole), Throttle: read},
			"ListRoles":              {Handler: api.Op(s.ListRoles), Throttle: read},
			"DeleteRole":             {Handler: api.Op(s.DeleteRole), Throttle: write},
			"UpdateRole":             {Handler: api.Op(s.UpdateRole), Throttle: write},
			"UpdateAssumeRolePolicy": {Handler: api.Op(s.UpdateAssumeRolePolicy), Throttle: write},
			"TagRole":                {Handler: api.Op(s.TagRole), Throttle: write},
			"UntagRole":              {Handler: api.Op(s.UntagRole), Throttle: write},
			// Instance profiles.
			"CreateInstanceProfile":         {Handler: api.Op(s.CreateInstanceProfile), Throttle: write},
			"GetInstanceProfile":            {Handler: api.Op(s.GetInstanceProfile), Throttle: read},
			"ListInstanceProfiles":          {Handler: api.Op(s.ListInstanceProfiles), Throttle: read},
			"DeleteInstanceProfile":         {Handler: api.Op(s.DeleteInstanceProfile), Throttle: write},
			"AddRoleToInstanceProfile":      {Handler: api.Op(s.AddRoleToInstanceProfile), Throttle: write},
			"RemoveRoleFromInstanceProfile": {Handler: api.Op(s.RemoveRoleFromInstanceProfile), Throttle: write},
			"ListInstanceProfilesForRole":   {Handler: api.Op(s.ListInstanceProfilesForRole), Throttle: read},
			// The whole account and the policy simulator.
			"GetAccountAuthorizationDetails": {Handler: api.Op(s.GetAccountAuthorizationDetails), Throttle: read},
			"SimulatePrincipalPolicy":        {Handler: api.Op(s.SimulatePrincipalPolicy), Throttle: read},
			"SimulateCustomPolicy":           {Handler: api.Op(s.SimulateCustomPolicy), Throttle: read},
		},
	}
}

// caller is who signed a request, as IAM needs to know it for the actions
// that default to the caller (GetUser, the access key actions).
type caller struct {
	root     bool
	userName string // set for an IAM user
}

// callerOf reads the principal ARN: arn:aws:iam::ACCOUNT:root,
// arn:aws:iam::ACCOUNT:user/PATH/NAME, or another principal (a role session).
func callerOf(r *api.Request) caller {
	rest, ok := strings.CutPrefix(r.PrincipalARN, "arn:aws:iam::"+r.AccountID+":")
	if !ok {
		return caller{}
	}
	if rest == "root" {
		return caller{root: true}
	}
	if p, ok := strings.CutPrefix(rest, "user/"); ok {
		return caller{userName: p[strings.LastIndexByte(p, '/')+1:]}
	}
	return caller{}
}
