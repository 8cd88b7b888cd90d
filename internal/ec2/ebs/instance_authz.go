package ebs

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/ec2/resource"
	"github.com/kumo-cloud/kumo/internal/store"
)

// InstanceFacts are the fields of a stored instances.Instance, by their JSON
// names, that resource-level permissions read. The instances package
// imports this one, so the families beneath it (volumes, images, and the
// interface and address actions that name instances) read the record
// through the store; instance_authz_test.go keeps the names in step.
type InstanceFacts struct {
	resource.Meta
	InstanceType     string `json:"instanceType"`
	AvailabilityZone string `json:"availabilityZone"`
	Metadata         struct {
		HTTPTokens   string `json:"httpTokens"`
		HopLimit     int32  `json:"hopLimit"`
		HTTPEndpoint string `json:"httpEndpoint"`
	} `json:"metadata"`
	IAMProfile *struct {
		ProfileARN string `json:"profileArn"`
	} `json:"iamProfile,omitempty"`
}

// Authz returns the instance as resource-level permissions evaluate it: its
// ARN, tags and the instance condition keys, as the instance actions do.
func (f *InstanceFacts) Authz() api.Resource {
	res := instanceKind.Authz(f.Region, f.Account, f.ID, f.Tags)
	k := res.Keys
	k["ec2:InstanceType"] = []string{f.InstanceType}
	k["ec2:AvailabilityZone"] = []string{f.AvailabilityZone}
	k["ec2:Tenancy"] = []string{"default"}
	k["ec2:RootDeviceType"] = []string{"ebs"}
	k["ec2:InstanceMarketType"] = []string{"on-demand"}
	k["ec2:MetadataHttpTokens"] = []string{f.Metadata.HTTPTokens}
	k["ec2:MetadataHttpEndpoint"] = []string{f.Metadata.HTTPEndpoint}
	k["ec2:MetadataHttpPutResponseHopLimit"] = []string{strconv.Itoa(int(f.Metadata.HopLimit))}
	if f.IAMProfile != nil {
		k["ec2:InstanceProfile"] = []string{f.IAMProfile.ProfileARN}
	}
	return res
}

// InstanceAuthz reads one of the account's instances and returns it as
// resource-level permissions evaluate it. Callers have resolved the
// instance; one whose record is gone since (an attachment of a volume or an
// interface can outlive it) is evaluated by its ARN alone.
func InstanceAuthz(ctx context.Context, s *store.Store, region, account, id string) (api.Resource, error) {
	var f InstanceFacts
	_, err := s.Get(ctx, instanceKind.Key(region, account, id), &f)
	if errors.Is(err, store.ErrNotFound) {
		return instanceKind.Authz(region, account, id, nil), nil
	}
	if err != nil {
		return api.Resource{}, fmt.Errorf("read instance %s: %w", id, err)
	}
	return f.Authz(), nil
}
