package resource

import (
	"sort"

	"github.com/kumo-cloud/kumo/internal/api"
)

// ARN returns the ARN IAM policies name a resource of the kind by:
// arn:aws:ec2:REGION:ACCOUNT:TYPE/ID. Images and snapshots leave the account
// out, as AWS does (they can be shared). name is the id, the key name for
// key pairs, or "*" for resources an action is about to create.
func (k Kind) ARN(region, account, name string) string {
	if k.Type == "image" || k.Type == "snapshot" {
		account = ""
	}
	return "arn:aws:ec2:" + region + ":" + account + ":" + k.Type + "/" + name
}

// Authz returns what resource-level permissions evaluate for one existing
// resource: its ARN, with its tags as ec2:ResourceTag/K and aws:ResourceTag/K.
// Callers add the kind's own keys (ec2:InstanceType …) to Keys.
func (k Kind) Authz(region, account, name string, tags map[string]string) api.Resource {
	keys := make(map[string][]string, 2*len(tags)+2)
	for t, v := range tags {
		keys["ec2:ResourceTag/"+t] = []string{v}
		keys["aws:ResourceTag/"+t] = []string{v}
	}
	return api.Resource{ARN: k.ARN(region, account, name), Keys: keys}
}

// New returns what resource-level permissions evaluate for a resource an
// action creates: the kind's ARN with a "*" name and the tags the request
// applies as aws:RequestTag/K and aws:TagKeys.
func (k Kind) New(region, account string, tags map[string]string) api.Resource {
	return api.Resource{ARN: k.ARN(region, account, "*"), Keys: RequestTagKeys(tags)}
}

// RequestTagKeys are the condition keys of tags a request applies.
func RequestTagKeys(tags map[string]string) map[string][]string {
	keys := make(map[string][]string, len(tags)+3)
	names := make([]string, 0, len(tags))
	for t, v := range tags {
		keys["aws:RequestTag/"+t] = []string{v}
		names = append(names, t)
	}
	if len(names) > 0 {
		sort.Strings(names)
		keys["aws:TagKeys"] = names
	}
	return keys
}

// AuthorizeTagOnCreate checks ec2:CreateTags on each resource an action
// creates with tags: AWS authorizes tagging at creation separately, with
// ec2:CreateAction naming the creating action. Resources created without
// tags need nothing more.
func AuthorizeTagOnCreate(r *api.Request, created ...api.Resource) error {
	for _, res := range created {
		if len(res.Keys["aws:TagKeys"]) == 0 {
			continue
		}
		tagging := api.Resource{ARN: res.ARN, Keys: map[string][]string{"ec2:CreateAction": {r.Action}}}
		for k, v := range res.Keys {
			tagging.Keys[k] = v
		}
		if err := r.AuthorizeAction("ec2:CreateTags", tagging); err != nil {
			return err
		}
	}
	return nil
}
