package images

import (
	"context"
	"errors"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/awsquery"
	"github.com/kumo-cloud/kumo/internal/awsquery/ec2api"
	"github.com/kumo-cloud/kumo/internal/store"
)

// DeregisterImage retires one of the caller's images: it can no longer be
// launched, its name is free again, DescribeImages shows it as deregistered
// for DeregisteredListed, and its snapshots stay, as on AWS.
func (h *Handlers) DeregisterImage(ctx context.Context, r *api.Request, in *ec2api.DeregisterImageRequest) (*awsquery.Empty, error) {
	img, err := h.Images.owned(ctx, r.Region, r.AccountID, aws.ToString(in.ImageId))
	if err != nil {
		return nil, err
	}
	if err := r.AuthorizeOn(in.DryRun, img.authz()); err != nil {
		return nil, err
	}
	now := r.Now.UTC()
	_, err = h.Images.update(ctx, img, func(x *Image, txn *store.Txn) error {
		if x.State == Deregistered {
			return awserr.BadRequest("InvalidAMIID.Unavailable", "The image id '[%s]' is no longer available", x.ID)
		}
		x.State, x.DeregisteredAt, x.StateReason = Deregistered, now, nil
		txn.Delete(nameKey(x.Region, x.Account, x.Name), 0)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &awsquery.Empty{}, nil
}

// update applies change to the stored image with optimistic concurrency,
// retrying on conflicts; change may add writes to the transaction or return
// an error to abort.
func (s *Service) update(ctx context.Context, img *Image, change func(*Image, *store.Txn) error) (*Image, error) {
	key := Kind.Key(img.Region, img.Account, img.ID)
	for range 20 {
		var cur Image
		rev, err := s.Store.Get(ctx, key, &cur)
		if errors.Is(err, store.ErrNotFound) {
			return nil, notFound(img.ID)
		}
		if err != nil {
			return nil, err
		}
		txn := s.Store.Txn()
		if err := change(&cur, txn); err != nil {
			return nil, err
		}
		err = txn.Update(key, rev, &cur).Commit(ctx)
		if errors.Is(err, store.ErrConflict) {
			continue
		}
		return &cur, err
	}
	return nil, awserr.New(http.StatusServiceUnavailable, "RequestLimitExceeded", "The image %s is being modified concurrently; retry.", img.ID)
}
