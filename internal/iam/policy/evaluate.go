package policy

// Request is one authorization question: may Principal perform Action on
// Resource, given the condition keys in Context?
type Request struct {
	// Principal is the caller's ARN (arn:aws:iam::111122223333:user/alice,
	// arn:aws:sts::111122223333:assumed-role/R/S, arn:aws:iam::111122223333:root),
	// or a service principal name (ec2.amazonaws.com) when a service acts.
	Principal string
	// Action is "service:Action"; matching is case-insensitive.
	Action string
	// Resource is the target's ARN, or "*" for actions without resource-level
	// permissions.
	Resource string
	// Context maps condition keys (aws:SourceIp, aws:username, ec2:ResourceTag/K…)
	// to their values; a multivalued key (aws:TagKeys) has several. Key names are
	// matched case-insensitively. Policy variables are resolved from it too.
	Context map[string][]string
}

// Decision is the outcome of evaluating a request.
type Decision int

const (
	// ImplicitDeny: nothing allowed the request (or a required policy set did not).
	ImplicitDeny Decision = iota
	// Allow: every required policy set allowed the request and nothing denied it.
	Allow
	// ExplicitDeny: a Deny statement matched; nothing can override it.
	ExplicitDeny
)

// String returns the decision as IAM's policy simulator names it.
func (d Decision) String() string {
	switch d {
	case Allow:
		return "allowed"
	case ExplicitDeny:
		return "explicitDeny"
	}
	return "implicitDeny"
}

// Evaluate applies AWS's evaluation logic to one request within one account:
// an explicit Deny in any policy wins; otherwise the request must be allowed by
// the identity policies, and by at least one session policy when there are any
// (an empty session list means the session carries none), and by the
// permissions boundary when boundary is non-nil; otherwise it is implicitly
// denied. It returns the deciding statement: the Deny, or the identity policy
// statement that allowed; nil for an implicit deny. Nil documents are skipped.
func Evaluate(req *Request, identity []*Document, session []*Document, boundary *Document) (Decision, *Statement) {
	var allowed, sessionAllowed, boundaryAllowed *Statement
	for _, d := range identity {
		deny, allow := d.scan(req, allowed == nil)
		if deny != nil {
			return ExplicitDeny, deny
		}
		if allowed == nil {
			allowed = allow
		}
	}
	for _, d := range session {
		deny, allow := d.scan(req, sessionAllowed == nil)
		if deny != nil {
			return ExplicitDeny, deny
		}
		if sessionAllowed == nil {
			sessionAllowed = allow
		}
	}
	if boundary != nil {
		deny, allow := boundary.scan(req, true)
		if deny != nil {
			return ExplicitDeny, deny
		}
		boundaryAllowed = allow
	}
	if allowed == nil ||
		len(session) > 0 && sessionAllowed == nil ||
		boundary != nil && boundaryAllowed == nil {
		return ImplicitDeny, nil
	}
	return Allow, allowed
}

// AllowsPrincipal reports whether a trust policy (or any policy whose
// statements name principals) lets req.Principal perform req.Action, usually
// sts:AssumeRole: some Allow statement matches and no Deny statement does.
func AllowsPrincipal(trust *Document, req *Request) bool {
	deny, allow := trust.scan(req, true)
	return deny == nil && allow != nil
}

// scan returns the first matching Deny statement, and otherwise, when wantAllow,
// the first matching Allow statement. Allow statements are skipped when the
// caller already has one: only a Deny could still change the outcome.
func (d *Document) scan(req *Request, wantAllow bool) (deny, allow *Statement) {
	if d == nil {
		return nil, nil
	}
	for i := range d.Statements {
		s := &d.Statements[i]
		if !s.c.deny && (!wantAllow || allow != nil) {
			continue
		}
		if !s.applies(req) {
			continue
		}
		if s.c.deny {
			return s, nil
		}
		allow = s
	}
	return nil, allow
}

// compiledStatement is what Parse precomputes for matching a statement.
type compiledStatement struct {
	ok          bool // built by Parse; hand-built statements match nothing
	deny        bool
	notAction   bool
	actions     []pattern
	anyResource bool // no Resource or NotResource element (trust policies)
	notResource bool
	resources   []pattern
}

func (s *Statement) compile(vars bool) {
	c := compiledStatement{ok: true, deny: s.Effect == "Deny"}
	actions := s.Action
	if s.NotAction != nil {
		c.notAction, actions = true, s.NotAction
	}
	for _, a := range actions {
		// Actions take no policy variables; their case does not matter.
		c.actions = append(c.actions, compilePattern(a, false, true, false))
	}
	resources := s.Resource
	switch {
	case s.NotResource != nil:
		c.notResource, resources = true, s.NotResource
	case s.Resource == nil:
		c.anyResource = true
	}
	for _, r := range resources {
		c.resources = append(c.resources, compilePattern(r, vars, false, true))
	}
	for i := range s.Condition {
		s.Condition[i].compile(vars)
	}
	if s.Principal != nil {
		s.Principal.compile()
	}
	if s.NotPrincipal != nil {
		s.NotPrincipal.compile()
	}
	s.c = c
}

// applies reports whether the statement covers the request: action, resource,
// principal and conditions all match.
func (s *Statement) applies(req *Request) bool {
	c := &s.c
	if !c.ok {
		return false
	}
	if matchAny(c.actions, req.Action, nil) == c.notAction {
		return false
	}
	if !c.anyResource && matchAny(c.resources, req.Resource, req.Context) == c.notResource {
		return false
	}
	if s.Principal != nil && !s.Principal.c.matches(req.Principal) {
		return false
	}
	if s.NotPrincipal != nil && s.NotPrincipal.c.excludes(req.Principal) {
		return false
	}
	return s.Condition.holds(req.Context)
}

func matchAny(pats []pattern, s string, ctx map[string][]string) bool {
	for i := range pats {
		if pats[i].match(s, ctx) {
			return true
		}
	}
	return false
}
