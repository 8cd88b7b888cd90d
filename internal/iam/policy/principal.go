package policy

import "strings"

// compiledPrincipals sorts a Principal element's entries by how they match.
type compiledPrincipals struct {
	any      bool
	accounts []string  // account IDs (from "123456789012" or the account's root ARN)
	arns     []string  // principals matched by exact ARN
	roles    []roleRef // role ARNs, which also stand for the role's sessions
	others   []string  // Service, Federated and CanonicalUser entries, matched exactly
}

type roleRef struct{ account, name string }

func (p *Principals) compile() {
	c := compiledPrincipals{any: p.Wildcard}
	for _, a := range p.AWS {
		switch {
		case a == "*":
			c.any = true
		case isAccountID(a):
			c.accounts = append(c.accounts, a)
		default:
			acct, res, service, ok := splitARN(a)
			switch {
			case ok && service == "iam" && res == "root":
				c.accounts = append(c.accounts, acct)
			case ok && service == "iam" && strings.HasPrefix(res, "role/"):
				name := res[strings.LastIndexByte(res, '/')+1:]
				c.roles = append(c.roles, roleRef{account: acct, name: name})
				c.arns = append(c.arns, a)
			default:
				c.arns = append(c.arns, a)
			}
		}
	}
	c.others = append(c.others, p.Service...)
	c.others = append(c.others, p.Federated...)
	c.others = append(c.others, p.CanonicalUser...)
	p.c = c
}

// matches reports whether a Principal element names the caller: everyone, the
// caller's account (which names every principal in it), the caller's own ARN,
// the role whose session the caller is, or the caller's service or provider.
func (c *compiledPrincipals) matches(caller string) bool {
	if c.any || contains(c.others, caller) {
		return true
	}
	acct, res, service, ok := splitARN(caller)
	if !ok {
		return false
	}
	if contains(c.accounts, acct) || contains(c.arns, caller) {
		return true
	}
	if role, ok := sessionRole(service, res); ok {
		for _, r := range c.roles {
			if r.account == acct && r.name == role {
				return true
			}
		}
	}
	return false
}

// excludes reports whether a NotPrincipal element leaves the caller out. Its
// entries match literally: as the IAM User Guide requires, a user is excluded
// only when both the user and its account are listed, and a role session only
// when the session, the role and the account all are.
func (c *compiledPrincipals) excludes(caller string) bool {
	if c.any || contains(c.others, caller) {
		return true
	}
	acct, res, service, ok := splitARN(caller)
	if !ok || !contains(c.accounts, acct) {
		return false
	}
	if service == "iam" && res == "root" {
		return true
	}
	if !contains(c.arns, caller) {
		return false
	}
	if role, ok := sessionRole(service, res); ok {
		for _, r := range c.roles {
			if r.account == acct && r.name == role {
				return true
			}
		}
		return false
	}
	return true
}

// sessionRole returns R for an sts assumed-role/R/S resource.
func sessionRole(service, res string) (string, bool) {
	rest, ok := strings.CutPrefix(res, "assumed-role/")
	if service != "sts" || !ok {
		return "", false
	}
	role, _, ok := strings.Cut(rest, "/")
	return role, ok
}

// splitARN returns an ARN's account, resource and service.
func splitARN(arn string) (account, resource, service string, ok bool) {
	rest, ok := strings.CutPrefix(arn, "arn:")
	if !ok {
		return "", "", "", false
	}
	var f [4]string
	for i := range f {
		j := strings.IndexByte(rest, ':')
		if j < 0 {
			return "", "", "", false
		}
		f[i], rest = rest[:j], rest[j+1:]
	}
	return f[3], rest, f[1], true
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

// principalError returns IAM's message for a Principal entry it cannot resolve
// to a principal, or "". Whether a named user or role exists is for the caller
// to check: IAM rejects those with the same message.
func principalError(p *Principals) string {
	for _, a := range p.AWS {
		if !validAWSPrincipal(a) {
			return `Invalid principal in policy: "AWS":"` + a + `"`
		}
	}
	for _, group := range []struct {
		name string
		list []string
	}{{"Service", p.Service}, {"Federated", p.Federated}, {"CanonicalUser", p.CanonicalUser}} {
		for _, v := range group.list {
			if v == "" || v != "*" && strings.ContainsAny(v, "*?") {
				return `Invalid principal in policy: "` + group.name + `":"` + v + `"`
			}
		}
	}
	return ""
}

func validAWSPrincipal(a string) bool {
	if a == "*" || isAccountID(a) || isUniqueID(a) {
		return true
	}
	if strings.ContainsAny(a, "*?") {
		return false
	}
	acct, res, service, ok := splitARN(a)
	if !ok || !isAccountID(acct) {
		return false
	}
	part, _, _ := strings.Cut(a[len("arn:"):], ":")
	if !partitions[part] {
		return false
	}
	switch service {
	case "iam":
		return res == "root" || strings.HasPrefix(res, "user/") || strings.HasPrefix(res, "role/")
	case "sts":
		_, isSession := sessionRole(service, res)
		return isSession || strings.HasPrefix(res, "federated-user/")
	}
	return false
}

// isUniqueID recognises IAM unique IDs (AIDA…, AROA…), which IAM shows in a trust
// policy whose principal was deleted and accepts back.
func isUniqueID(s string) bool {
	if len(s) < 16 || len(s) > 128 || s[0] != 'A' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}
