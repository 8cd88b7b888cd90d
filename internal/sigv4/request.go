package sigv4

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Query parameters of a presigned URL, and headers the signature depends on.
const (
	paramAlgorithm     = "X-Amz-Algorithm"
	paramCredential    = "X-Amz-Credential"
	paramDate          = "X-Amz-Date"
	paramExpires       = "X-Amz-Expires"
	paramSignedHeaders = "X-Amz-SignedHeaders"
	paramSignature     = "X-Amz-Signature"
	paramSecurityToken = "X-Amz-Security-Token"
	headerContentSHA   = "X-Amz-Content-Sha256"
)

const (
	// MaxSkew is how far X-Amz-Date may be from the server clock, either way.
	MaxSkew = 15 * time.Minute
	// MaxPresignExpires is the longest X-Amz-Expires AWS allows: one week.
	MaxPresignExpires = 7 * 24 * time.Hour
	// defaultPresignExpires applies when a presigned URL has no X-Amz-Expires.
	// Only S3 documents the parameter; STS ignores it and honours presigned
	// URLs for 15 minutes, the same window as a header signature.
	defaultPresignExpires = MaxSkew
)

// signedRequest is the signature information of one request, from whichever
// form carried it.
type signedRequest struct {
	auth      authorization
	signedAt  time.Time
	amzDate   string // signedAt as it enters the string to sign
	presigned bool
	expires   time.Duration // presigned only
	token     string
}

// readSignature finds the signature in the Authorization header or in the
// presigned query parameters, and refuses a request that has both.
func readSignature(r *http.Request, query []queryPair) (signedRequest, error) {
	// A blank Authorization header carries nothing; AWS treats it as absent.
	var headers []string
	for _, h := range r.Header.Values("Authorization") {
		if strings.TrimSpace(h) != "" {
			headers = append(headers, h)
		}
	}
	presigned := false
	for _, p := range query {
		if p.key == paramAlgorithm || p.key == paramCredential || p.key == paramSignature {
			presigned = true
			break
		}
	}
	var (
		req signedRequest
		err error
	)
	switch {
	case len(headers) == 0 && !presigned:
		return signedRequest{}, ErrMissingAuth
	case len(headers) > 0 && presigned:
		return signedRequest{}, malformedf("Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or the Authorization header should be specified.")
	case len(headers) > 1:
		return signedRequest{}, malformedf("The request has more than one Authorization header.")
	case presigned:
		req, err = readPresigned(query)
	default:
		req, err = readHeaderSignature(r, headers[0])
	}
	if err != nil {
		return signedRequest{}, err
	}
	if req.token, err = securityToken(r, query); err != nil {
		return signedRequest{}, err
	}
	if req.auth.Credential.Date != req.signedAt.Format(scopeDateFormat) {
		return signedRequest{}, malformedf("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s'.",
			clip(req.auth.Credential.Date), req.signedAt.Format(scopeDateFormat))
	}
	if !slices.Contains(req.auth.SignedHeaders, "host") {
		return signedRequest{}, malformedf("'Host' must be a 'SignedHeader' in the AWS Authorization.")
	}
	return req, nil
}

// readHeaderSignature reads the Authorization header and the date headers.
func readHeaderSignature(r *http.Request, header string) (signedRequest, error) {
	auth, err := parseAuthorization(header)
	if err != nil {
		return signedRequest{}, err
	}
	req := signedRequest{auth: auth}
	// X-Amz-Date wins over Date: browsers and proxies may set Date themselves.
	dateHeader := "x-amz-date"
	switch v := r.Header.Values(paramDate); {
	case len(v) > 1:
		return signedRequest{}, malformedf("The request has more than one X-Amz-Date header.")
	case len(v) == 1:
		if req.signedAt, err = parseAmzDate(v[0]); err != nil {
			return signedRequest{}, err
		}
	default:
		d := r.Header.Values("Date")
		if len(d) != 1 {
			return signedRequest{}, malformedf("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
		}
		t, err := http.ParseTime(d[0])
		if err != nil {
			return signedRequest{}, malformedf("Date header '%s' is not a valid HTTP date.", clip(d[0]))
		}
		req.signedAt, dateHeader = t.UTC(), "date"
	}
	// AWS requires the date header to be signed. It is in the string to sign
	// anyway, but an unsigned one means the client is not following SigV4.
	if !slices.Contains(auth.SignedHeaders, dateHeader) {
		return signedRequest{}, malformedf("The '%s' header must be a 'SignedHeader' in the AWS Authorization.", dateHeader)
	}
	req.amzDate = req.signedAt.Format(amzDateFormat)
	return req, nil
}

// readPresigned reads the X-Amz-* query parameters of a presigned URL.
func readPresigned(query []queryPair) (signedRequest, error) {
	var v [6]string
	for i, name := range [6]string{paramAlgorithm, paramCredential, paramDate, paramSignedHeaders, paramSignature, paramExpires} {
		values := queryValues(query, name)
		switch {
		case len(values) > 1:
			return signedRequest{}, malformedf("AWS query-string parameter '%s' appears more than once.", name)
		case len(values) == 0 && name != paramExpires:
			return signedRequest{}, malformedf("AWS query-string parameters must include '%s'. Re-examine the query-string parameters.", name)
		case len(values) == 1:
			v[i] = values[0]
		}
	}
	if v[0] != algorithm {
		return signedRequest{}, malformedf("X-Amz-Algorithm only supports '%s'.", algorithm)
	}
	auth, err := buildAuthorization(v[1], v[3], v[4])
	if err != nil {
		return signedRequest{}, err
	}
	req := signedRequest{auth: auth, presigned: true, expires: defaultPresignExpires}
	if req.signedAt, err = parseAmzDate(v[2]); err != nil {
		return signedRequest{}, err
	}
	req.amzDate = v[2]
	if len(queryValues(query, paramExpires)) == 1 {
		n, err := strconv.ParseInt(v[5], 10, 64)
		if err != nil || n < 0 || n > int64(MaxPresignExpires/time.Second) {
			return signedRequest{}, malformedf("X-Amz-Expires must be a whole number of seconds from 0 to %d (one week), not '%s'.",
				int64(MaxPresignExpires/time.Second), clip(v[5]))
		}
		req.expires = time.Duration(n) * time.Second
	}
	return req, nil
}

// securityToken returns the session token from the header (what SignHTTP
// sets) or the query (what PresignHTTP sets). Two different tokens would leave
// it unclear which session is meant.
func securityToken(r *http.Request, query []queryPair) (string, error) {
	h := r.Header.Values(paramSecurityToken)
	q := queryValues(query, paramSecurityToken)
	if len(h) > 1 || len(q) > 1 || (len(h) == 1 && len(q) == 1 && h[0] != q[0]) {
		return "", malformedf("The request carries more than one X-Amz-Security-Token.")
	}
	if len(h) == 1 {
		return h[0], nil
	}
	if len(q) == 1 {
		return q[0], nil
	}
	return "", nil
}

// parseAmzDate parses the ISO 8601 basic format, and only that: it is the
// exact text that enters the string to sign.
func parseAmzDate(s string) (time.Time, error) {
	t, err := time.Parse(amzDateFormat, s)
	if err != nil || t.Format(amzDateFormat) != s {
		return time.Time{}, malformedf("X-Amz-Date '%s' must be in the ISO8601 basic format YYYYMMDD'T'HHMMSS'Z'.", clip(s))
	}
	return t, nil
}

func queryValues(query []queryPair, key string) []string {
	var out []string
	for _, p := range query {
		if p.key == key {
			out = append(out, p.value)
		}
	}
	return out
}
