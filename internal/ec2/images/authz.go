package images

import (
	"strconv"

	"github.com/kumo-cloud/kumo/internal/api"
)

// authz is what resource-level permissions see of an image: its ARN (which
// names no account), tags and the image condition keys of the EC2 Service
// Authorization Reference.
func (img *Image) authz() api.Resource {
	res := Kind.Authz(img.Region, img.Account, img.ID, img.Tags)
	owner := img.Account
	if img.OwnerAlias != "" {
		owner = img.OwnerAlias
	}
	imageKeys(res.Keys, owner, img.Public)
	return res
}

// newImage is what resource-level permissions see of an image an action is
// about to make for the caller: image/*, private, with the request's tags.
func newImage(r *api.Request, tags map[string]string) api.Resource {
	res := Kind.New(r.Region, r.AccountID, tags)
	imageKeys(res.Keys, r.AccountID, false)
	return res
}

// Kumo's images are all EBS-backed machine images.
func imageKeys(k map[string][]string, owner string, public bool) {
	k["ec2:Owner"] = []string{owner}
	k["ec2:Public"] = []string{strconv.FormatBool(public)}
	k["ec2:ImageType"] = []string{"machine"}
	k["ec2:RootDeviceType"] = []string{"ebs"}
}

// conditionKeys adds a launch permission change's keys: ec2:Add/userId,
// ec2:Add/group, ec2:Remove/userId and ec2:Remove/group.
func (c *permissionChange) conditionKeys(k map[string][]string) {
	for _, p := range c.add {
		if p == "all" {
			k["ec2:Add/group"] = append(k["ec2:Add/group"], p)
		} else {
			k["ec2:Add/userId"] = append(k["ec2:Add/userId"], p)
		}
	}
	for _, p := range c.remove {
		if p == "all" {
			k["ec2:Remove/group"] = append(k["ec2:Remove/group"], p)
		} else {
			k["ec2:Remove/userId"] = append(k["ec2:Remove/userId"], p)
		}
	}
}
