package iam

import (
	"strings"
	"unicode"

	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/iam/policy"
)

// Policy size quotas, in characters not counting white space, as IAM counts.
const (
	maxManagedPolicySize = 6144
	maxUserInlineSize    = 2048
	maxGroupInlineSize   = 5120
	maxRoleInlineSize    = 10240
	maxTrustPolicySize   = 2048
	maxDocumentLen       = 131072
)

// parseDocument validates a policy document sent as member with the policy
// engine's parser; a bad one is MalformedPolicyDocument with the parser's text.
func parseDocument(doc, member string, kind policy.Kind) (*policy.Document, *awserr.Error) {
	if doc == "" {
		return nil, constraint(doc, member, "Member must have length greater than or equal to 1")
	}
	if len(doc) > maxDocumentLen {
		return nil, constraint("...", member, "Member must have length less than or equal to 131072")
	}
	d, err := policy.Parse(doc, kind)
	if err != nil {
		return nil, malformedPolicy("%s", err.Error())
	}
	return d, nil
}

// policySize is a document's size as IAM's quotas count it.
func policySize(doc string) int {
	n := 0
	for _, r := range doc {
		if !unicode.IsSpace(r) {
			n++
		}
	}
	return n
}

// encodeDocument percent-encodes a document as IAM returns documents:
// RFC 3986, every byte but the unreserved characters escaped.
func encodeDocument(doc string) string {
	const hex = "0123456789ABCDEF"
	var sb strings.Builder
	sb.Grow(len(doc) * 2)
	for i := 0; i < len(doc); i++ {
		c := doc[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			sb.WriteByte(c)
			continue
		}
		sb.WriteByte('%')
		sb.WriteByte(hex[c>>4])
		sb.WriteByte(hex[c&15])
	}
	return sb.String()
}
