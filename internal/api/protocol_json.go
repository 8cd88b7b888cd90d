package api

import (
	"bytes"
	"net/http"
	"unicode/utf8"

	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/awsjson"
	"github.com/kumo-cloud/kumo/internal/sigv4"
)

// jsonProtocol is awsJson1_0/1_1 (the action in X-Amz-Target) and restJson1
// (the action from the method and path): JSON bodies both ways, the error
// code in the X-Amzn-ErrorType header.
type jsonProtocol struct{ wire *awsjson.Service }

var _ protocol = jsonProtocol{}

func (p jsonProtocol) read(hr *http.Request, body []byte) (string, func(any) error, error) {
	action := p.wire.Action(hr.Method, hr.URL, hr.Header.Get(awsjson.TargetHeader))
	return action, func(in any) error { return p.wire.Decode(body, in) }, nil
}

func (p jsonProtocol) newInput(action string, routed bool) (any, error) {
	_, known := p.wire.Known[action]
	op := p.wire.Operations[action]
	switch {
	case routed && op != nil:
		return op.NewInput(), nil
	case known:
		return nil, awserr.BadRequest("UnsupportedOperation", "The operation %s is not supported by Kumo yet.", action)
	case p.wire.Protocol == awsjson.RESTJSON:
		return nil, awserr.New(http.StatusNotFound, "UnknownOperationException", "No operation of this service is bound to the request's method and path.")
	case action == "":
		return nil, awserr.BadRequest("UnknownOperationException", "The request must name its operation in the %s header.", awsjson.TargetHeader)
	}
	return nil, awserr.BadRequest("UnknownOperationException", "The operation %s is not valid for this web service.", clip(action))
}

func (p jsonProtocol) writeResponse(h http.Header, buf *bytes.Buffer, action, requestID string, out any) (int, error) {
	h.Set("Content-Type", p.wire.Protocol.ContentType())
	return p.wire.Status(action), p.wire.WriteResponse(buf, action, requestID, out)
}

func (p jsonProtocol) writeError(h http.Header, buf *bytes.Buffer, e *awserr.Error, requestID string) (int, string) {
	if j, ok := jsonErrors[e.Code]; ok {
		status := j.json
		if p.wire.Protocol == awsjson.RESTJSON {
			status = j.rest
		}
		e = &awserr.Error{Code: j.code, Status: status, Message: e.Message}
	}
	p.wire.SetErrorHeaders(h, e)
	p.wire.WriteError(buf, e, requestID)
	return e.Status, e.Code
}

// authError and tokenError answer in the awsQuery services' codes, which
// writeError renames as the JSON services name them.
func (p jsonProtocol) authError(err error) error { return sigv4.QueryError(err) }

func (p jsonProtocol) tokenError(err error) error { return sessionError(err) }

// jsonErrors renames kumo's generic errors, which the front, the
// authorization check and awserr's helpers word for the query protocols, to
// what AWS's JSON services answer, with the status each protocol gives them:
// awsJson (Coral) answers 400 for every client error, restJson 403 for the
// authentication and authorization ones and 429 for throttling. Errors a
// handler words itself (ResourceNotFoundException, …) pass unchanged.
var jsonErrors = map[string]struct {
	code       string
	json, rest int
}{
	"AccessDenied":                {"AccessDeniedException", 400, 403},
	"AuthFailure":                 {"InvalidSignatureException", 400, 403},
	"ExpiredToken":                {"ExpiredTokenException", 400, 403},
	"IncompleteSignature":         {"IncompleteSignatureException", 400, 403},
	"InvalidClientTokenId":        {"UnrecognizedClientException", 400, 403},
	"MissingAuthenticationToken":  {"MissingAuthenticationTokenException", 400, 403},
	"RequestExpired":              {"InvalidSignatureException", 400, 403},
	"SignatureDoesNotMatch":       {"InvalidSignatureException", 400, 403},
	"RequestLimitExceeded":        {"ThrottlingException", 400, 429},
	"InternalError":               {"InternalFailure", 500, 500},
	"InvalidAction":               {"UnknownOperationException", 400, 404},
	"MissingParameter":            {"ValidationException", 400, 400},
	"UnknownParameter":            {"ValidationException", 400, 400},
	"InvalidParameterValue":       {"ValidationException", 400, 400},
	"InvalidParameterCombination": {"ValidationException", 400, 400},
}

// clip shortens a client-supplied name before it goes into an error message.
func clip(s string) string {
	const limit = 128
	if len(s) <= limit {
		return s
	}
	cut := limit
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}
