package images

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/awsquery/ec2api"
	"github.com/kumo-cloud/kumo/internal/ec2/describe"
	"github.com/kumo-cloud/kumo/internal/ec2/filter"
	"github.com/kumo-cloud/kumo/internal/ec2/paging"
	"github.com/kumo-cloud/kumo/internal/ec2/tags"
)

var imageFilters = []string{"architecture", "block-device-mapping.delete-on-termination", "block-device-mapping.device-name",
	"block-device-mapping.snapshot-id", "block-device-mapping.volume-size", "block-device-mapping.volume-type",
	"block-device-mapping.encrypted", "boot-mode", "creation-date", "description", "ena-support", "hypervisor", "image-id",
	"image-type", "imds-support", "is-public", "kernel-id", "manifest-location", "name", "owner-alias", "owner-id", "platform",
	"platform-details", "product-code", "product-code.type", "ramdisk-id", "root-device-name", "root-device-type",
	"source-image-id", "source-image-region", "source-instance-id", "sriov-net-support", "state", "state-reason-code",
	"state-reason-message", "usage-operation", "virtualization-type"}

// ownerWords are the Owner values besides account ids.
var ownerWords = []string{"self", "amazon", "aws-marketplace", "aws-backup-vault"}

// DescribeImages lists the images the caller may see: its own, public ones
// and those shared with it, narrowed by Owners, ExecutableBy and filters.
func (h *Handlers) DescribeImages(ctx context.Context, r *api.Request, in *ec2api.DescribeImagesRequest) (*ec2api.DescribeImagesResult, error) {
	fs, err := filter.FromWire(in.Filters, imageFilters, true)
	if err != nil {
		return nil, err
	}
	q := describe.Query[Image]{Kind: Kind, IDs: in.ImageIds, Filters: fs, MinPage: 5, MaxPage: 1000,
		Page: paging.Request{Op: "DescribeImages", MaxResults: in.MaxResults, NextToken: in.NextToken}, Fields: imageFields}
	if err := q.CheckIDs(); err != nil {
		return nil, err
	}
	if err := checkUserIDs(in.Owners, ownerWords...); err != nil {
		return nil, err
	}
	if err := checkUserIDs(in.ExecutableUsers, "self", "all"); err != nil {
		return nil, err
	}
	if err := r.Authorize(in.DryRun); err != nil {
		return nil, err
	}
	all, err := h.Images.All(ctx, r.Region)
	if err != nil {
		return nil, err
	}
	now := r.Now
	var seen []Image
	for _, img := range all {
		if Visible(&img, r.AccountID) && listed(&img, now) {
			seen = append(seen, img)
		}
	}
	if len(in.ImageIds) > 0 {
		// Unknown ids are an error; the other arguments only narrow.
		if err := requireIDs(seen, in.ImageIds); err != nil {
			return nil, err
		}
		seen = slices.DeleteFunc(seen, func(img Image) bool { return !slices.Contains(in.ImageIds, img.ID) })
		q.IDs = nil
	}
	owners := map[string]bool{}
	for _, o := range in.Owners {
		if o == "self" {
			o = r.AccountID
		}
		owners[o] = true
	}
	var out []Image
	for _, img := range seen {
		if len(owners) > 0 && !owners[img.Account] && !(img.OwnerAlias != "" && owners[img.OwnerAlias]) {
			continue
		}
		if len(in.ExecutableUsers) > 0 && !executableBy(&img, in.ExecutableUsers, r.AccountID) {
			continue
		}
		out = append(out, img)
	}
	sortByID(out)
	page, next, err := q.Run(out)
	if err != nil {
		return nil, err
	}
	var launched map[string]time.Time // read only when the page has the caller's images: only owners see it
	if slices.ContainsFunc(page, func(img Image) bool { return img.Owned(r.AccountID) }) {
		if launched, err = h.Images.lastLaunched(ctx, r.Region); err != nil {
			return nil, err
		}
	}
	res := &ec2api.DescribeImagesResult{Images: []ec2api.Image{}, NextToken: next}
	for _, img := range page {
		w := wireImage(&img)
		if t, ok := launched[img.ID]; ok && img.Owned(r.AccountID) {
			w.LastLaunchedTime = aws.String(t.UTC().Format(time.RFC3339))
		}
		res.Images = append(res.Images, w)
	}
	return res, nil
}

func requireIDs(seen []Image, ids []string) error {
	var missing []string
	for _, id := range ids {
		if !slices.ContainsFunc(seen, func(img Image) bool { return img.ID == id }) {
			missing = append(missing, id)
		}
	}
	switch len(missing) {
	case 0:
		return nil
	case 1:
		return notFound(missing[0])
	default:
		return awserr.BadRequest(Kind.NotFound, "The image ids '[%s]' do not exist", strings.Join(missing, ", "))
	}
}

