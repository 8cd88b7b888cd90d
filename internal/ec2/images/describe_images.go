package images

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awsquery/ec2api"
	"github.com/kumo-cloud/kumo/internal/ec2/describe"
	"github.com/kumo-cloud/kumo/internal/ec2/filter"
	"github.com/kumo-cloud/kumo/internal/ec2/paging"
	"github.com/kumo-cloud/kumo/internal/ec2/tags"
)

// Handlers serves the image actions.
type Handlers struct {
	Images *Service
}

var imageFilters = []string{"architecture", "image-id", "image-type", "is-public", "name", "owner-alias", "owner-id",
	"platform-details", "root-device-name", "root-device-type", "state", "virtualization-type", "description",
	"block-device-mapping.device-name", "block-device-mapping.snapshot-id", "block-device-mapping.volume-size",
	"block-device-mapping.volume-type", "block-device-mapping.delete-on-termination", "hypervisor", "ena-support", "boot-mode"}

// DescribeImages lists the images the caller may see: its own, and public ones.
func (h *Handlers) DescribeImages(ctx context.Context, r *api.Request, in *ec2api.DescribeImagesRequest) (*ec2api.DescribeImagesResult, error) {
	fs, err := filter.FromWire(in.Filters, imageFilters, true)
	if err != nil {
		return nil, err
	}
	q := describe.Query[Image]{Kind: Kind, IDs: in.ImageIds, Filters: fs, MinPage: 5, MaxPage: 1000,
		Page: paging.Request{Op: "DescribeImages", MaxResults: in.MaxResults, NextToken: in.NextToken},
		Fields: func(i *Image) filter.Fields {
			return filter.Values(map[string][]string{
				"architecture": {i.Architecture}, "image-id": {i.ID}, "image-type": {"machine"},
				"is-public": {strconv.FormatBool(i.Public)}, "name": {i.Name}, "owner-alias": {i.OwnerAlias},
				"owner-id": {i.Account}, "platform-details": {"Linux/UNIX"}, "root-device-name": {i.RootDeviceName},
				"root-device-type": {"ebs"}, "state": {i.State}, "virtualization-type": {i.VirtualizationType},
				"description": {i.Description}, "block-device-mapping.device-name": {i.RootDeviceName},
				"block-device-mapping.snapshot-id": {i.RootSnapshotID}, "block-device-mapping.volume-size": {strconv.Itoa(int(i.RootSizeGiB))},
				"block-device-mapping.volume-type": {"gp3"}, "block-device-mapping.delete-on-termination": {"true"},
				"hypervisor": {"xen"}, "ena-support": {"true"}, "boot-mode": {i.BootMode},
			})
		}}
	if err := q.CheckIDs(); err != nil {
		return nil, err
	}
	if err := r.Authorize(in.DryRun); err != nil {
		return nil, err
	}
	all, err := h.Images.All(ctx, r.Region)
	if err != nil {
		return nil, err
	}
	owners := map[string]bool{}
	for _, o := range in.Owners {
		if o == "self" {
			o = r.AccountID
		}
		owners[o] = true
	}
	var visible []Image
	for _, img := range all {
		if !Visible(&img, r.AccountID) {
			continue
		}
		if len(owners) > 0 && !owners[img.Account] && !(img.OwnerAlias != "" && owners[img.OwnerAlias]) {
			continue
		}
		if len(in.ExecutableUsers) > 0 && !executableBy(&img, in.ExecutableUsers, r.AccountID) {
			continue
		}
		visible = append(visible, img)
	}
	sortByID(visible)
	page, next, err := q.Run(visible)
	if err != nil {
		return nil, err
	}
	out := &ec2api.DescribeImagesResult{Images: []ec2api.Image{}, NextToken: next}
	for _, img := range page {
		out.Images = append(out.Images, wireImage(&img))
	}
	return out, nil
}

func executableBy(img *Image, users []string, account string) bool {
	for _, u := range users {
		switch {
		case u == "all" && img.Public, u == "self" && (img.Public || img.Account == account), u == img.Account:
			return true
		}
	}
	return false
}

func wireImage(img *Image) ec2api.Image {
	w := ec2api.Image{
		Architecture: aws.String(img.Architecture), CreationDate: aws.String(img.CreatedAt.UTC().Format("2006-01-02T15:04:05.000Z")),
		ImageId: aws.String(img.ID), ImageLocation: aws.String(img.OwnerAlias + "/" + img.Name), ImageType: aws.String("machine"),
		Public: aws.Bool(img.Public), OwnerId: aws.String(img.Account), PlatformDetails: aws.String("Linux/UNIX"),
		UsageOperation: aws.String("RunInstances"), State: aws.String(img.State), Description: aws.String(img.Description),
		EnaSupport: aws.Bool(true), Hypervisor: aws.String("xen"), Name: aws.String(img.Name),
		RootDeviceName: aws.String(img.RootDeviceName), RootDeviceType: aws.String("ebs"), SriovNetSupport: aws.String("simple"),
		Tags: tags.ToWire(img.Tags), VirtualizationType: aws.String(img.VirtualizationType), BootMode: aws.String(img.BootMode),
		ImdsSupport: aws.String("v2.0"),
		BlockDeviceMappings: []ec2api.BlockDeviceMapping{{
			DeviceName: aws.String(img.RootDeviceName),
			Ebs: &ec2api.EbsBlockDevice{DeleteOnTermination: aws.Bool(true), SnapshotId: aws.String(img.RootSnapshotID),
				VolumeSize: aws.Int32(img.RootSizeGiB), VolumeType: aws.String("gp3"), Encrypted: aws.Bool(false)},
		}},
	}
	if img.OwnerAlias != "" {
		w.ImageOwnerAlias = aws.String(img.OwnerAlias)
	}
	return w
}

func sortByID(imgs []Image) {
	slices.SortFunc(imgs, func(a, b Image) int { return strings.Compare(a.ID, b.ID) })
}
