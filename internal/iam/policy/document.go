package policy

// Kind says what a policy document is attached to, which decides the elements it
// must and must not carry.
type Kind int

const (
	// Identity is a policy attached to a user, group or role (an inline policy),
	// a session policy or a permissions boundary. It must not name a Principal.
	// As IAM does for inline policies, it accepts a missing Version (2008-10-17).
	Identity Kind = iota
	// Trust is a role's trust policy (AssumeRolePolicyDocument): every statement
	// needs a Principal and none may have a Resource.
	Trust
	// Resource is a resource-based policy: every statement needs a Principal.
	Resource
	// Managed is an identity policy stored as a managed policy (CreatePolicy,
	// CreatePolicyVersion). IAM also requires Version 2012-10-17 for those.
	Managed
)

// String returns the kind's name.
func (k Kind) String() string {
	switch k {
	case Identity:
		return "identity"
	case Trust:
		return "trust"
	case Resource:
		return "resource"
	case Managed:
		return "managed"
	}
	return "unknown"
}

// The two policy language versions IAM accepts.
const (
	Version2012 = "2012-10-17"
	Version2008 = "2008-10-17"
)

// Document is a parsed, validated policy. Build one with Parse: the zero value and
// hand-built values lack the compiled matchers and match nothing.
type Document struct {
	// Version is the Version element as written; empty when absent (2008-10-17
	// semantics: no policy variables).
	Version    string
	ID         string
	Statements []Statement
}

// Statement is one element of a policy's Statement list. String-or-list elements
// are normalised to lists; an element that is absent is nil.
type Statement struct {
	Sid    string
	Effect string // "Allow" or "Deny"

	Action, NotAction     []string
	Resource, NotResource []string

	Principal, NotPrincipal *Principals
	Condition               Conditions

	c compiledStatement
}

// Principals is a Principal or NotPrincipal element.
type Principals struct {
	// Wildcard is true for "Principal": "*" (everyone, like {"AWS": "*"}).
	Wildcard bool

	AWS           []string // account IDs, account root ARNs, user/role/session ARNs, "*"
	Service       []string // e.g. "ec2.amazonaws.com"
	Federated     []string // identity provider ARNs or names
	CanonicalUser []string

	c compiledPrincipals
}

// Conditions is a statement's Condition element, one entry per operator and key,
// sorted by operator then key. All entries must hold for the statement to apply.
type Conditions []Condition

// Condition is one operator/key pair of a Condition element, with the key's
// values (ORed, or NORed for negated operators).
type Condition struct {
	// Operator as written, with any ForAnyValue:/ForAllValues: prefix and IfExists
	// suffix, e.g. "ForAllValues:StringLikeIfExists".
	Operator string
	Key      string
	// Values as written; JSON numbers and booleans are kept as their JSON text.
	Values []string

	c compiledCondition
}

// ParseError is a policy IAM would refuse. Its Error text is the message IAM puts
// in a MalformedPolicyDocument error, verbatim (so, unlike Go error strings,
// capitalised and punctuated as AWS sends it).
type ParseError struct {
	Message string
}

// Error returns IAM's message.
func (e *ParseError) Error() string { return e.Message }

func malformed(msg string) *ParseError { return &ParseError{Message: msg} }

// The messages IAM sends that do not depend on the document's content.
const (
	msgSyntax          = "Syntax errors in policy."
	msgVersion         = "Policy document must be version 2012-10-17 or greater."
	msgLegacy          = "The policy failed legacy parsing"
	msgSidUnique       = "Statement IDs (SID) in a single policy must be unique."
	msgSidFormat       = "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*"
	msgNoActions       = "Policy statement must contain actions."
	msgNoResources     = "Policy statement must contain resources."
	msgNoPrincipalHere = "Policy document should not specify a principal."
	msgTrustResource   = "Has prohibited field Resource"
	msgTrustNoPrinc    = "Invalid principal in policy: com.amazon.balsa.error.InvalidPolicyException: The passed in policy has a statement with no principals!"
	msgResNoPrincipal  = "Missing required field Principal"
	msgVendorMissing   = "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."
	msgActionColons    = "Actions/Condition can contain only one colon."
	msgVendorRegexes   = "Resource vendor must be fully qualified and cannot contain regexes."
)
