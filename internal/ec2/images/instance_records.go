package images

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/ec2/resource"
	"github.com/kumo-cloud/kumo/internal/store"
)

// The instances package imports this one (RunInstances resolves images), so
// images reads instance records through the raw store: instanceRecord names
// the fields of instances.Instance that image calls need, with the same JSON
// names (instance_record_test.go checks they stay in step). CreateImage
// writes the reboot request back into the full record it read, in the same
// transaction as the image and its snapshots.

// instanceKind mirrors instances.Kind (not registered here: that package does).
var instanceKind = resource.Kind{Type: "instance", Prefix: "i", Store: "instance", Noun: "instance",
	NotFound: "InvalidInstanceID.NotFound", Malformed: "InvalidInstanceID.Malformed"}

// Instance states CreateImage accepts.
const (
	instanceRunning = "running"
	instanceStopped = "stopped"
)

type instanceRecord struct {
	ID               string    `json:"id"`
	Account          string    `json:"account"`
	Region           string    `json:"region"`
	ImageID          string    `json:"imageId"`
	AvailabilityZone string    `json:"availabilityZone"`
	LaunchTime       time.Time `json:"launchTime"`
	Host             string    `json:"host"`
	State            string    `json:"state"`
	RebootSeq        int       `json:"rebootSeq,omitempty"`
	RebootDone       int       `json:"rebootDone,omitempty"`
	Root             struct {
		VolumeID            string `json:"volumeId"`
		DeviceName          string `json:"deviceName"`
		SizeGiB             int32  `json:"sizeGiB"`
		VolumeType          string `json:"volumeType"`
		DeleteOnTermination bool   `json:"deleteOnTermination"`
	} `json:"root"`
}

// loadedInstance is an instance record as read: the known fields, the whole
// record (to write back unchanged but for the reboot) and its revision.
type loadedInstance struct {
	instanceRecord
	raw map[string]json.RawMessage
	rev int64
}

// getInstance reads one of the account's instances.
func (s *Service) getInstance(ctx context.Context, region, account, id string) (*loadedInstance, error) {
	if id == "" {
		return nil, awserr.MissingParameter("InstanceId")
	}
	if !instanceKind.ValidID(id) {
		return nil, awserr.BadRequest(instanceKind.Malformed, "Invalid id: \"%s\"", id)
	}
	var b json.RawMessage
	rev, err := s.Store.Get(ctx, instanceKind.Key(region, account, id), &b)
	if errors.Is(err, store.ErrNotFound) {
		return nil, awserr.BadRequest(instanceKind.NotFound, "The instance ID '%s' does not exist", id)
	}
	if err != nil {
		return nil, err
	}
	li := loadedInstance{}
	if err := json.Unmarshal(b, &li.raw); err != nil {
		return nil, fmt.Errorf("decode instance %s: %w", id, err)
	}
	if err := json.Unmarshal(b, &li.instanceRecord); err != nil {
		return nil, fmt.Errorf("decode instance %s: %w", id, err)
	}
	li.rev = rev
	return &li, nil
}

// requestReboot adds to txn the instance's RebootSeq raised by one, guarded
// by the revision it was read at, and returns the new sequence number.
func (li *loadedInstance) requestReboot(txn *store.Txn) int {
	li.RebootSeq++
	seq, _ := json.Marshal(li.RebootSeq)
	li.raw["rebootSeq"] = seq
	txn.Update(instanceKind.Key(li.Region, li.Account, li.ID), li.rev, li.raw)
	return li.RebootSeq
}

// regionInstances returns every instance record of the region, of all accounts.
func (s *Service) regionInstances(ctx context.Context, region string) ([]instanceRecord, error) {
	return store.ListAll[instanceRecord](ctx, s.Store, store.Key(instanceKind.Store, region)+"/")
}
