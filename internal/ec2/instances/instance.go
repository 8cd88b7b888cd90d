// Package instances serves the EC2 instance API: RunInstances, DescribeInstances,
// the lifecycle calls, status, console output and attributes. Handlers record
// the desired state in etcd and answer; the host agent converges the real VM and
// writes the observed state back into the same record.
package instances

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/billing/usage"
	"github.com/kumo-cloud/kumo/internal/ec2/ebs"
	"github.com/kumo-cloud/kumo/internal/ec2/resource"
	"github.com/kumo-cloud/kumo/internal/store"
)

// Kind is the instance resource kind.
var Kind = resource.Kind{Type: "instance", Prefix: "i", Store: "instance", Noun: "instance",
	NotFound: "InvalidInstanceID.NotFound", Malformed: "InvalidInstanceID.Malformed"}

// VolumeKind names volumes; the ebs package owns them.
var VolumeKind = ebs.VolumeKind

func init() { resource.Register(Kind) }

// State is an instance state name; Code is its EC2 state code.
type State string

// The EC2 instance states.
const (
	Pending      State = "pending"
	Running      State = "running"
	ShuttingDown State = "shutting-down"
	Terminated   State = "terminated"
	Stopping     State = "stopping"
	Stopped      State = "stopped"
)

// Code returns the EC2 state code (the low byte of InstanceState.Code).
func (s State) Code() int32 {
	return map[State]int32{Pending: 0, Running: 16, ShuttingDown: 32, Terminated: 48, Stopping: 64, Stopped: 80}[s]
}

// Reason is a StateReason.
type Reason struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// MetadataOptions are the instance's IMDS settings.
type MetadataOptions struct {
	HTTPTokens   string `json:"httpTokens"`   // optional | required
	HopLimit     int32  `json:"hopLimit"`     // 1..64
	HTTPEndpoint string `json:"httpEndpoint"` // enabled | disabled
	Tags         string `json:"tags"`         // enabled | disabled
}

// RootDevice is the instance's root EBS volume.
type RootDevice struct {
	VolumeID            string    `json:"volumeId"`
	DeviceName          string    `json:"deviceName"`
	SizeGiB             int32     `json:"sizeGiB"`
	VolumeType          string    `json:"volumeType"`
	DeleteOnTermination bool      `json:"deleteOnTermination"`
	AttachTime          time.Time `json:"attachTime"`
}

// GroupRef names a security group of an interface (names never change).
type GroupRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Instance is the stored record of an instance.
type Instance struct {
	resource.Meta
	ReservationID    string `json:"reservationId"`
	ImageID          string `json:"imageId"`
	InstanceType     string `json:"instanceType"`
	VCPUs            int32  `json:"vcpus"`
	MemoryMiB        int64  `json:"memoryMiB"`
	KeyName          string `json:"keyName,omitempty"`
	PublicKey        string `json:"publicKey,omitempty"` // copied at launch, as EC2 does
	AvailabilityZone string `json:"availabilityZone"`
	VPCID            string `json:"vpcId"`
	SubnetID         string `json:"subnetId"`
	ENIID            string `json:"eniId"`
	MAC              string `json:"mac"`
	PrivateIP        string `json:"privateIp"`
	PublicIP         string `json:"publicIp,omitempty"`
	AssignPublicIP   bool   `json:"assignPublicIp,omitempty"`
	// EIPAllocation and EIPAssociation are set while PublicIP is an Elastic
	// IP; it stays across stop/start, unlike an auto-assigned address.
	EIPAllocation  string     `json:"eipAllocation,omitempty"`
	EIPAssociation string     `json:"eipAssociation,omitempty"`
	Groups         []GroupRef `json:"groups"`
	// SecondaryIPs, ENIDescription and NoSourceDestCheck belong to the
	// primary interface (AssignPrivateIpAddresses, ModifyNetworkInterfaceAttribute).
	SecondaryIPs      []string        `json:"secondaryIps,omitempty"`
	ENIDescription    string          `json:"eniDescription,omitempty"`
	NoSourceDestCheck bool            `json:"noSourceDestCheck,omitempty"`
	UserData          []byte          `json:"userData,omitempty"`
	LaunchIndex       int32           `json:"launchIndex"`
	LaunchTime        time.Time       `json:"launchTime"`
	ClientToken       string          `json:"clientToken,omitempty"`
	ShutdownBehavior  string          `json:"shutdownBehavior"` // stop | terminate
	DisableAPITerm    bool            `json:"disableApiTermination,omitempty"`
	DisableAPIStop    bool            `json:"disableApiStop,omitempty"`
	Metadata          MetadataOptions `json:"metadata"`
	// IAMProfile is the instance profile association, if any.
	IAMProfile *ProfileAssociation `json:"iamProfile,omitempty"`
	Root       RootDevice          `json:"root"`
	Host       string              `json:"host"`

	// State is the observed state; the API moves it into the transitional
	// states (stopping, shutting-down, pending) at once, the agent finishes them.
	State            State     `json:"state"`
	StateReason      *Reason   `json:"stateReason,omitempty"`
	TransitionReason string    `json:"transitionReason,omitempty"`
	StateSince       time.Time `json:"stateSince"`
	// Desired is where the API wants the instance: running, stopped or terminated.
	Desired State `json:"desired"`
	// ForceStop asks the agent not to wait for a clean guest shutdown.
	ForceStop bool `json:"forceStop,omitempty"`
	// RebootSeq counts RebootInstances calls; the agent reboots while RebootDone lags.
	RebootSeq  int `json:"rebootSeq,omitempty"`
	RebootDone int `json:"rebootDone,omitempty"`
	// GuestReady is set by the agent when the guest OS answered (its DHCP lease or
	// first metadata request); it drives the instance status check.
	GuestReady bool `json:"guestReady,omitempty"`
	// Impaired is set by the agent when the VM process is unhealthy.
	Impaired bool `json:"impaired,omitempty"`
}

