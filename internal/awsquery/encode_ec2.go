package awsquery

import (
	"fmt"
	"io"
)

const xmlHeader = `<?xml version="1.0" encoding="UTF-8"?>` + "\n"

// WriteEC2Response writes the EC2 success body of action: the XML declaration,
// then <{action}Response xmlns="…/2016-11-15/"> with <requestId> first and the
// members of out (nil, or a pointer to the generated output struct) in model
// order. EC2 has no Result wrapper.
func WriteEC2Response(w io.Writer, action, requestID string, out any) error {
	if !isXMLName(action) {
		return fmt.Errorf("awsquery: %q is not an action name", action)
	}
	sp, v, err := body(out)
	if err != nil {
		return err
	}
	x := newXMLWriter(w)
	x.raw(xmlHeader)
	x.raw("<" + action + `Response xmlns="` + EC2Namespace + `">`)
	x.element("requestId", requestID)
	if sp != nil {
		e := encoder{x: x, ec2: true}
		e.fields(sp, v)
	}
	x.close(action + "Response")
	return x.finish()
}

// WriteEC2Error writes the EC2 error body. Note <RequestID> with a capital D,
// unlike the success body: both SDKs look for exactly that.
func WriteEC2Error(w io.Writer, code, message, requestID string) {
	x := newXMLWriter(w)
	x.raw(xmlHeader)
	x.raw("<Response><Errors><Error>")
	x.element("Code", code)
	x.element("Message", message)
	x.raw("</Error></Errors>")
	x.element("RequestID", requestID)
	x.raw("</Response>")
	_ = x.finish() // the status line is gone; the client sees a short body
}
