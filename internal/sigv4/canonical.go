package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// queryPair is one decoded name=value of the query string, in arrival order.
type queryPair struct{ key, value string }

// parseQuery decodes a raw query string the way the signing SDKs read their
// own URL (url.Values: '+' is a space, empty pieces are skipped), but refuses
// what url.ParseQuery would silently drop: the client could not have signed a
// pair its own parser drops, while a handler might still see it.
func parseQuery(raw string) ([]queryPair, error) {
	var pairs []queryPair
	for piece := range strings.SplitSeq(raw, "&") {
		if piece == "" {
			continue
		}
		if strings.Contains(piece, ";") {
			return nil, malformedf("The query string contains a ';', which is not a valid separator.")
		}
		k, v, _ := strings.Cut(piece, "=")
		key, err1 := url.QueryUnescape(k)
		value, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil {
			return nil, malformedf("The query string contains an invalid percent-encoding near '%s'.", clip(piece))
		}
		pairs = append(pairs, queryPair{key, value})
	}
	return pairs, nil
}

// canonicalQuery encodes every pair except those named skip, then sorts by
// encoded key and encoded value: SigV4 sorts after encoding, and the two
// orders differ ('/' sorts after '-', its "%2F" before).
func canonicalQuery(pairs []queryPair, skip string) string {
	enc := make([]queryPair, 0, len(pairs))
	for _, p := range pairs {
		if p.key == skip {
			continue
		}
		enc = append(enc, queryPair{uriEncode(p.key, false), uriEncode(p.value, false)})
	}
	slices.SortFunc(enc, func(a, b queryPair) int {
		if c := strings.Compare(a.key, b.key); c != 0 {
			return c
		}
		return strings.Compare(a.value, b.value)
	})
	var b strings.Builder
	for i, p := range enc {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.key)
		b.WriteByte('=')
		b.WriteString(p.value)
	}
	return b.String()
}

// uriEncode percent-encodes every byte outside the RFC 3986 unreserved set
// (A-Z a-z 0-9 - . _ ~) with uppercase hex, so a space is %20, never '+'.
// keepSlash leaves '/' alone, for paths.
func uriEncode(s string, keepSlash bool) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) || (keepSlash && c == '/') {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String()
}

func unreserved(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

// canonicalURI is the request path as the client signed it. Clients sign the
// path as sent on the wire (EscapedPath) and, for every service but S3, encode
// that once more: aws-sdk-go-v2 runs httpbinding.EscapePath over it, botocore
// quotes it again. So "/a b" is sent as "/a%20b" and signed as "/a%2520b".
func canonicalURI(u *url.URL, service string) string {
	p := u.EscapedPath()
	if p == "" {
		p = "/"
	}
	if service == "s3" {
		return p
	}
	return uriEncode(p, true)
}

// canonicalHeaders renders "name:value\n" for each signed header in the order
// listed. Values are trimmed and runs of spaces collapsed as aws-sdk-go-v2
// does; repeated headers are joined with commas in arrival order.
func canonicalHeaders(r *http.Request, names []string) string {
	var b strings.Builder
	for _, name := range names {
		b.WriteString(name)
		b.WriteByte(':')
		for i, v := range headerValues(r, name) {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strings.TrimSpace(stripExcessSpaces(v)))
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// headerValues returns the values of a signed header. Host and Content-Length
// are not in r.Header on the server side: net/http moves them to r.Host and
// r.ContentLength.
func headerValues(r *http.Request, name string) []string {
	switch name {
	case "host":
		if r.Host != "" {
			return []string{r.Host}
		}
		return []string{r.URL.Host}
	case "content-length":
		if r.ContentLength >= 0 {
			return []string{strconv.FormatInt(r.ContentLength, 10)}
		}
	}
	if v := r.Header.Values(name); len(v) > 0 {
		return v
	}
	// A header set by hand under a non-canonical key, as in tests or proxies.
	for k, v := range r.Header {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return nil
}

// stripExcessSpaces trims spaces at both ends and collapses inner runs of
// spaces to one. Only ' ' counts, exactly as in aws-sdk-go-v2's signer.
func stripExcessSpaces(s string) string {
	s = strings.Trim(s, " ")
	if !strings.Contains(s, "  ") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == ' ' && i > 0 && s[i-1] == ' ' {
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// canonicalRequest joins the six parts of the SigV4 canonical request.
// headers already ends with a newline, hence the blank line after it.
func canonicalRequest(method, uri, query, headers string, signedHeaders []string, payloadHash string) string {
	return method + "\n" + uri + "\n" + query + "\n" + headers + "\n" +
		strings.Join(signedHeaders, ";") + "\n" + payloadHash
}

// stringToSign is what the signature is the HMAC of.
func stringToSign(amzDate, scope, canonical string) string {
	sum := sha256.Sum256([]byte(canonical))
	return algorithm + "\n" + amzDate + "\n" + scope + "\n" + hex.EncodeToString(sum[:])
}

// signingKey derives the key for one day, region and service from the secret,
// so a leaked derived key is useless elsewhere.
func signingKey(secret string, c credential) []byte {
	k := hmacSHA256([]byte("AWS4"+secret), c.Date)
	k = hmacSHA256(k, c.Region)
	k = hmacSHA256(k, c.Service)
	return hmacSHA256(k, scopeTerminator)
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

// hashHex is the hex SHA-256 of b, the payload hash of a body.
func hashHex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
