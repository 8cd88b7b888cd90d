package imds

import (
	"context"
	"errors"
	"net/netip"
	"time"
)

// ErrUnknownCaller is what a Lookup returns (possibly wrapped) when no instance
// owns the source address. The server then answers 404 to everything, so a
// stray or spoofing caller learns nothing, not even that metadata exists.
var ErrUnknownCaller = errors.New("imds: no instance at source address")

// Lookup finds the instance behind the source address of a TCP connection. It
// is the only I/O on the request path, so it should read from memory.
type Lookup func(ctx context.Context, srcIP netip.Addr) (*Instance, error)

// Metadata option values, as ModifyInstanceMetadataOptions spells them.
const (
	EndpointEnabled  = "enabled"
	EndpointDisabled = "disabled"
	TokensOptional   = "optional"
	TokensRequired   = "required"
)

// Instance is everything the metadata tree shows for one instance. Empty
// optional fields leave their entries out of the listings instead of showing
// empty values, because cloud-init fetches every entry a listing names.
type Instance struct {
	AccountID          string
	Region             string
	AvailabilityZone   string
	AvailabilityZoneID string // e.g. use1-az1; omitted when empty
	InstanceID         string
	InstanceType       string
	ImageID            string
	ReservationID      string
	AMILaunchIndex     int
	Architecture       string    // x86_64 or arm64; empty means x86_64
	LaunchTime         time.Time // the document's pendingTime

	LocalIPv4      string
	PublicIPv4     string // empty: no public-ipv4 or ipv4-associations entries
	MAC            string // lowercase, colon-separated
	LocalHostname  string
	PublicHostname string // empty: no public-hostname entries

	SecurityGroups   []string // names
	SecurityGroupIDs []string
	InterfaceID      string
	SubnetID         string
	SubnetCIDR       string
	VPCID            string
	VPCCIDR          string
	VPCCIDRs         []string // all VPC IPv4 blocks; nil means just VPCCIDR
	DeviceNumber     int
	// LocalIPv4s are the primary interface's addresses, LocalIPv4 first
	// (nil: just LocalIPv4); SecondaryNICs the other attached interfaces.
	LocalIPv4s    []string
	SecondaryNICs []NIC

	// BlockDevices maps a virtual name (ami, root, ebs1, ephemeral0 …) to the
	// device the guest should expect, e.g. "ami" → "/dev/xvda".
	BlockDevices map[string]string
	PublicKeys   []PublicKey
	UserData     []byte // nil: user-data answers 404 and is not listed

	// Metadata options. Zero values mean the AWS defaults: enabled, optional, 1.
	HTTPEndpoint   string
	HTTPTokens     string
	HopLimit       int
	TagsInMetadata bool
	InstanceTags   map[string]string

	IAM         *IAMInfo    // nil: no instance profile, no iam/ entry
	Spot        bool        // instance-life-cycle spot instead of on-demand
	SpotAction  *SpotAction // nil: spot/ answers 404
	RebalanceAt *time.Time  // nil: events/recommendations/ answers 404
}

// PublicKey is one key pair the instance was launched with.
type PublicKey struct {
	Name    string
	OpenSSH string // "ssh-ed25519 AAAA… name"
}

// IAMInfo is the instance profile attached to an instance.
type IAMInfo struct {
	InstanceProfileArn string
	InstanceProfileID  string
	RoleName           string
	// Credentials returns the role's current temporary credentials. It is
	// called for every read of security-credentials/<role>, so it should
	// return cached credentials and refresh them well before they expire, as
	// EC2 does (it rotates at least five minutes before Expiration).
	Credentials func(ctx context.Context) (Credentials, error)
}

// Credentials are temporary credentials of a role.
type Credentials struct {
	AccessKeyID     string
	SecretAccessKey string
	Token           string
	Expiration      time.Time
	LastUpdated     time.Time // when they were issued; zero means now
}

// SpotAction is a pending Spot interruption.
type SpotAction struct {
	Action string // terminate, stop or hibernate
	Time   time.Time
}

func (in *Instance) endpointEnabled() bool { return in.HTTPEndpoint != EndpointDisabled }

func (in *Instance) tokensRequired() bool { return in.HTTPTokens == TokensRequired }

// hopLimit returns the IP TTL for the token reply, defaulting and clamping to
// the range EC2 accepts (1..64).
func (in *Instance) hopLimit() int {
	switch {
	case in.HopLimit <= 0:
		return 1
	case in.HopLimit > 64:
		return 64
	}
	return in.HopLimit
}

// NIC is one network interface under network/interfaces/macs/.
type NIC struct {
	MAC, InterfaceID              string
	DeviceNumber                  int
	LocalIPv4s                    []string // primary address first
	PublicIPv4                    string
	LocalHostname, PublicHostname string
	SecurityGroups                []string // names
	SecurityGroupIDs              []string
	SubnetID, SubnetCIDR          string
}
