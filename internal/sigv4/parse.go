package sigv4

import (
	"encoding/hex"
	"strings"
	"time"
)

const (
	// algorithm is the only signing algorithm Kumo accepts. SigV4a
	// (AWS4-ECDSA-P256-SHA256) is for multi-region endpoints Kumo does not have.
	algorithm = "AWS4-HMAC-SHA256"
	// scopeTerminator ends every credential scope.
	scopeTerminator = "aws4_request"
	// amzDateFormat is the ISO 8601 basic format of X-Amz-Date.
	amzDateFormat = "20060102T150405Z"
	// scopeDateFormat is the date component of the credential scope.
	scopeDateFormat = "20060102"
)

// credential is the Credential= value: who signed, and the scope the signing
// key was derived for.
type credential struct {
	AccessKeyID string
	Date        string // YYYYMMDD
	Region      string
	Service     string
}

// scope returns the credential scope as it appears in the string to sign.
func (c credential) scope() string {
	return c.Date + "/" + c.Region + "/" + c.Service + "/" + scopeTerminator
}

// authorization is what a signature claims, from the Authorization header or
// from the X-Amz-* query parameters of a presigned URL.
type authorization struct {
	Credential credential
	// SignedHeaders are in the order the client listed them, because that order
	// is part of what it signed.
	SignedHeaders []string
	// Signature is the decoded 32-byte HMAC, so comparison ignores hex case.
	Signature []byte
}

// parseAuthorization parses an Authorization header value:
//
//	AWS4-HMAC-SHA256 Credential=AKID/20240102/us-east-1/ec2/aws4_request, SignedHeaders=host;x-amz-date, Signature=<64 hex>
//
// It is as tolerant as AWS of spacing around the separators and of the order
// of the components, and ignores components it does not know.
func parseAuthorization(h string) (authorization, error) {
	h = strings.TrimSpace(h)
	alg, rest := h, ""
	if i := strings.IndexAny(h, " \t"); i >= 0 {
		alg, rest = h[:i], h[i+1:]
	}
	if alg != algorithm {
		if i := strings.IndexAny(alg, "\t,="); i >= 0 {
			alg = alg[:i]
		}
		return authorization{}, malformedf("Unsupported AWS 'algorithm': '%s'.", clip(alg))
	}
	var cred, signed, sig string
	var seen [3]bool
	for part := range strings.SplitSeq(rest, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue // "a=1, ,b=2" and a trailing comma are harmless
		}
		key, value, ok := strings.Cut(part, "=")
		if !ok {
			return authorization{}, malformedf("Authorization header requires each component to be of the form key=value. Found '%s'.", clip(part))
		}
		key, value = strings.TrimSpace(key), strings.TrimSpace(value)
		var slot *string
		var i int
		switch key {
		case "Credential":
			slot, i = &cred, 0
		case "SignedHeaders":
			slot, i = &signed, 1
		case "Signature":
			slot, i = &sig, 2
		default:
			continue
		}
		if seen[i] {
			return authorization{}, malformedf("Authorization header has more than one '%s' component.", key)
		}
		seen[i], *slot = true, value
	}
	var missing strings.Builder
	for i, name := range [3]string{"Credential", "SignedHeaders", "Signature"} {
		if !seen[i] {
			missing.WriteString("Authorization header requires '" + name + "' parameter. ")
		}
	}
	if missing.Len() > 0 {
		return authorization{}, malformedf("%sAuthorization=%s", missing.String(), clip(h))
	}
	return buildAuthorization(cred, signed, sig)
}

// buildAuthorization validates the three components shared by the header and
// the presigned form.
func buildAuthorization(cred, signed, sig string) (authorization, error) {
	c, err := parseCredential(cred)
	if err != nil {
		return authorization{}, err
	}
	names, err := parseSignedHeaders(signed)
	if err != nil {
		return authorization{}, err
	}
	sum, err := parseSignature(sig)
	if err != nil {
		return authorization{}, err
	}
	return authorization{Credential: c, SignedHeaders: names, Signature: sum}, nil
}

// parseCredential parses AKID/YYYYMMDD/REGION/SERVICE/aws4_request.
func parseCredential(s string) (credential, error) {
	parts := strings.Split(s, "/")
	if len(parts) != 5 {
		return credential{}, malformedf("Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '%s'.", clip(s))
	}
	c := credential{AccessKeyID: parts[0], Date: parts[1], Region: parts[2], Service: parts[3]}
	if c.AccessKeyID == "" {
		return credential{}, malformedf("Credential has an empty access key id.")
	}
	if len(c.Date) != len(scopeDateFormat) {
		return credential{}, malformedf("Credential date '%s' is not of the form YYYYMMDD.", clip(c.Date))
	}
	if _, err := time.Parse(scopeDateFormat, c.Date); err != nil {
		return credential{}, malformedf("Credential date '%s' is not of the form YYYYMMDD.", clip(c.Date))
	}
	if c.Region == "" {
		return credential{}, malformedf("Credential should be scoped to a valid region.")
	}
	if c.Service == "" {
		return credential{}, malformedf("Credential should be scoped to a valid service.")
	}
	if parts[4] != scopeTerminator {
		return credential{}, malformedf("Credential should be scoped with a valid terminator: '%s', not '%s'.", scopeTerminator, clip(parts[4]))
	}
	return c, nil
}

// parseSignedHeaders parses "a;b;c". Names must already be lowercase: the
// client lowercased them when it signed, and lowercasing here would sign
// something other than what it sent.
func parseSignedHeaders(s string) ([]string, error) {
	if s == "" {
		return nil, malformedf("SignedHeaders must not be empty.")
	}
	names := strings.Split(s, ";")
	seen := make(map[string]bool, len(names))
	for _, n := range names {
		if n == "" || !isLowerToken(n) {
			return nil, malformedf("SignedHeaders '%s' must be lowercase header names separated by ';'.", clip(s))
		}
		if seen[n] {
			return nil, malformedf("SignedHeaders lists '%s' more than once.", clip(n))
		}
		seen[n] = true
	}
	return names, nil
}

// parseSignature decodes the 64 hex digits of an HMAC-SHA256.
func parseSignature(s string) ([]byte, error) {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 32 {
		return nil, malformedf("Signature must be 64 hexadecimal characters.")
	}
	return b, nil
}

// isLowerToken reports whether s is an RFC 9110 token without uppercase letters.
func isLowerToken(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// clip bounds client-supplied text echoed in error messages, so a huge header
// does not become a huge error body, and keeps control characters (a decoded
// %0A in a query parameter) out of logs.
func clip(s string) string {
	const max = 256
	if len(s) > max {
		s = s[:max] + "..."
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return '?'
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
}
