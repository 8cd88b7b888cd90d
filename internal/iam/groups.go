package iam

import (
	"context"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awsquery"
	"github.com/kumo-cloud/kumo/internal/awsquery/iamapi"
)

// maxGroupsPerUser is IAM's GroupsPerUser quota.
const maxGroupsPerUser = 10

// Membership is kept on the user (User.Groups). A change of membership also
// rewrites the group record unchanged, so that DeleteGroup, which checks for
// members and deletes at the group's revision, cannot race an AddUserToGroup.

func (s *Service) group(ctx context.Context, account, name string) (*Group, int64, error) {
	if err := validName(name, "groupName", maxGroupName); err != nil {
		return nil, 0, err
	}
	g, rev, err := load[Group](ctx, s.Store, entityKey(account, kindGroup, name))
	if err != nil {
		return nil, 0, err
	}
	if g == nil {
		return nil, 0, noSuchEntity("The group with name %s cannot be found.", name)
	}
	return g, rev, nil
}

func (g *Group) wire() iamapi.Group {
	return iamapi.Group{
		Path: aws.String(g.Path), GroupName: aws.String(g.Name), GroupId: aws.String(g.ID),
		Arn: aws.String(g.ARN()), CreateDate: aws.Time(g.CreatedAt),
	}
}

// CreateGroup makes a group.
func (s *Service) CreateGroup(ctx context.Context, r *api.Request, in *iamapi.CreateGroupRequest) (*iamapi.CreateGroupResponse, error) {
	name := aws.ToString(in.GroupName)
	if err := validName(name, "groupName", maxGroupName); err != nil {
		return nil, err
	}
	path, aerr := validPath(in.Path, "path")
	if aerr != nil {
		return nil, aerr
	}
	if err := r.AuthorizeOn(nil, groupEntity.created(r.AccountID, path, name, nil, nil)); err != nil {
		return nil, err
	}
	g := &Group{Account: r.AccountID, Name: name, ID: newUniqueID(groupIDPrefix), Path: path, CreatedAt: r.Now.UTC()}
	err := retry(func() error {
		key := entityKey(r.AccountID, kindGroup, name)
		old, _, err := load[Group](ctx, s.Store, key)
		if err != nil {
			return err
		}
		if old != nil {
			return alreadyExists("Group with name %s already exists.", name)
		}
		return s.Store.Txn().Create(key, g).Commit(ctx)
	})
	if err != nil {
		return nil, err
	}
	w := g.wire()
	return &iamapi.CreateGroupResponse{Group: &w}, nil
}

// members returns the users of a group, in name order.
func (s *Service) members(ctx context.Context, g *Group) ([]*User, error) {
	users, err := listAll[User](ctx, s.Store, g.Account, kindUser)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(users, func(u *User) bool { return !u.inGroup(g.Name) }), nil
}

func (u *User) inGroup(group string) bool {
	return slices.ContainsFunc(u.Groups, func(g string) bool { return strings.EqualFold(g, group) })
}

// GetGroup returns a group and a page of its users.
func (s *Service) GetGroup(ctx context.Context, r *api.Request, in *iamapi.GetGroupRequest) (*iamapi.GetGroupResponse, error) {
	name := aws.ToString(in.GroupName)
	if err := validName(name, "groupName", maxGroupName); err != nil {
		return nil, err
	}
	if _, err := pageSize(in.MaxItems); err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, r, groupEntity, name, nil); err != nil {
		return nil, err
	}
	g, _, err := s.group(ctx, r.AccountID, name)
	if err != nil {
		return nil, err
	}
	users, err := s.members(ctx, g)
	if err != nil {
		return nil, err
	}
	page, truncated, next, err := paginate(users, func(u *User) string { return nameKey(u.Name) }, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	w := g.wire()
	out := &iamapi.GetGroupResponse{Group: &w, Users: make([]iamapi.User, len(page)), IsTruncated: truncated, Marker: next}
	for i, u := range page {
		out.Users[i] = u.wire(false)
	}
	return out, nil
}

