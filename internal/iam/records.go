package iam

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/kumo-cloud/kumo/internal/store"
)

// The records IAM keeps per account in etcd. IAM is global, so keys carry no
// region: /kumo/iam/ACCOUNT/KIND/lower-case-name, which makes names unique
// without regard to case and lists come out in name order. Access keys live
// under /kumo/iam/accesskey/AKID, found by id alone when a request is signed.
const (
	kindUser    = "user"
	kindGroup   = "group"
	kindRole    = "role"
	kindPolicy  = "policy"
	kindProfile = "instanceprofile"
	kindAWSUse  = "awspolicy" // this account's use of an AWS managed policy
)

// Tag is a key and value on a user, role, policy or instance profile.
type Tag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// InlinePolicy is a policy embedded in one user, group or role.
type InlinePolicy struct {
	Name     string `json:"name"`
	Document string `json:"document"`
}

// Permissions are the identity policies a user, group or role carries itself.
type Permissions struct {
	Inline []InlinePolicy `json:"inline,omitempty"`
	// Attached are the ARNs of the attached managed policies, in attach order.
	Attached []string `json:"attached,omitempty"`
}

func (p *Permissions) perms() *Permissions { return p }

// inline returns the inline policy called name, or nil.
func (p *Permissions) inline(name string) *InlinePolicy {
	for i := range p.Inline {
		if p.Inline[i].Name == name {
			return &p.Inline[i]
		}
	}
	return nil
}

// User is an IAM user.
type User struct {
	Account   string    `json:"account"`
	Name      string    `json:"name"`
	ID        string    `json:"id"`
	Path      string    `json:"path"`
	CreatedAt time.Time `json:"createdAt"`
	Tags      []Tag     `json:"tags,omitempty"`
	Permissions
	// Boundary is the ARN of the permissions boundary policy, if any.
	Boundary string `json:"boundary,omitempty"`
	// Groups are the names of the groups the user belongs to.
	Groups []string `json:"groups,omitempty"`
	// AccessKeys are the ids of the user's access keys.
	AccessKeys []string `json:"accessKeys,omitempty"`
}

// ARN returns arn:aws:iam::ACCOUNT:user/PATH/NAME.
func (u *User) ARN() string { return arn(u.Account, "user", u.Path, u.Name) }

// Group is an IAM group.
type Group struct {
	Account   string    `json:"account"`
	Name      string    `json:"name"`
	ID        string    `json:"id"`
	Path      string    `json:"path"`
	CreatedAt time.Time `json:"createdAt"`
	Permissions
}

// ARN returns arn:aws:iam::ACCOUNT:group/PATH/NAME.
func (g *Group) ARN() string { return arn(g.Account, "group", g.Path, g.Name) }

// Role is an IAM role.
type Role struct {
	Account   string    `json:"account"`
	Name      string    `json:"name"`
	ID        string    `json:"id"`
	Path      string    `json:"path"`
	CreatedAt time.Time `json:"createdAt"`
	Tags      []Tag     `json:"tags,omitempty"`
	Permissions
	// Trust is the assume-role policy document as it was sent.
	Trust              string `json:"trust"`
	Description        string `json:"description,omitempty"`
	MaxSessionDuration int    `json:"maxSessionDuration"`
	Boundary           string `json:"boundary,omitempty"`
}

// ARN returns arn:aws:iam::ACCOUNT:role/PATH/NAME.
func (r *Role) ARN() string { return arn(r.Account, "role", r.Path, r.Name) }

// InstanceProfile carries at most one role to the instances launched with it.
type InstanceProfile struct {
	Account   string    `json:"account"`
	Name      string    `json:"name"`
	ID        string    `json:"id"`
	Path      string    `json:"path"`
	CreatedAt time.Time `json:"createdAt"`
	Tags      []Tag     `json:"tags,omitempty"`
	// Roles are the names of the profile's roles (at most one).
	Roles []string `json:"roles,omitempty"`
}

// ARN returns arn:aws:iam::ACCOUNT:instance-profile/PATH/NAME.
func (p *InstanceProfile) ARN() string { return arn(p.Account, "instance-profile", p.Path, p.Name) }

