package sts

import (
	"fmt"
	"net/http"
	"regexp"
	"time"

	"github.com/kumo-cloud/kumo/internal/awserr"
)

// Duration limits of temporary credentials.
const (
	minDuration             = 900 * time.Second
	defaultRoleDuration     = time.Hour
	maxRoleDuration         = 12 * time.Hour // the model's bound; the role's MaxSessionDuration is tighter
	chainedRoleDuration     = time.Hour      // role chaining: a session assuming a role
	defaultSessionDuration  = 12 * time.Hour
	maxSessionTokenDuration = 36 * time.Hour
	maxSessionPolicy        = 2048 // characters of the plaintext inline session policy
)

var sessionNameRE = regexp.MustCompile(`^[\w+=,.@-]*$`)

// validationError is STS's 400 ValidationError.
func validationError(format string, args ...any) *awserr.Error {
	return awserr.New(http.StatusBadRequest, "ValidationError", format, args...)
}

// constraint is the model-validation wording AWS uses for one member.
func constraint(value any, member, rule string) *awserr.Error {
	return validationError("1 validation error detected: Value '%v' at '%s' failed to satisfy constraint: Member must %s", value, member, rule)
}

// validSessionName checks RoleSessionName: 2 to 64 characters of [\w+=,.@-].
func validSessionName(name string) *awserr.Error {
	switch {
	case len(name) < 2:
		return constraint(name, "roleSessionName", "have length greater than or equal to 2")
	case len(name) > 64:
		return constraint(name, "roleSessionName", "have length less than or equal to 64")
	case !sessionNameRE.MatchString(name):
		return constraint(name, "roleSessionName", `satisfy regular expression pattern: [\w+=,.@-]*`)
	}
	return nil
}

// duration reads DurationSeconds against the model's bounds [lo, hi],
// defaulting to def.
func duration(d *int32, def, lo, hi time.Duration) (time.Duration, *awserr.Error) {
	if d == nil {
		return def, nil
	}
	got := time.Duration(*d) * time.Second
	switch {
	case got < lo:
		return 0, constraint(*d, "durationSeconds", fmt.Sprintf("have value greater than or equal to %d", int64(lo/time.Second)))
	case got > hi:
		return 0, constraint(*d, "durationSeconds", fmt.Sprintf("have value less than or equal to %d", int64(hi/time.Second)))
	}
	return got, nil
}
