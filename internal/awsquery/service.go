package awsquery

import (
	"io"
	"net/http"
	"net/url"

	"github.com/kumo-cloud/kumo/internal/awserr"
)

// Protocol selects the flavour of the query protocol a service speaks. The two
// differ in list encoding on the way in and in the response envelope on the way
// out.
type Protocol int

const (
	// EC2 is the "ec2" protocol: flat 1-based lists, <item> list elements, no
	// Result wrapper, <Response><Errors> error bodies.
	EC2 Protocol = iota + 1
	// Query is the "query" (awsQuery) protocol of iam, sts, autoscaling, elbv2
	// and monitoring: Name.member.N lists and an <OpResult> wrapper.
	Query
)

// String returns the model's name for the protocol.
func (p Protocol) String() string {
	switch p {
	case EC2:
		return "ec2"
	case Query:
		return "query"
	}
	return "unknown"
}

// EC2Namespace is the XML namespace of every EC2 response.
const EC2Namespace = "http://ec2.amazonaws.com/doc/2016-11-15/"

// Service describes one AWS API as generated from its model.
type Service struct {
	// Name is the SigV4 signing name, e.g. "ec2", "sts", "iam".
	Name string
	// Protocol is the wire flavour.
	Protocol Protocol
	// APIVersion is the value clients send as Version.
	APIVersion string
	// XMLNamespace is the xmlns of every response, with a trailing slash.
	XMLNamespace string
	// Operations holds the operations kumo implements, by action name.
	Operations map[string]*Operation
	// Known holds every operation name in the model, so the server can tell a
	// real action it does not implement from a name that does not exist.
	Known map[string]bool
}

// Operation describes one implemented action.
type Operation struct {
	// Name is the action name, e.g. "DescribeInstances".
	Name string
	// NewInput returns a pointer to a fresh input struct to Decode into.
	NewInput func() any
	// NewOutput returns a pointer to a fresh output struct for the handler to fill.
	NewOutput func() any
	// ResultWrapper is the name of the <…Result> element of query responses;
	// empty for EC2 and for operations without an output.
	ResultWrapper string
}

// Empty is the input or output of an operation whose model has none.
type Empty struct{}

// Decode fills in, a pointer to the operation's input struct, from params.
func (s *Service) Decode(params url.Values, in any) error {
	return Decode(s.Protocol, params, in)
}

// WriteResponse writes the success body of action in the service's flavour.
func (s *Service) WriteResponse(w io.Writer, action, requestID string, out any) error {
	if s.Protocol == EC2 {
		return WriteEC2Response(w, action, requestID, out)
	}
	return WriteQueryResponse(w, s, action, requestID, out)
}

// WriteError writes the error body for e in the service's flavour. The HTTP
// status is the caller's business (e.Status); query errors are typed Receiver
// for 5xx statuses and Sender otherwise, as AWS does.
func (s *Service) WriteError(w io.Writer, e *awserr.Error, requestID string) {
	if s.Protocol == EC2 {
		WriteEC2Error(w, e.Code, e.Message, requestID)
		return
	}
	typ := "Sender"
	if e.Status >= http.StatusInternalServerError {
		typ = "Receiver"
	}
	WriteQueryError(w, s, typ, e.Code, e.Message, requestID)
}