// ListGroups lists the groups whose path starts with PathPrefix.
func (s *Service) ListGroups(ctx context.Context, r *api.Request, in *iamapi.ListGroupsRequest) (*iamapi.ListGroupsResponse, error) {
	page, truncated, next, err := listByPath[Group](ctx, s, r, kindGroup, in.PathPrefix, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &iamapi.ListGroupsResponse{Groups: make([]iamapi.Group, len(page)), IsTruncated: truncated, Marker: next}
	for i, g := range page {
		out.Groups[i] = g.wire()
	}
	return out, nil
}

// DeleteGroup deletes a group without members or policies.
func (s *Service) DeleteGroup(ctx context.Context, r *api.Request, in *iamapi.DeleteGroupRequest) (*awsquery.Empty, error) {
	name := aws.ToString(in.GroupName)
	if err := validName(name, "groupName", maxGroupName); err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, r, groupEntity, name, nil); err != nil {
		return nil, err
	}
	return &awsquery.Empty{}, retry(func() error {
		g, rev, err := s.group(ctx, r.AccountID, name)
		if err != nil {
			return err
		}
		users, err := s.members(ctx, g)
		if err != nil {
			return err
		}
		switch {
		case len(users) > 0:
			return deleteConflict("Cannot delete entity, must remove users from group first.")
		case len(g.Inline) > 0:
			return deleteConflict("Cannot delete entity, must delete policies first.")
		case len(g.Attached) > 0:
			return deleteConflict("Cannot delete entity, must detach all policies first.")
		}
		return s.Store.Txn().Delete(entityKey(r.AccountID, kindGroup, g.Name), rev).Commit(ctx)
	})
}

// AddUserToGroup adds a user to a group; adding a member again changes nothing.
func (s *Service) AddUserToGroup(ctx context.Context, r *api.Request, in *iamapi.AddUserToGroupRequest) (*awsquery.Empty, error) {
	return s.membership(ctx, r, aws.ToString(in.GroupName), aws.ToString(in.UserName), true)
}

// RemoveUserFromGroup takes a user out of a group; removing a user that is
// not a member changes nothing.
func (s *Service) RemoveUserFromGroup(ctx context.Context, r *api.Request, in *iamapi.RemoveUserFromGroupRequest) (*awsquery.Empty, error) {
	return s.membership(ctx, r, aws.ToString(in.GroupName), aws.ToString(in.UserName), false)
}

func (s *Service) membership(ctx context.Context, r *api.Request, groupName, userName string, add bool) (*awsquery.Empty, error) {
	if err := validName(groupName, "groupName", maxGroupName); err != nil {
		return nil, err
	}
	if err := validName(userName, "userName", maxUserName); err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, r, groupEntity, groupName, nil); err != nil {
		return nil, err
	}
	return &awsquery.Empty{}, retry(func() error {
		g, grev, err := s.group(ctx, r.AccountID, groupName)
		if err != nil {
			return err
		}
		u, urev, err := s.user(ctx, r.AccountID, userName)
		if err != nil {
			return err
		}
		switch {
		case add && u.inGroup(g.Name):
			return nil
		case add && len(u.Groups) >= maxGroupsPerUser:
			return limitExceeded("Cannot exceed quota for GroupsPerUser: %d", maxGroupsPerUser)
		case add:
			u.Groups = append(u.Groups, g.Name)
		case !u.inGroup(g.Name):
			return nil // IAM answers removing a non-member with success
		default:
			u.Groups = slices.DeleteFunc(u.Groups, func(n string) bool { return strings.EqualFold(n, g.Name) })
		}
		return s.Store.Txn().
			Update(entityKey(r.AccountID, kindUser, u.Name), urev, u).
			Update(entityKey(r.AccountID, kindGroup, g.Name), grev, g).
			Commit(ctx)
	})
}

// userGroups loads the groups of a user, in the order the user joined them.
func (s *Service) userGroups(ctx context.Context, u *User) ([]*Group, error) {
	out := make([]*Group, 0, len(u.Groups))
	for _, name := range u.Groups {
		g, _, err := load[Group](ctx, s.Store, entityKey(u.Account, kindGroup, name))
		if err != nil {
			return nil, err
		}
		if g != nil {
			out = append(out, g)
		}
	}
	return out, nil
}

// ListGroupsForUser lists the groups a user belongs to.
func (s *Service) ListGroupsForUser(ctx context.Context, r *api.Request, in *iamapi.ListGroupsForUserRequest) (*iamapi.ListGroupsForUserResponse, error) {
	name := aws.ToString(in.UserName)
	if err := validName(name, "userName", maxUserName); err != nil {
		return nil, err
	}
	if _, err := pageSize(in.MaxItems); err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, r, userEntity, name, nil); err != nil {
		return nil, err
	}
	u, _, err := s.user(ctx, r.AccountID, name)
	if err != nil {
		return nil, err
	}
	groups, err := s.userGroups(ctx, u)
	if err != nil {
		return nil, err
	}
	page, truncated, next, err := paginateOrdered(groups, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &iamapi.ListGroupsForUserResponse{Groups: make([]iamapi.Group, len(page)), IsTruncated: truncated, Marker: next}
	for i, g := range page {
		out.Groups[i] = g.wire()
	}
	return out, nil
}
