package iam

import (
	"fmt"
	"net/http"

	"github.com/kumo-cloud/kumo/internal/awserr"
)

// The IAM error codes, with the HTTP status IAM answers each with.

func noSuchEntity(format string, args ...any) *awserr.Error {
	return awserr.New(http.StatusNotFound, "NoSuchEntity", format, args...)
}

func alreadyExists(format string, args ...any) *awserr.Error {
	return awserr.New(http.StatusConflict, "EntityAlreadyExists", format, args...)
}

func deleteConflict(format string, args ...any) *awserr.Error {
	return awserr.New(http.StatusConflict, "DeleteConflict", format, args...)
}

func limitExceeded(format string, args ...any) *awserr.Error {
	return awserr.New(http.StatusConflict, "LimitExceeded", format, args...)
}

func malformedPolicy(format string, args ...any) *awserr.Error {
	return awserr.New(http.StatusBadRequest, "MalformedPolicyDocument", format, args...)
}

func validationError(format string, args ...any) *awserr.Error {
	return awserr.New(http.StatusBadRequest, "ValidationError", format, args...)
}

func invalidInput(format string, args ...any) *awserr.Error {
	return awserr.New(http.StatusBadRequest, "InvalidInput", format, args...)
}

// constraint is the ValidationError IAM's model validation answers with when
// one member breaks its constraint.
func constraint(value any, member, rule string) *awserr.Error {
	return validationError("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: %s", fmt.Sprint(value), member, rule)
}

// nullMember is the ValidationError for a required member that is empty.
func nullMember(member string) *awserr.Error {
	return validationError("1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", member)
}
