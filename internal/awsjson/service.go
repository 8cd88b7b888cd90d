package awsjson

import (
	"io"
	"net/http"
	"sync"

	"github.com/kumo-cloud/kumo/internal/awserr"
)

// Protocol selects the JSON protocol a service speaks.
type Protocol int

const (
	// JSON10 is awsJson1_0: POST / with X-Amz-Target, content type
	// application/x-amz-json-1.0.
	JSON10 Protocol = iota + 1
	// JSON11 is awsJson1_1, the same with application/x-amz-json-1.1 (ce).
	JSON11
	// RESTJSON is restJson1: the method and path name the operation, errors
	// carry their code in the X-Amzn-ErrorType header (savingsplans).
	RESTJSON
)

// String returns the Smithy name of the protocol.
func (p Protocol) String() string {
	switch p {
	case JSON10:
		return "awsJson1_0"
	case JSON11:
		return "awsJson1_1"
	case RESTJSON:
		return "restJson1"
	}
	return "unknown"
}

// ContentType is the Content-Type of the protocol's requests and answers.
func (p Protocol) ContentType() string {
	switch p {
	case JSON10:
		return "application/x-amz-json-1.0"
	case RESTJSON:
		return "application/json"
	}
	return "application/x-amz-json-1.1"
}

// Headers of the JSON protocols.
const (
	// TargetHeader names the operation of an awsJson request: "Prefix.Operation".
	TargetHeader = "X-Amz-Target"
	// ErrorTypeHeader carries the error code of a failed call; the SDKs read
	// it before the body.
	ErrorTypeHeader = "X-Amzn-ErrorType"
)

// Service describes one AWS JSON API as generated from its model.
type Service struct {
	// Name is the SigV4 signing name, e.g. "ce", "savingsplans".
	Name string
	// Protocol is the wire flavour.
	Protocol Protocol
	// APIVersion is the model's version; JSON clients do not send it.
	APIVersion string
	// TargetPrefix is the part of X-Amz-Target before the operation name
	// (awsJson only), e.g. "AWSInsightsIndexService".
	TargetPrefix string
	// Operations holds the operations kumo implements, by name.
	Operations map[string]*Operation
	// Known holds every operation of the model with its HTTP binding, so the
	// server can route restJson requests and tell a real operation it does not
	// implement from one that does not exist.
	Known map[string]HTTP

	routesOnce sync.Once
	routes     []route // restJson patterns of Known, best match first
}

// HTTP is an operation's HTTP binding from the model.
type HTTP struct {
	Method string
	// RequestURI is the path pattern, with {label} and {label+} segments and
	// an optional ?literal query part.
	RequestURI string
	// ResponseCode is the success status; 0 means 200.
	ResponseCode int
}

// Operation describes one implemented operation.
type Operation struct {
	// Name is the operation name, e.g. "GetCostAndUsage".
	Name string
	// NewInput returns a pointer to a fresh input struct to Decode into.
	NewInput func() any
	// NewOutput returns a pointer to a fresh output struct for the handler to fill.
	NewOutput func() any
}

// Empty is the input or output of an operation whose model has none.
type Empty struct{}

// Decode fills in, a pointer to the operation's input struct, from body.
func (s *Service) Decode(body []byte, in any) error {
	return Decode(s.Protocol, body, in)
}

// Status is the HTTP status of a successful answer to action.
func (s *Service) Status(action string) int {
	if c := s.Known[action].ResponseCode; c != 0 {
		return c
	}
	return http.StatusOK
}

// WriteResponse writes the success body of action. The request id travels in
// the x-amzn-RequestId header, not in JSON bodies; the parameters mirror
// awsquery.Service so that both kinds of generated service look alike.
func (s *Service) WriteResponse(w io.Writer, action, requestID string, out any) error {
	b, err := Marshal(out)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// SetErrorHeaders sets the headers of an error answer: the content type and
// the error code in X-Amzn-ErrorType, which the SDKs of both protocols read
// first.
func (s *Service) SetErrorHeaders(h http.Header, e *awserr.Error) {
	h.Set("Content-Type", s.Protocol.ContentType())
	h.Set(ErrorTypeHeader, e.Code)
}

// WriteError writes the error body for e: {"__type":"Code","message":"…"}
// for awsJson, {"message":"…"} for restJson (whose code is only in the
// header). The HTTP status is the caller's business (e.Status).
func (s *Service) WriteError(w io.Writer, e *awserr.Error, requestID string) {
	b := make([]byte, 0, 64+len(e.Message))
	b = append(b, '{')
	if s.Protocol != RESTJSON {
		b = append(b, `"__type":`...)
		b = appendString(b, e.Code)
		b = append(b, ',')
	}
	b = append(b, `"message":`...)
	b = appendString(b, e.Message)
	b = append(b, '}')
	_, _ = w.Write(b)
}
