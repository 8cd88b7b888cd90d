package iam

import (
	"strconv"
	"strings"

	"github.com/kumo-cloud/kumo/internal/awserr"
)

// IAM names (users, groups, roles, policies, instance profiles, inline
// policies) are 1..max characters of [\w+=,.@-], unique within their
// namespace without regard to case.
const namePattern = `[\w+=,.@-]+`

// Name lengths from the IAM model.
const (
	maxUserName    = 64
	maxRoleName    = 64
	maxGroupName   = 128
	maxPolicyName  = 128
	maxProfileName = 128
	maxPathLen     = 512
	maxDescription = 1000
)

func isNameChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		strings.IndexByte("_+=,.@-", c) >= 0
}

// validName checks value, sent as member, against IAM's name rules.
func validName(value, member string, max int) *awserr.Error {
	if value == "" {
		return nullMember(member)
	}
	if len(value) > max {
		return constraint(value, member, "Member must have length less than or equal to "+strconv.Itoa(max))
	}
	for i := 0; i < len(value); i++ {
		if !isNameChar(value[i]) {
			return constraint(value, member, "Member must satisfy regular expression pattern: "+namePattern)
		}
	}
	return nil
}

// nameKey is the store key part of a name: names are unique case-insensitively.
func nameKey(name string) string { return strings.ToLower(name) }

// validPath checks an entity path and returns it, "/" when unset. A path is
// "/" or "/" + printable ASCII + "/".
func validPath(p *string, member string) (string, *awserr.Error) {
	if p == nil {
		return "/", nil
	}
	path := *p
	if path == "" {
		return "", constraint(path, member, "Member must have length greater than or equal to 1")
	}
	if len(path) > maxPathLen {
		return "", constraint(path, member, "Member must have length less than or equal to 512")
	}
	// "/" alone, or "/" + one or more printable characters + "/".
	if path != "/" && (len(path) < 3 || path[0] != '/' || path[len(path)-1] != '/' || !printable(path)) {
		return "", validationError("The specified value for %s is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters.", member)
	}
	return path, nil
}

// validPathPrefix checks a PathPrefix filter and returns it, "/" when unset.
func validPathPrefix(p *string) (string, *awserr.Error) {
	if p == nil {
		return "/", nil
	}
	prefix := *p
	if prefix == "" {
		return "", constraint(prefix, "pathPrefix", "Member must have length greater than or equal to 1")
	}
	if len(prefix) > maxPathLen {
		return "", constraint(prefix, "pathPrefix", "Member must have length less than or equal to 512")
	}
	if prefix[0] != '/' || !printable(prefix) {
		return "", constraint(prefix, "pathPrefix", `Member must satisfy regular expression pattern: \u002F[\u0021-\u007F]*`)
	}
	return prefix, nil
}

func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// validDescription checks a role or policy description.
func validDescription(d *string, member string) *awserr.Error {
	if d != nil && len([]rune(*d)) > maxDescription {
		return constraint(*d, member, "Member must have length less than or equal to 1000")
	}
	return nil
}
