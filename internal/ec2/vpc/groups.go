package vpc

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/store"
)

// Limits of the security group API, as AWS's default quotas.
const (
	// DefaultRulesPerGroup is the number of inbound (or outbound) rules a
	// group may have unless Service.RulesPerGroup says otherwise, counted
	// separately for IPv4 and IPv6 peers; a group peer counts for both.
	DefaultRulesPerGroup = 60
	// MaxRulesPerGroup is the highest quota AWS grants: rules per group
	// times groups per interface may not exceed 1,000.
	MaxRulesPerGroup = 1000
	maxTextLen       = 255
)

// groupNameIndex maps a group name in a VPC to the group's id; creating it in
// the transaction that creates the group makes names unique per VPC.
type groupNameIndex struct {
	ID string `json:"id"`
}

func groupNameKey(region, account, vpcID, name string) string {
	return store.Key("securitygroup-name", region, account, vpcID, name)
}

// allEgress is the rule every new group starts with.
func allEgress() Rule {
	return Rule{ID: RuleKind.NewID(), Protocol: "-1", FromPort: -1, ToPort: -1, CIDRv4: "0.0.0.0/0"}
}

// GroupsByID returns every security group of the account in the region by id;
// the host agent renders rules, resolving group peers, from it.
func (s *Service) GroupsByID(ctx context.Context, region, account string) (map[string]*SecurityGroup, error) {
	gs, err := s.Groups(ctx, region, account)
	if err != nil {
		return nil, err
	}
	out := make(map[string]*SecurityGroup, len(gs))
	for i := range gs {
		out[gs[i].ID] = &gs[i]
	}
	return out, nil
}

// groupByName returns the group with the name in the VPC, or InvalidGroup.NotFound.
func (s *Service) groupByName(ctx context.Context, region, account, vpcID, name string) (*SecurityGroup, error) {
	groups, err := s.Groups(ctx, region, account)
	if err != nil {
		return nil, err
	}
	for i := range groups {
		if groups[i].VPCID == vpcID && groups[i].Name == name {
			return &groups[i], nil
		}
	}
	return nil, awserr.BadRequest("InvalidGroup.NotFound", "The security group '%s' does not exist in VPC '%s'", name, vpcID)
}

// resolveGroup returns the group a request names by GroupId or, in the default
// VPC, by GroupName.
func (s *Service) resolveGroup(ctx context.Context, region, account, id, name string) (*SecurityGroup, error) {
	if id != "" {
		return s.GetGroup(ctx, region, account, id)
	}
	if name == "" {
		return nil, awserr.MissingParameter("groupId or groupName")
	}
	def, err := s.EnsureDefault(ctx, region, account)
	if err != nil {
		return nil, err
	}
	g, err := s.groupByName(ctx, region, account, def.ID, name)
	if err != nil {
		return nil, awserrGroupName(name)
	}
	return g, nil
}

// updateGroup applies change to the stored group and writes it back, retrying
// when the group changed meanwhile. A change that returns an error writes nothing.
func (s *Service) updateGroup(ctx context.Context, region, account, id string, change func(*SecurityGroup) error) (*SecurityGroup, error) {
	key := GroupKind.Key(region, account, id)
	for attempt := 0; ; attempt++ {
		var g SecurityGroup
		rev, err := s.Store.Get(ctx, key, &g)
		if errors.Is(err, store.ErrNotFound) {
			return nil, awserr.BadRequest(GroupKind.NotFound, "The security group '%s' does not exist", id)
		}
		if err != nil {
			return nil, err
		}
		g.upgrade()
		if err := change(&g); err != nil {
			return nil, err
		}
		g.Revision++
		err = s.Store.Txn().Update(key, rev, &g).Commit(ctx)
		if errors.Is(err, store.ErrConflict) {
			if attempt == 10 {
				return nil, awserr.New(http.StatusServiceUnavailable, "RequestLimitExceeded", "The security group is being modified concurrently; retry.")
			}
			continue
		}
		if err != nil {
			return nil, err
		}
		s.changed()
		return &g, nil
	}
}

// validText checks a group name or description, or a rule description: at most
// 255 characters of a-zA-Z0-9, spaces and ._-:/()#,@[]+=&;{}!$*, as AWS allows
// in a VPC.
func validText(s string) bool {
	if len(s) > maxTextLen {
		return false
	}
	for _, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == ' ' || strings.ContainsRune("._-:/()#,@[]+=&;{}!$*", c):
		default:
			return false
		}
	}
	return true
}
