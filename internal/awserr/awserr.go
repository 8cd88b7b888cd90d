// Package awserr carries AWS error codes from the domain packages to the wire.
//
// Domain code returns an *Error (or wraps one with %w); the API edge turns it into
// the protocol's XML error body exactly once. Anything that is not an *Error becomes
// InternalError there, without leaking its text.
package awserr

import (
	"errors"
	"fmt"
	"net/http"
)

// Error is an AWS API error: the code clients switch on, the HTTP status, and the
// human message.
type Error struct {
	Code    string
	Status  int
	Message string
}

// Error returns "Code: Message".
func (e *Error) Error() string { return e.Code + ": " + e.Message }

// New returns an error with the given code and status and a formatted message.
func New(status int, code, format string, args ...any) *Error {
	return &Error{Code: code, Status: status, Message: fmt.Sprintf(format, args...)}
}

// BadRequest returns a 400 error with the given code, the status of nearly every
// client error in EC2.
func BadRequest(code, format string, args ...any) *Error {
	return New(http.StatusBadRequest, code, format, args...)
}

// As returns the *Error inside err, if any.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// Common errors shared by every service.
var (
	// ErrDryRun is the answer to an allowed request that set DryRun.
	ErrDryRun = New(http.StatusPreconditionFailed, "DryRunOperation", "Request would have succeeded, but DryRun flag is set.")
)

// MissingParameter reports a required parameter that was not sent.
func MissingParameter(name string) *Error {
	return BadRequest("MissingParameter", "The request must contain the parameter %s", name)
}

// UnknownParameter reports a parameter the operation does not take.
func UnknownParameter(name string) *Error {
	return BadRequest("UnknownParameter", "The parameter %s is not recognized", name)
}

// InvalidParameterValue reports a parameter whose value is not acceptable.
func InvalidParameterValue(format string, args ...any) *Error {
	return BadRequest("InvalidParameterValue", format, args...)
}

// InvalidParameterCombination reports parameters that cannot be used together.
func InvalidParameterCombination(format string, args ...any) *Error {
	return BadRequest("InvalidParameterCombination", format, args...)
}
