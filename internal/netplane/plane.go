// Package netplane owns the data plane of VPC networking on one host: a network
// namespace per VPC, a bridge per subnet, a tap per interface, the DHCP server
// that hands guests the addresses Kumo chose, the VPC's router (IP forwarding
// and an nftables table inside the namespace) and 1:1 NAT of public IPs towards
// the host (DESIGN §6).
//
// Everything it creates lives in the kernel, named deterministically from the
// AWS ids, so it survives a restart of Kumo: running VMs keep their network and
// a later Ensure/Del (or Restore) picks up where the last process stopped. Every
// Ensure/Attach is idempotent and has a Delete/Detach that can be called
// blindly, so reconcile loops can converge without remembering what they did.
//
// Safety: guest traffic never reaches the machine's uplink. A VPC namespace
// has no default route; its only way out is a veth to the host that routes
// nothing but a link-local /30, and the public pool has an `unreachable`
// route on the host so that addresses of deleted or not-yet-created
// interfaces go nowhere, even while Kumo is down.
package netplane

import (
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"os/exec"
	"regexp"
	"sync"
)

// Sentinel errors; callers match them with errors.Is.
var (
	// ErrNotFound means the VPC or subnet has not been ensured on this plane.
	ErrNotFound = errors.New("not found")
	// ErrInvalid means an argument is malformed or outside its allowed range.
	ErrInvalid = errors.New("invalid argument")
	// ErrConflict means a name or address is taken by something else.
	ErrConflict = errors.New("conflict")
)

// DefaultPublicPool is the range public and Elastic IPs come from: 198.18.0.0/15
// is reserved for benchmarking (RFC 2544), so it is never someone's real
// Internet address.
var DefaultPublicPool = netip.MustParsePrefix("198.18.0.0/16")

// DefaultPrefix starts the names of Kumo's namespaces and host links.
const DefaultPrefix = "kumo"

// Config configures a Plane.
type Config struct {
	// PublicPool is where public IPs come from; the host gets an
	// `unreachable` route for all of it. Default DefaultPublicPool.
	PublicPool netip.Prefix
	// Prefix starts every namespace and host link name, so that several
	// planes (tests) can share a host. Up to 6 characters [a-z0-9], starting
	// with a letter, because host link names are limited to 15 bytes.
	Prefix string
	// Log receives what the plane does; default slog.Default().
	Log *slog.Logger
}

var prefixRE = regexp.MustCompile(`^[a-z][a-z0-9]{0,5}$`)

// linkLocal is where the host↔VPC veth addresses come from.
var linkLocal = netip.MustParsePrefix("169.254.0.0/16")

// Validate fills defaults and checks the configuration.
func (c *Config) Validate() error {
	if !c.PublicPool.IsValid() {
		c.PublicPool = DefaultPublicPool
	}
	if c.Prefix == "" {
		c.Prefix = DefaultPrefix
	}
	if c.Log == nil {
		c.Log = slog.Default()
	}
	c.PublicPool = c.PublicPool.Masked()
	if !c.PublicPool.Addr().Is4() || c.PublicPool.Bits() < 8 {
		return fmt.Errorf("public pool %s: want an IPv4 prefix of /8 or longer: %w", c.PublicPool, ErrInvalid)
	}
	if c.PublicPool.Overlaps(linkLocal) {
		return fmt.Errorf("public pool %s overlaps %s, which links VPCs to the host: %w", c.PublicPool, linkLocal, ErrInvalid)
	}
	if !prefixRE.MatchString(c.Prefix) {
		return fmt.Errorf("name prefix %q: want 1-6 characters [a-z0-9] starting with a letter: %w", c.Prefix, ErrInvalid)
	}
	return nil
}

// Plane manages the VPC networking of one host. It is safe for concurrent use;
// kernel changes are serialized, which keeps read-modify-write of nftables maps
// and address allocation simple.
type Plane struct {
	cfg Config
	log *slog.Logger

	mu     sync.Mutex
	vpcs   map[string]*vpcState
	closed bool
}

type vpcState struct {
	id      string
	cidr    netip.Prefix
	subnets map[string]*subnetState
}

type subnetState struct {
	id   string
	cidr netip.Prefix
	dhcp *dhcpServer
}

// New checks that the host has the tools the plane drives, installs the
// `unreachable` route for the public pool and returns a Plane with no
// in-memory state; call Ensure* (or Restore) to adopt what the kernel has.
func New(cfg Config) (*Plane, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("netplane config: %w", err)
	}
	for _, tool := range []string{"ip", "nft"} {
		if _, err := exec.LookPath(tool); err != nil {
			return nil, fmt.Errorf("netplane: %q not found in PATH (install iproute2 and nftables): %w", tool, err)
		}
	}
	p := &Plane{cfg: cfg, log: cfg.Log, vpcs: map[string]*vpcState{}}
	if err := p.ensurePoolRoute(); err != nil {
		return nil, err
	}
	return p, nil
}

// PublicPool returns the pool public IPs must come from.
func (p *Plane) PublicPool() netip.Prefix { return p.cfg.PublicPool }

// Close stops the DHCP servers. It leaves the kernel state alone, so running
// VMs keep their network while Kumo restarts.
func (p *Plane) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	for _, v := range p.vpcs {
		for _, s := range v.subnets {
			s.dhcp.Close()
		}
	}
	p.vpcs = map[string]*vpcState{}
	return nil
}

func (p *Plane) vpc(vpcID string) (*vpcState, error) {
	if p.closed {
		return nil, fmt.Errorf("netplane closed: %w", ErrInvalid)
	}
	v, ok := p.vpcs[vpcID]
	if !ok {
		return nil, fmt.Errorf("vpc %s: %w", vpcID, ErrNotFound)
	}
	return v, nil
}

// revert collects undo steps for a multi-step kernel change; they run in
// reverse unless the change completes (call done), so a failure half-way
// leaves nothing behind.
type revert []func()

func (r *revert) add(f func()) { *r = append(*r, f) }
func (r *revert) done()        { *r = nil }
func (r *revert) run() {
	for i := len(*r) - 1; i >= 0; i-- {
		(*r)[i]()
	}
}
