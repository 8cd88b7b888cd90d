package awsquery

import (
	"fmt"
	"io"
)

// WriteQueryResponse writes the awsQuery success body of action:
// <{action}Response xmlns="NS"><{wrapper}>members</{wrapper}><ResponseMetadata>
// <RequestId>ID</RequestId></ResponseMetadata></{action}Response>. The wrapper
// is the operation's ResultWrapper and is left out for operations without an
// output; out is nil or a pointer to the generated output struct.
func WriteQueryResponse(w io.Writer, svc *Service, action, requestID string, out any) error {
	if !isXMLName(action) {
		return fmt.Errorf("awsquery: %q is not an action name", action)
	}
	sp, v, err := body(out)
	if err != nil {
		return err
	}
	wrapper := ""
	if op := svc.Operations[action]; op != nil {
		wrapper = op.ResultWrapper
	} else if sp != nil {
		wrapper = action + "Result"
	}
	x := newXMLWriter(w)
	x.raw("<" + action + `Response xmlns="` + svc.XMLNamespace + `">`)
	if wrapper != "" {
		x.open(wrapper)
		if sp != nil {
			e := encoder{x: x}
			e.fields(sp, v)
		}
		x.close(wrapper)
	}
	x.raw("<ResponseMetadata>")
	x.element("RequestId", requestID)
	x.raw("</ResponseMetadata>")
	x.close(action + "Response")
	return x.finish()
}

// WriteQueryError writes the awsQuery error body; typ is "Sender" for client
// errors and "Receiver" for server faults.
func WriteQueryError(w io.Writer, svc *Service, typ, code, message, requestID string) {
	x := newXMLWriter(w)
	x.raw(`<ErrorResponse xmlns="` + svc.XMLNamespace + `"><Error>`)
	x.element("Type", typ)
	x.element("Code", code)
	x.element("Message", message)
	x.raw("</Error>")
	x.element("RequestId", requestID)
	x.raw("</ErrorResponse>")
	_ = x.finish() // the status line is gone; the client sees a short body
}
