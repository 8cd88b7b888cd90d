package images

import (
	"context"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/awsquery/ec2api"
	"github.com/kumo-cloud/kumo/internal/ec2/ebs"
	"github.com/kumo-cloud/kumo/internal/ec2/resource"
	"github.com/kumo-cloud/kumo/internal/ec2/tags"
)

// RegisterImage makes an EBS-backed AMI from existing snapshots. It is
// available at once when they are completed, else pending until Refresh sees
// them completed. Its kernel comes from the root snapshot's lineage (see
// kernelOf).
func (h *Handlers) RegisterImage(ctx context.Context, r *api.Request, in *ec2api.RegisterImageRequest) (*ec2api.RegisterImageResult, error) {
	img, err := registered(in)
	if err != nil {
		return nil, err
	}
	if img.Tags, err = tags.ForType(tags.SpecsFromWire(in.TagSpecifications), "image", "image"); err != nil {
		return nil, err
	}
	if err := h.Images.checkUnique(ctx, r.Region, r.AccountID, img.Name); err != nil {
		return nil, err
	}
	snaps, err := h.ebs().RegionSnapshots(ctx, r.Region)
	if err != nil {
		return nil, err
	}
	img.State = Available
	// RegisterImage is authorized on the new image and the snapshots it uses.
	resources := []api.Resource{newImage(r, img.Tags)}
	for i := range img.BlockDeviceMappings {
		m := &img.BlockDeviceMappings[i]
		if m.EBS == nil {
			continue
		}
		if err := fillFromSnapshot(m, snaps, r.AccountID); err != nil {
			return nil, err
		}
		if err := resolveShape(m.EBS, shapeRequest(in.BlockDeviceMappings[i].Ebs)); err != nil {
			return nil, err
		}
		if m.EBS.SnapshotID == "" {
			continue
		}
		sn := findSnapshot(snaps, m.EBS.SnapshotID)
		resources = append(resources, sn.Authz())
		switch sn.State {
		case ebs.SnapshotPending:
			img.State = Pending
		case ebs.SnapshotError:
			return nil, awserr.BadRequest("IncorrectState", "Snapshot '%s' is in the error state and cannot be registered.", m.EBS.SnapshotID)
		}
	}
	root := img.Root()
	if root == nil || root.EBS == nil || root.EBS.SnapshotID == "" {
		return nil, badMapping("The root device %s must be an EBS volume with a snapshot in the block device mapping.", img.RootDeviceName)
	}
	if img.KernelFrom, err = h.Images.kernelOf(ctx, r.Region, root.EBS.SnapshotID); err != nil {
		return nil, err
	}
	if err := resource.AuthorizeTagOnCreate(r, resources[0]); err != nil {
		return nil, err
	}
	if err := r.AuthorizeOn(in.DryRun, resources...); err != nil {
		return nil, err
	}
	img.Meta = resource.Meta{ID: Kind.NewID(), Account: r.AccountID, Region: r.Region, Tags: img.Tags, CreatedAt: r.Now.UTC()}
	img.syncRoot()
	if err := h.Images.commitNew(ctx, h.Images.Store.Txn(), img); err != nil {
		return nil, err
	}
	return &ec2api.RegisterImageResult{ImageId: aws.String(img.ID)}, nil
}

// registered validates what RegisterImage says about the image itself.
func registered(in *ec2api.RegisterImageRequest) (*Image, error) {
	name, err := checkName(in.Name)
	if err != nil {
		return nil, err
	}
	desc, err := checkDescription(in.Description)
	if err != nil {
		return nil, err
	}
	switch {
	case in.ImageLocation != nil:
		return nil, awserr.BadRequest("UnsupportedOperation", "Kumo registers EBS-backed AMIs only: instance store-backed AMIs (ImageLocation, an S3 manifest) are not supported.")
	case len(in.BillingProducts) > 0:
		return nil, unsupported("BillingProduct")
	case in.TpmSupport != nil:
		return nil, unsupported("TpmSupport")
	case in.UefiData != nil:
		return nil, unsupported("UefiData")
	case in.KernelId != nil:
		return nil, awserr.InvalidParameterValue("Kumo boots images by direct kernel boot with the kernel of a built-in image; it takes no KernelId (%s).", *in.KernelId)
	case in.RamdiskId != nil:
		return nil, awserr.InvalidParameterValue("Kumo boots images by direct kernel boot with the initrd of a built-in image; it takes no RamdiskId (%s).", *in.RamdiskId)
	}
	img := &Image{Name: name, Description: desc, Architecture: "x86_64", VirtualizationType: "hvm",
		BootMode: aws.ToString(in.BootMode), EnaSupport: aws.ToBool(in.EnaSupport),
		SriovNetSupport: aws.ToString(in.SriovNetSupport), ImdsSupport: aws.ToString(in.ImdsSupport)}
	// AWS defaults to i386 and paravirtual; Kumo runs neither, so it
	// defaults to what it runs.
	if a := in.Architecture; a != nil {
		switch *a {
		case "x86_64":
		case "i386", "arm64", "x86_64_mac", "arm64_mac":
			return nil, awserr.InvalidParameterValue("Kumo runs x86_64 instances only: architecture %s cannot be registered.", *a)
		default:
			return nil, awserr.InvalidParameterValue("Value (%s) for parameter architecture is invalid. Valid values: i386, x86_64, arm64, x86_64_mac, arm64_mac.", *a)
		}
	}
	if v := in.VirtualizationType; v != nil {
		switch *v {
		case "hvm":
		case "paravirtual":
			return nil, awserr.InvalidParameterValue("Kumo runs hvm images only: virtualization type paravirtual cannot be registered.")
		default:
			return nil, awserr.InvalidParameterValue("Value (%s) for parameter virtualizationType is invalid. Valid values: hvm, paravirtual.", *v)
		}
	}
	if b := img.BootMode; b != "" && !slices.Contains([]string{"legacy-bios", "uefi", "uefi-preferred"}, b) {
		return nil, awserr.InvalidParameterValue("Value (%s) for parameter bootMode is invalid. Valid values: legacy-bios, uefi, uefi-preferred.", b)
	}
	if v := img.ImdsSupport; v != "" && v != "v2.0" {
		return nil, awserr.InvalidParameterValue("Value (%s) for parameter imdsSupport is invalid. Valid value: v2.0.", v)
	}
	if v := img.SriovNetSupport; v != "" && v != "simple" {
		return nil, awserr.InvalidParameterValue("Value (%s) for parameter sriovNetSupport is invalid. Valid value: simple.", v)
	}
	if len(in.BlockDeviceMappings) == 0 {
		return nil, awserr.MissingParameter("BlockDeviceMapping")
	}
	if err := uniqueDevices(in.BlockDeviceMappings); err != nil {
		return nil, err
	}
	for _, w := range in.BlockDeviceMappings {
		m, err := mappingFromWire(w)
		if err != nil {
			return nil, err
		}
		img.BlockDeviceMappings = append(img.BlockDeviceMappings, m)
	}
	img.RootDeviceName = aws.ToString(in.RootDeviceName)
	if img.RootDeviceName == "" {
		return nil, awserr.MissingParameter("rootDeviceName")
	}
	if img.Root() == nil {
		return nil, badMapping("The root device name %s is not in the block device mapping.", img.RootDeviceName)
	}
	return img, nil
}