// executableBy applies ExecutableBy: "all" selects public images; "self" (or
// the caller's own id) images shared with the caller by an explicit launch
// permission; another account's id the caller's images shared with it.
func executableBy(img *Image, users []string, caller string) bool {
	for _, u := range users {
		switch {
		case u == "all":
			if img.Public {
				return true
			}
		case u == "self" || u == caller:
			if slices.Contains(img.LaunchPermissions, caller) {
				return true
			}
		default:
			if img.Owned(caller) && slices.Contains(img.LaunchPermissions, u) {
				return true
			}
		}
	}
	return false
}

func imageFields(i *Image) filter.Fields {
	f := map[string][]string{
		"architecture": {i.Architecture}, "boot-mode": {i.BootMode}, "creation-date": {isoTime(i.CreatedAt)},
		"description": {i.Description}, "ena-support": {strconv.FormatBool(i.EnaSupport)}, "hypervisor": {"xen"},
		"image-id": {i.ID}, "image-type": {"machine"}, "imds-support": {i.ImdsSupport}, "is-public": {strconv.FormatBool(i.Public)},
		"manifest-location": {location(i)}, "name": {i.Name}, "owner-alias": {i.OwnerAlias}, "owner-id": {i.Account},
		"platform-details": {"Linux/UNIX"}, "root-device-name": {i.RootDeviceName}, "root-device-type": {"ebs"},
		"source-image-id": {i.SourceImageID}, "source-image-region": {i.SourceRegion}, "source-instance-id": {i.SourceInstanceID},
		"sriov-net-support": {i.SriovNetSupport}, "state": {i.State}, "usage-operation": {"RunInstances"},
		"virtualization-type": {i.VirtualizationType},
	}
	if i.StateReason != nil {
		f["state-reason-code"], f["state-reason-message"] = []string{i.StateReason.Code}, []string{i.StateReason.Message}
	}
	mappingFields(i.BlockDeviceMappings, f)
	return filter.Values(f)
}

// isoTime is EC2's timestamp format for image dates.
func isoTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// location is an EBS-backed AMI's ImageLocation: owner (alias or id) / name.
func location(img *Image) string {
	owner := img.Account
	if img.OwnerAlias != "" {
		owner = img.OwnerAlias
	}
	return owner + "/" + img.Name
}

func wireImage(img *Image) ec2api.Image {
	w := ec2api.Image{
		Architecture: aws.String(img.Architecture), CreationDate: aws.String(isoTime(img.CreatedAt)),
		ImageId: aws.String(img.ID), ImageLocation: aws.String(location(img)), ImageType: aws.String("machine"),
		Public: aws.Bool(img.Public), OwnerId: aws.String(img.Account), PlatformDetails: aws.String("Linux/UNIX"),
		UsageOperation: aws.String("RunInstances"), State: aws.String(img.State), Hypervisor: aws.String("xen"),
		Name: aws.String(img.Name), RootDeviceName: aws.String(img.RootDeviceName), RootDeviceType: aws.String("ebs"),
		Tags: tags.ToWire(img.Tags), VirtualizationType: aws.String(img.VirtualizationType),
		BlockDeviceMappings: wireMappings(img.BlockDeviceMappings),
	}
	if img.Description != "" {
		w.Description = aws.String(img.Description)
	}
	if img.OwnerAlias != "" {
		w.ImageOwnerAlias = aws.String(img.OwnerAlias)
	}
	if img.EnaSupport {
		w.EnaSupport = aws.Bool(true)
	}
	if img.SriovNetSupport != "" {
		w.SriovNetSupport = aws.String(img.SriovNetSupport)
	}
	if img.BootMode != "" {
		w.BootMode = aws.String(img.BootMode)
	}
	if img.ImdsSupport != "" {
		w.ImdsSupport = aws.String(img.ImdsSupport)
	}
	if img.SourceInstanceID != "" {
		w.SourceInstanceId = aws.String(img.SourceInstanceID)
	}
	if img.StateReason != nil {
		w.StateReason = &ec2api.StateReason{Code: aws.String(img.StateReason.Code), Message: aws.String(img.StateReason.Message)}
	}
	return w
}

func sortByID(imgs []Image) {
	slices.SortFunc(imgs, func(a, b Image) int { return strings.Compare(a.ID, b.ID) })
}

// lastLaunched returns, by image id, the latest launch time of the region's
// instance records (AWS's lastLaunchedTime; records of instances terminated
// long ago are gone, so it may be older than AWS would say, never newer).
func (s *Service) lastLaunched(ctx context.Context, region string) (map[string]time.Time, error) {
	insts, err := s.regionInstances(ctx, region)
	if err != nil {
		return nil, err
	}
	out := map[string]time.Time{}
	for _, in := range insts {
		if in.LaunchTime.After(out[in.ImageID]) {
			out[in.ImageID] = in.LaunchTime
		}
	}
	return out, nil
}