// Policy is a managed policy: one of the account's own or, with Account
// "aws", one of the AWS managed policies.
type Policy struct {
	Account     string    `json:"account"`
	Name        string    `json:"name"`
	ID          string    `json:"id"`
	Path        string    `json:"path"`
	Description string    `json:"description,omitempty"`
	CreatedAt   time.Time `json:"createdAt"`
	UpdatedAt   time.Time `json:"updatedAt"`
	Tags        []Tag     `json:"tags,omitempty"`
	// DefaultVersion is the id of the version in force, e.g. "v2".
	DefaultVersion string `json:"defaultVersion"`
	// Versions are oldest first; NextVersion numbers the next one made.
	Versions    []PolicyVersion `json:"versions"`
	NextVersion int             `json:"nextVersion"`
	// Attachments counts the users, groups and roles the policy is attached
	// to; BoundaryUses those it is the permissions boundary of.
	Attachments  int `json:"attachments"`
	BoundaryUses int `json:"boundaryUses,omitempty"`
}

// ARN returns arn:aws:iam::ACCOUNT:policy/PATH/NAME.
func (p *Policy) ARN() string { return arn(p.Account, "policy", p.Path, p.Name) }

// Document returns the default version's document.
func (p *Policy) Document() string {
	if v := p.version(p.DefaultVersion); v != nil {
		return v.Document
	}
	return ""
}

func (p *Policy) version(id string) *PolicyVersion {
	for i := range p.Versions {
		if p.Versions[i].ID == id {
			return &p.Versions[i]
		}
	}
	return nil
}

// PolicyVersion is one version of a managed policy.
type PolicyVersion struct {
	ID        string    `json:"id"`
	Document  string    `json:"document"`
	CreatedAt time.Time `json:"createdAt"`
}

// awsUse is how one account uses an AWS managed policy, which is shared by
// every account and so cannot carry per-account counts itself.
type awsUse struct {
	Attachments  int `json:"attachments"`
	BoundaryUses int `json:"boundaryUses,omitempty"`
}

// AccessKey is a long-term credential of an IAM user.
type AccessKey struct {
	ID        string    `json:"id"`
	Secret    string    `json:"secret"`
	Account   string    `json:"account"`
	UserName  string    `json:"userName"`
	Status    string    `json:"status"` // Active | Inactive
	CreatedAt time.Time `json:"createdAt"`
	// LastUsed, LastService and LastRegion are when and where the key last
	// signed a request (see NoteAccessKeyUse).
	LastUsed    *time.Time `json:"lastUsed,omitempty"`
	LastService string     `json:"lastService,omitempty"`
	LastRegion  string     `json:"lastRegion,omitempty"`
}

// Active reports whether the key may sign requests.
func (k *AccessKey) Active() bool { return k.Status == statusActive }

const (
	statusActive   = "Active"
	statusInactive = "Inactive"
)

func entityKey(account, kind, name string) string {
	return store.Key("iam", account, kind, nameKey(name))
}

func entityPrefix(account, kind string) string { return store.Key("iam", account, kind) + "/" }

func accessKeyKey(id string) string { return store.Key("iam", "accesskey", id) }

// load reads the record at key; it returns nil (and no error) when there is none.
func load[T any](ctx context.Context, st *store.Store, key string) (*T, int64, error) {
	v := new(T)
	rev, err := st.Get(ctx, key, v)
	if errors.Is(err, store.ErrNotFound) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, err
	}
	return v, rev, nil
}

// listAll returns every record of a kind in an account, in name order.
func listAll[T any](ctx context.Context, st *store.Store, account, kind string) ([]*T, error) {
	vals, err := store.ListAll[T](ctx, st, entityPrefix(account, kind))
	if err != nil {
		return nil, err
	}
	out := make([]*T, len(vals))
	for i := range vals {
		out[i] = &vals[i]
	}
	return out, nil
}

// maxAttempts bounds the optimistic retries of one write.
const maxAttempts = 64

// retry runs fn until its transaction commits without losing a race.
func retry(fn func() error) error {
	for range maxAttempts {
		if err := fn(); !errors.Is(err, store.ErrConflict) {
			return err
		}
	}
	return fmt.Errorf("iam: write kept conflicting after %d attempts", maxAttempts)
}

func remove(xs []string, x string) []string {
	return slices.DeleteFunc(slices.Clone(xs), func(y string) bool { return y == x })
}
