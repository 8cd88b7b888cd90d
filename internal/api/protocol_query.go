package api

import (
	"bytes"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/awsquery"
	"github.com/kumo-cloud/kumo/internal/sigv4"
)

// queryProtocol is the ec2 and awsQuery protocols: form parameters in the
// query string or a form-encoded body, Action naming the operation, XML
// answers.
type queryProtocol struct{ wire *awsquery.Service }

var _ protocol = queryProtocol{}

func (p queryProtocol) read(hr *http.Request, body []byte) (string, func(any) error, error) {
	params, err := requestParams(hr, body)
	if err != nil {
		return "", nil, err
	}
	decode := func(in any) error {
		return awsquery.Decode(p.wire.Protocol, operationParams(params), in)
	}
	return params.Get("Action"), decode, nil
}

func (p queryProtocol) newInput(action string, routed bool) (any, error) {
	if action == "" {
		return nil, awserr.BadRequest("MissingAction", "The request must contain the parameter Action.")
	}
	op := p.wire.Operations[action]
	if !routed || op == nil {
		if p.wire.Known[action] {
			return nil, awserr.BadRequest("UnsupportedOperation", "The action %s is not supported by Kumo yet.", action)
		}
		return nil, awserr.BadRequest("InvalidAction", "The action %s is not valid for this web service.", action)
	}
	return op.NewInput(), nil
}

func (p queryProtocol) writeResponse(h http.Header, buf *bytes.Buffer, action, requestID string, out any) (int, error) {
	h.Set("Content-Type", "text/xml;charset=UTF-8")
	return http.StatusOK, p.wire.WriteResponse(buf, action, requestID, out)
}

func (p queryProtocol) writeError(h http.Header, buf *bytes.Buffer, e *awserr.Error, requestID string) (int, string) {
	h.Set("Content-Type", "text/xml;charset=UTF-8")
	p.wire.WriteError(buf, e, requestID)
	return e.Status, e.Code
}

func (p queryProtocol) authError(err error) error {
	if p.wire.Protocol == awsquery.Query {
		return sigv4.QueryError(err)
	}
	return sigv4.EC2Error(err)
}

// tokenError: EC2 answers as it does for unknown keys (AuthFailure) and for
// expired requests (RequestExpired); the query services (STS, IAM) answer
// InvalidClientTokenId and ExpiredToken.
func (p queryProtocol) tokenError(err error) error {
	switch {
	case p.wire.Protocol == awsquery.Query:
		return sessionError(err)
	case errors.Is(err, ErrExpiredToken):
		return awserr.New(http.StatusBadRequest, "RequestExpired", "Request has expired.")
	}
	return awserr.New(http.StatusUnauthorized, "AuthFailure", "AWS was not able to validate the provided access credentials")
}

// sessionError is the awsQuery services' answer to a checkToken failure.
func sessionError(err error) error {
	if errors.Is(err, ErrExpiredToken) {
		return awserr.New(http.StatusForbidden, "ExpiredToken", "The security token included in the request is expired")
	}
	return awserr.New(http.StatusForbidden, "InvalidClientTokenId", "The security token included in the request is invalid.")
}

// requestParams merges the query string and, for form posts, the body.
func requestParams(hr *http.Request, body []byte) (url.Values, error) {
	params, err := url.ParseQuery(hr.URL.RawQuery)
	if err != nil {
		return nil, awserr.BadRequest("MalformedQueryString", "The query string is malformed.")
	}
	if hr.Method == http.MethodPost && len(body) > 0 {
		ct := hr.Header.Get("Content-Type")
		if ct != "" && !strings.HasPrefix(strings.ToLower(ct), "application/x-www-form-urlencoded") {
			return nil, awserr.BadRequest("InvalidRequest", "Content-Type %q is not supported; send application/x-www-form-urlencoded.", ct)
		}
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, awserr.BadRequest("MalformedQueryString", "The request body is not a valid form encoding.")
		}
		for k, v := range form {
			params[k] = append(params[k], v...)
		}
	}
	return params, nil
}

// operationParams drops the envelope parameters that are not members of the input.
func operationParams(params url.Values) url.Values {
	out := make(url.Values, len(params))
	for k, v := range params {
		if k == "Action" || k == "Version" || strings.HasPrefix(k, "X-Amz-") {
			continue
		}
		out[k] = v
	}
	return out
}
