package iam

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awsquery"
	"github.com/kumo-cloud/kumo/internal/awsquery/iamapi"
	"github.com/kumo-cloud/kumo/internal/store"
)

// user loads a user by name or answers NoSuchEntity.
func (s *Service) user(ctx context.Context, account, name string) (*User, int64, error) {
	if err := validName(name, "userName", maxUserName); err != nil {
		return nil, 0, err
	}
	u, rev, err := load[User](ctx, s.Store, entityKey(account, kindUser, name))
	if err != nil {
		return nil, 0, err
	}
	if u == nil {
		return nil, 0, noSuchEntity("The user with name %s cannot be found.", name)
	}
	return u, rev, nil
}

// wire returns the user as IAM shows it; list answers leave out the tags and
// the permissions boundary, as IAM's do.
func (u *User) wire(full bool) iamapi.User {
	out := iamapi.User{
		Path: aws.String(u.Path), UserName: aws.String(u.Name), UserId: aws.String(u.ID),
		Arn: aws.String(u.ARN()), CreateDate: aws.Time(u.CreatedAt),
	}
	if full {
		out.Tags = tagsToWire(u.Tags)
		out.PermissionsBoundary = boundaryWire(u.Boundary)
	}
	return out
}

func boundaryWire(policyARN string) *iamapi.AttachedPermissionsBoundary {
	if policyARN == "" {
		return nil
	}
	return &iamapi.AttachedPermissionsBoundary{
		PermissionsBoundaryType: aws.String(iamapi.PermissionsBoundaryAttachmentTypePermissionsBoundaryPolicy),
		PermissionsBoundaryArn:  aws.String(policyARN),
	}
}

// CreateUser makes a user, optionally with tags and a permissions boundary.
func (s *Service) CreateUser(ctx context.Context, r *api.Request, in *iamapi.CreateUserRequest) (*iamapi.CreateUserResponse, error) {
	name := aws.ToString(in.UserName)
	if err := validName(name, "userName", maxUserName); err != nil {
		return nil, err
	}
	path, aerr := validPath(in.Path, "path")
	if aerr != nil {
		return nil, aerr
	}
	tags, aerr := tagsFromWire(in.Tags)
	if aerr != nil {
		return nil, aerr
	}
	if err := r.AuthorizeOn(nil, userEntity.created(r.AccountID, path, name, tags, in.PermissionsBoundary)); err != nil {
		return nil, err
	}
	u := &User{Account: r.AccountID, Name: name, ID: newUniqueID(userIDPrefix), Path: path, CreatedAt: r.Now.UTC(), Tags: tags}
	err := retry(func() error {
		key := entityKey(r.AccountID, kindUser, name)
		old, _, err := load[User](ctx, s.Store, key)
		if err != nil {
			return err
		}
		if old != nil {
			return alreadyExists("User with name %s already exists.", name)
		}
		t := s.Store.Txn()
		if in.PermissionsBoundary != nil {
			ref, err := s.boundary(ctx, r.AccountID, *in.PermissionsBoundary)
			if err != nil {
				return err
			}
			ref.adjust(t, 0, 1)
			u.Boundary = ref.ARN()
		}
		return t.Create(key, u).Commit(ctx) // encoded now: after Boundary is set
	})
	if err != nil {
		return nil, err
	}
	w := u.wire(true)
	return &iamapi.CreateUserResponse{User: &w}, nil
}

// boundary finds the policy named as a permissions boundary.
func (s *Service) boundary(ctx context.Context, account, policyARN string) (*policyRef, error) {
	if err := checkARN(policyARN, "permissionsBoundary"); err != nil {
		return nil, err
	}
	ref, err := s.findPolicy(ctx, account, policyARN)
	if err != nil {
		return nil, err
	}
	if ref == nil {
		return nil, noSuchEntity("Scope ARN: %s does not exist or is not attachable.", policyARN)
	}
	return ref, nil
}

// GetUser returns a user; without a name it returns the caller, which for
// the root is the root "user" (its id is the account id, it has no name).
func (s *Service) GetUser(ctx context.Context, r *api.Request, in *iamapi.GetUserRequest) (*iamapi.GetUserResponse, error) {
	name := aws.ToString(in.UserName)
	if in.UserName == nil {
		c := callerOf(r)
		switch {
		case c.root:
			if err := r.AuthorizeOn(nil, api.Resource{ARN: rootARN(r.AccountID)}); err != nil {
				return nil, err
			}
			return &iamapi.GetUserResponse{User: s.rootUser(ctx, r)}, nil
		case c.userName == "":
			return nil, validationError("Must specify userName when calling with non-User credentials")
		}
		name = c.userName
	}
	if err := validName(name, "userName", maxUserName); err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, r, userEntity, name, nil); err != nil {
		return nil, err
	}
	u, _, err := s.user(ctx, r.AccountID, name)
	if err != nil {
		return nil, err
	}
	w := u.wire(true)
	return &iamapi.GetUserResponse{User: &w}, nil
}

