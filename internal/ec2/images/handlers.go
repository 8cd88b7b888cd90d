package images

import (
	"regexp"
	"slices"

	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/ec2/ebs"
	"github.com/kumo-cloud/kumo/internal/ec2/idempotency"
)

// Handlers serves the image actions.
type Handlers struct {
	Images *Service
	// Regions are the regions served: CopyImage copies from one of them.
	Regions []string
	// Idem keeps CopyImage's ClientToken answers.
	Idem *idempotency.Keeper
	// Kick wakes the host agent after a change it acts on (snapshots to
	// take or copy, a reboot to do); it also polls.
	Kick func()
}

func (h *Handlers) kick() {
	if h.Kick != nil {
		h.Kick()
	}
}

func (h *Handlers) ebs() *ebs.Store { return &ebs.Store{S: h.Images.Store} }

var accountID = regexp.MustCompile(`^[0-9]{12}$`)

// checkUserIDs validates the account ids of ExecutableBy, Owner and launch
// permissions; words are the other values the parameter takes.
func checkUserIDs(ids []string, words ...string) error {
	for _, id := range ids {
		if !accountID.MatchString(id) && !slices.Contains(words, id) {
			return awserr.BadRequest("InvalidUserID.Malformed", "Invalid user id: \"%s\"", id)
		}
	}
	return nil
}

func unsupported(param string) error {
	return awserr.BadRequest("UnsupportedOperation", "The parameter %s is not supported by Kumo.", param)
}
