package api

import (
	"bytes"
	"io"
	"net/http"
	"strings"

	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/awsjson"
	"github.com/kumo-cloud/kumo/internal/awsquery"
)

// Wire is the generated description of a service's protocol and operations:
// the Service variable of a generated package, an *awsquery.Service (ec2,
// iam, sts: the query protocols) or an *awsjson.Service (ce, savingsplans:
// awsJson and restJson). Both write their bodies this way; everything else the
// front needs from them goes through a protocol.
type Wire interface {
	WriteResponse(w io.Writer, action, requestID string, out any) error
	WriteError(w io.Writer, e *awserr.Error, requestID string)
}

// protocol is the wire side of a request, the only part of serving that
// differs between the AWS protocols: where the action and the input are, and
// how answers and errors look.
type protocol interface {
	// read takes the action from the request and returns how to decode its
	// input. It runs before the request is authenticated, so that even refused
	// requests are logged with their action; its error, if any, is answered
	// before the authentication error.
	read(hr *http.Request, body []byte) (action string, decode func(in any) error, err error)
	// newInput returns a fresh input struct for action, or the protocol's
	// error for an action that is missing, unknown, or not served (routed
	// false).
	newInput(action string, routed bool) (any, error)
	// writeResponse writes the answer to action and returns its status.
	writeResponse(h http.Header, buf *bytes.Buffer, action, requestID string, out any) (int, error)
	// writeError writes e and returns the status and code actually sent: a
	// protocol may name kumo's generic errors its own way.
	writeError(h http.Header, buf *bytes.Buffer, e *awserr.Error, requestID string) (int, string)
	// authError turns a sigv4.Verify failure into the protocol's error.
	authError(err error) error
	// tokenError turns a checkToken failure into the protocol's error.
	tokenError(err error) error
}

// protocol returns the protocol of the service; EC2's for nil (how the front
// has always answered requests for services it does not serve) and for a Wire
// of another type, whose service then answers nothing but InvalidAction.
func (s *Service) protocol() protocol {
	if s == nil {
		return ec2Unknown
	}
	switch w := s.Wire.(type) {
	case *awsquery.Service:
		return queryProtocol{w}
	case *awsjson.Service:
		return jsonProtocol{w}
	}
	return ec2Unknown
}

// Stand-ins answering requests for services Kumo does not serve (or that are
// not signed at all), chosen by the request's shape so that the client can
// parse the error: JSON for requests that look like awsJson or restJson, EC2
// XML for everything else, as before there were JSON services.
var (
	ec2Unknown      = queryProtocol{&awsquery.Service{Protocol: awsquery.EC2}}
	awsJSONUnknown  = jsonProtocol{&awsjson.Service{Protocol: awsjson.JSON11}}
	restJSONUnknown = jsonProtocol{&awsjson.Service{Protocol: awsjson.RESTJSON}}
)

// protocolFor returns the protocol to answer hr in: its service's, or a guess
// from the request when the service is unknown.
func protocolFor(svc *Service, hr *http.Request) protocol {
	if svc != nil {
		return svc.protocol()
	}
	ct := strings.ToLower(hr.Header.Get("Content-Type"))
	switch {
	case hr.Header.Get(awsjson.TargetHeader) != "" || strings.HasPrefix(ct, "application/x-amz-json"):
		return awsJSONUnknown
	case strings.HasPrefix(ct, "application/json"):
		return restJSONUnknown
	}
	return ec2Unknown
}