// Visible reports whether a DescribeInstances still lists the instance:
// terminated instances stay visible for an hour, as on AWS.
func (i *Instance) Visible(now time.Time) bool {
	return i.State != Terminated || now.Sub(i.StateSince) < time.Hour
}

// PrivateDNSName is the EC2 internal host name, ip-172-31-1-2.ec2.internal in
// us-east-1 and ip-….<region>.compute.internal elsewhere.
func PrivateDNSName(ip, region string) string {
	if ip == "" {
		return ""
	}
	host := "ip-" + dashes(ip)
	if region == "us-east-1" {
		return host + ".ec2.internal"
	}
	return host + "." + region + ".compute.internal"
}

// PublicDNSName is the EC2 public host name of an address.
func PublicDNSName(ip, region string) string {
	if ip == "" {
		return ""
	}
	if region == "us-east-1" {
		return "ec2-" + dashes(ip) + ".compute-1.amazonaws.com"
	}
	return "ec2-" + dashes(ip) + "." + region + ".compute.amazonaws.com"
}

func dashes(ip string) string {
	b := []byte(ip)
	for i, c := range b {
		if c == '.' {
			b[i] = '-'
		}
	}
	return string(b)
}

// checkID validates one instance id parameter.
func checkID(id string) error {
	if id == "" {
		return awserr.MissingParameter("InstanceId")
	}
	if !Kind.ValidID(id) {
		return awserr.BadRequest(Kind.Malformed, "Invalid id: \"%s\"", id)
	}
	return nil
}

// Store is the instance record store.
type Store struct {
	S *store.Store
}

// List returns the account's instances in the region, ordered by id.
func (s *Store) List(ctx context.Context, region, account string) ([]Instance, error) {
	return store.ListAll[Instance](ctx, s.S, Kind.ListPrefix(region, account))
}

// All returns every instance in the store (all regions and accounts).
func (s *Store) All(ctx context.Context) ([]Instance, error) {
	return store.ListAll[Instance](ctx, s.S, store.Key(Kind.Store)+"/")
}

// Get returns one instance and its revision.
func (s *Store) Get(ctx context.Context, region, account, id string) (*Instance, int64, error) {
	var in Instance
	rev, err := s.S.Get(ctx, Kind.Key(region, account, id), &in)
	if errors.Is(err, store.ErrNotFound) {
		return nil, 0, awserr.BadRequest(Kind.NotFound, "The instance ID '%s' does not exist", id)
	}
	return &in, rev, err
}

// Update applies change to the stored instance with optimistic concurrency,
// retrying on conflicts. change may return an error to abort.
func (s *Store) Update(ctx context.Context, region, account, id string, change func(*Instance) error) (*Instance, error) {
	for range 20 {
		in, rev, err := s.Get(ctx, region, account, id)
		if err != nil {
			return nil, err
		}
		was := *in
		if err := change(in); err != nil {
			return nil, err
		}
		txn := s.S.Txn().Update(Kind.Key(region, account, id), rev, in)
		if in.State != was.State {
			usage.Record(txn, in.usageEvent())
		}
		RecordPublicIPv4(txn, &was, in, time.Now())
		err = txn.Commit(ctx)
		if errors.Is(err, store.ErrConflict) {
			continue
		}
		return in, err
	}
	return nil, awserr.New(http.StatusServiceUnavailable, "RequestLimitExceeded", "The instance %s is being modified concurrently; retry.", id)
}

// usageEvent is the meter's record of the instance entering its state.
func (i *Instance) usageEvent() usage.Event {
	return usage.Event{Time: i.StateSince, Kind: usage.Instance, Account: i.Account, Region: i.Region, ID: i.ID,
		State: string(i.State), Zone: i.AvailabilityZone, InstanceType: i.InstanceType,
		Platform: "Linux/UNIX", Tenancy: "default", Market: "on-demand", Tags: i.Tags}
}

// RecordPublicIPv4 meters the instance's auto-assigned public address when
// an update gives or takes one: AWS bills every public IPv4 address by the
// hour, and an auto-assigned one for as long as the instance holds it
// (Elastic IPs are metered from allocation to release by their own
// package). Callers that write instance records themselves call it too.
func RecordPublicIPv4(txn *store.Txn, was, now *Instance, at time.Time) {
	autoWas := was.PublicIP != "" && was.EIPAllocation == ""
	autoNow := now.PublicIP != "" && now.EIPAllocation == ""
	if autoWas && (!autoNow || was.PublicIP != now.PublicIP) {
		usage.Record(txn, usage.Event{Time: at, Kind: usage.PublicIPv4, Account: now.Account, Region: now.Region, ID: now.ID, State: usage.Deleted, Tags: now.Tags})
	}
	if autoNow && (!autoWas || was.PublicIP != now.PublicIP) {
		usage.Record(txn, usage.Event{Time: at, Kind: usage.PublicIPv4, Account: now.Account, Region: now.Region, ID: now.ID, State: usage.Created, Tags: now.Tags})
	}
}
