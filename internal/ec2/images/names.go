package images

import (
	"context"
	"errors"
	"net/url"
	"unicode/utf8"

	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/store"
)

// AWS's limits on an AMI's name and description.
const (
	MinNameLength        = 3
	MaxNameLength        = 128
	MaxDescriptionLength = 255
)

// checkName validates a new AMI name: 3–128 letters, digits, spaces and
// ( ) [ ] . / - ' @ _ (AWS's message names only some of them).
func checkName(name *string) (string, error) {
	if name == nil {
		return "", awserr.MissingParameter("name")
	}
	n := *name
	ok := utf8.RuneCountInString(n) >= MinNameLength && utf8.RuneCountInString(n) <= MaxNameLength
	for _, c := range n {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == ' ' || c == '(' || c == ')' || c == '[' || c == ']' || c == '.' || c == '/' ||
			c == '-' || c == '\'' || c == '@' || c == '_':
		default:
			ok = false
		}
	}
	if !ok {
		return "", awserr.BadRequest("InvalidAMIName.Malformed",
			"AMI names must be between 3 and 128 characters long, and may contain letters, numbers, '(', ')', '.', '-', '/' and '_'")
	}
	return n, nil
}

// checkDescription validates an AMI description.
func checkDescription(d *string) (string, error) {
	if d == nil {
		return "", nil
	}
	if utf8.RuneCountInString(*d) > MaxDescriptionLength {
		return "", awserr.InvalidParameterValue("Value for parameter description is invalid. Length exceeds maximum of %d characters.", MaxDescriptionLength)
	}
	return *d, nil
}

// nameKey is the store key that claims an AMI name for one account in one
// region; its value is the image id. Creating it in the image's transaction
// makes the name unique however many calls race.
func nameKey(region, account, name string) string {
	return store.Key("imagename", region, account, url.PathEscape(name))
}

type nameClaim struct {
	ImageID string `json:"imageId"`
}

// checkUnique answers InvalidAMIName.Duplicate early, before any other work;
// the name key in the creating transaction is what guarantees it.
func (s *Service) checkUnique(ctx context.Context, region, account, name string) error {
	var c nameClaim
	_, err := s.Store.Get(ctx, nameKey(region, account, name), &c)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	return awserr.BadRequest("InvalidAMIName.Duplicate", "AMI name %s is already in use by AMI %s", name, c.ImageID)
}

// commitNew commits txn with the creation of img and its name claim. A lost
// name race becomes InvalidAMIName.Duplicate; any other lost condition stays
// store.ErrConflict, for the caller to retry.
func (s *Service) commitNew(ctx context.Context, txn *store.Txn, img *Image) error {
	txn.Create(nameKey(img.Region, img.Account, img.Name), nameClaim{ImageID: img.ID}).
		Create(Kind.Key(img.Region, img.Account, img.ID), img)
	err := txn.Commit(ctx)
	if errors.Is(err, store.ErrConflict) {
		if dup := s.checkUnique(ctx, img.Region, img.Account, img.Name); dup != nil {
			return dup
		}
	}
	return err
}