func (s *Service) rootUser(ctx context.Context, r *api.Request) *iamapi.User {
	u := &iamapi.User{UserId: aws.String(r.AccountID), Arn: aws.String("arn:aws:iam::" + r.AccountID + ":root")}
	if s.Accounts != nil {
		if a, err := s.Accounts.Get(ctx, r.AccountID); err == nil {
			u.CreateDate = aws.Time(a.CreatedAt)
		}
	}
	return u
}

// ListUsers lists the users whose path starts with PathPrefix, in name order.
func (s *Service) ListUsers(ctx context.Context, r *api.Request, in *iamapi.ListUsersRequest) (*iamapi.ListUsersResponse, error) {
	page, truncated, next, err := listByPath[User](ctx, s, r, kindUser, in.PathPrefix, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &iamapi.ListUsersResponse{Users: make([]iamapi.User, len(page)), IsTruncated: truncated, Marker: next}
	for i, u := range page {
		out.Users[i] = u.wire(false)
	}
	return out, nil
}

// UpdateUser renames a user or moves it to another path. The user keeps its
// id, keys, groups and policies.
func (s *Service) UpdateUser(ctx context.Context, r *api.Request, in *iamapi.UpdateUserRequest) (*awsquery.Empty, error) {
	name := aws.ToString(in.UserName)
	if err := validName(name, "userName", maxUserName); err != nil {
		return nil, err
	}
	newName := name
	if in.NewUserName != nil {
		newName = *in.NewUserName
		if err := validName(newName, "newUserName", maxUserName); err != nil {
			return nil, err
		}
	}
	var newPath string
	if in.NewPath != nil {
		p, aerr := validPath(in.NewPath, "newPath")
		if aerr != nil {
			return nil, aerr
		}
		newPath = p
	}
	if err := s.authorizeMove(ctx, r, userEntity, name, newName, newPath); err != nil {
		return nil, err
	}
	err := retry(func() error {
		u, rev, err := s.user(ctx, r.AccountID, name)
		if err != nil {
			return err
		}
		oldKey, newKey := entityKey(r.AccountID, kindUser, u.Name), entityKey(r.AccountID, kindUser, newName)
		u.Name = newName
		if newPath != "" {
			u.Path = newPath
		}
		t := s.Store.Txn()
		if oldKey == newKey {
			return t.Update(oldKey, rev, u).Commit(ctx)
		}
		other, _, err := load[User](ctx, s.Store, newKey)
		if err != nil {
			return err
		}
		if other != nil {
			return alreadyExists("User with name %s already exists.", newName)
		}
		t.Delete(oldKey, rev).Create(newKey, u)
		// The keys name their user: they follow the rename.
		for _, id := range u.AccessKeys {
			k, krev, err := load[AccessKey](ctx, s.Store, accessKeyKey(id))
			if err != nil {
				return err
			}
			if k != nil {
				k.UserName = newName
				t.Update(accessKeyKey(id), krev, k)
			}
		}
		return t.Commit(ctx)
	})
	if err != nil {
		return nil, err
	}
	return &awsquery.Empty{}, nil
}

// DeleteUser deletes a user that has no access keys, policies or groups left.
func (s *Service) DeleteUser(ctx context.Context, r *api.Request, in *iamapi.DeleteUserRequest) (*awsquery.Empty, error) {
	name := aws.ToString(in.UserName)
	if err := validName(name, "userName", maxUserName); err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, r, userEntity, name, nil); err != nil {
		return nil, err
	}
	err := retry(func() error {
		u, rev, err := s.user(ctx, r.AccountID, name)
		if err != nil {
			return err
		}
		switch {
		case len(u.AccessKeys) > 0:
			return deleteConflict("Cannot delete entity, must delete access keys first.")
		case len(u.Inline) > 0:
			return deleteConflict("Cannot delete entity, must delete policies first.")
		case len(u.Attached) > 0:
			return deleteConflict("Cannot delete entity, must detach all policies first.")
		case len(u.Groups) > 0:
			return deleteConflict("Cannot delete entity, must remove users from group first.")
		}
		t := s.Store.Txn().Delete(entityKey(r.AccountID, kindUser, u.Name), rev)
		if err := s.dropBoundary(ctx, t, r.AccountID, u.Boundary); err != nil {
			return err
		}
		return t.Commit(ctx)
	})
	if err != nil {
		return nil, err
	}
	return &awsquery.Empty{}, nil
}

// dropBoundary queues the decrement of a deleted entity's boundary policy.
func (s *Service) dropBoundary(ctx context.Context, t *store.Txn, account, policyARN string) error {
	if policyARN == "" {
		return nil
	}
	ref, err := s.findPolicy(ctx, account, policyARN)
	if err != nil || ref == nil { // a boundary policy cannot be deleted while in use
		return err
	}
	ref.adjust(t, 0, -1)
	return nil
}
