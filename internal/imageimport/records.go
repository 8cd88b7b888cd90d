package imageimport

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/kumo-cloud/kumo/internal/ec2/ebs"
	"github.com/kumo-cloud/kumo/internal/ec2/images"
	"github.com/kumo-cloud/kumo/internal/store"
)

// ErrDuplicate is returned, wrapped, when the account already has an AMI
// of that name in the region.
var ErrDuplicate = errors.New("AMI name in use")

// ErrName is returned, wrapped, for a name or description AWS would refuse.
var ErrName = errors.New("invalid AMI name or description")

// checkName applies AWS's rule for AMI names, as CreateImage does: 3–128
// letters, digits, spaces and ( ) [ ] . / - ' @ _.
func checkName(n string) error {
	ok := utf8.RuneCountInString(n) >= images.MinNameLength && utf8.RuneCountInString(n) <= images.MaxNameLength
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
		return fmt.Errorf("--name %q: AMI names are %d to %d letters, digits, spaces and ( ) [ ] . / - ' @ _: %w",
			n, images.MinNameLength, images.MaxNameLength, ErrName)
	}
	return nil
}

// nameKey is the key by which the images package claims an AMI name for
// one account in one region (images.nameKey, which is unexported): the
// import creates it in its transaction, so the name stays unique against
// CreateImage, RegisterImage and CopyImage racing it. The test registers
// an image through the API under an imported name to prove the two agree.
func nameKey(region, account, name string) string {
	return store.Key("imagename", region, account, url.PathEscape(name))
}

// nameClaim is the value at nameKey, as the images package writes it.
type nameClaim struct {
	ImageID string `json:"imageId"`
}

// checkUnique fails early, before the long copy, when the name is taken;
// the transaction is what guarantees it.
func checkUnique(ctx context.Context, s *store.Store, region, account, name string) error {
	var c nameClaim
	_, err := s.Get(ctx, nameKey(region, account, name), &c)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil
	case err != nil:
		return err
	}
	return fmt.Errorf("AMI name %q is already in use by %s in account %s (%s): %w", name, c.ImageID, account, region, ErrDuplicate)
}

// commit writes the snapshot, the image and its name claim in one
// transaction: the AMI exists whole or not at all.
func commit(ctx context.Context, s *store.Store, sn *ebs.Snapshot, img *images.Image) error {
	txn := s.Txn()
	ebs.CreateSnapshotIn(txn, sn, sn.StartTime)
	err := txn.Create(nameKey(img.Region, img.Account, img.Name), nameClaim{ImageID: img.ID}).
		Create(images.Kind.Key(img.Region, img.Account, img.ID), img).
		Commit(ctx)
	if errors.Is(err, store.ErrConflict) {
		if dup := checkUnique(ctx, s, img.Region, img.Account, img.Name); dup != nil {
			return dup
		}
	}
	if err != nil {
		return fmt.Errorf("record %s and %s: %w", img.ID, sn.ID, err)
	}
	return nil
}

// hostWarning warns when the volumes and snapshots already recorded all live
// on other hosts than host: the agent of the serve keeps only its own
// host's snapshot files, so an import under a wrong --host would lose its
// file to garbage collection. "" when nothing says so.
func hostWarning(ctx context.Context, s *store.Store, host string) (string, error) {
	st := &ebs.Store{S: s}
	vols, err := st.AllVolumes(ctx)
	if err != nil {
		return "", err
	}
	snaps, err := st.AllSnapshots(ctx)
	if err != nil {
		return "", err
	}
	var hosts []string
	for _, v := range vols {
		hosts = append(hosts, v.Host)
	}
	for _, sn := range snaps {
		hosts = append(hosts, sn.Host)
	}
	hosts = slices.DeleteFunc(hosts, func(h string) bool { return h == "" })
	slices.Sort(hosts)
	hosts = slices.Compact(hosts)
	if len(hosts) == 0 || slices.Contains(hosts, host) {
		return "", nil
	}
	return fmt.Sprintf("warning: no volume or snapshot lives on host %q yet, only on %s: give --host the kumo serve's --host-name, "+
		"or its agent will not keep the imported file", host, strings.Join(hosts, ", ")), nil
}
