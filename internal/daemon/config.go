// Package daemon wires the control plane of `kumo serve`: the store, the
// accounts, the API services and the HTTP listener.
package daemon

import (
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"path/filepath"

	"github.com/kumo-cloud/kumo/internal/catalog"
	"github.com/kumo-cloud/kumo/internal/clock"
	"github.com/kumo-cloud/kumo/internal/ec2/instances"
	"github.com/kumo-cloud/kumo/internal/ec2/vpc"
	"github.com/kumo-cloud/kumo/internal/netplane"
)

// Config is the configuration of `kumo serve`.
type Config struct {
	// Listen is the address of the AWS endpoint.
	Listen string
	// DataDir holds the embedded etcd, the credentials file and instance files.
	DataDir string
	// Regions served; the first is the default.
	Regions []string
	// Etcd lists external etcd endpoints; empty runs etcd embedded in DataDir.
	Etcd []string
	// Throttle enables AWS's per-account request-rate limits.
	Throttle bool
	// RootAccessKeyID and RootSecretAccessKey, when set, become the operator's
	// root key on first start (KUMO_ROOT_ACCESS_KEY_ID / _SECRET_ACCESS_KEY).
	RootAccessKeyID, RootSecretAccessKey string

	// HostName names this host in instance records (placement).
	HostName string
	// CPURatio and MemoryRatio overcommit the host: instances may hold this
	// many times its vCPUs and memory.
	CPURatio, MemoryRatio float64
	// Quotas are the per-account On-Demand vCPU quotas by instance family group.
	Quotas map[string]int64
	// RulesPerSecurityGroup is the quota of inbound (and of outbound) rules
	// per security group, AWS's 60 unless raised, at most 1,000.
	RulesPerSecurityGroup int
	// PublicPool is where public IPv4 addresses come from.
	PublicPool netip.Prefix
	// NetPrefix starts the names of Kumo's network namespaces and host links.
	NetPrefix string
	// ImageDir caches the built-in images (default DataDir/images).
	ImageDir string
	// PrebuildImages builds kumo-minimal at start instead of at first launch.
	PrebuildImages bool
	// Agent runs the host agent (VMs); off only for API-only tests.
	Agent bool

	Clock clock.Clock
	Log   *slog.Logger
}

// DefaultListen is the historic EC2-API port of Eucalyptus and OpenStack.
const DefaultListen = "127.0.0.1:8773"

// DefaultConfig returns the defaults of DESIGN §4.
func DefaultConfig() Config {
	home, _ := os.UserHomeDir()
	return Config{
		Listen:   DefaultListen,
		DataDir:  filepath.Join(home, ".kumo"),
		Regions:  []string{"us-east-1"},
		Throttle: true,
		HostName: hostName(),
		CPURatio: 16, MemoryRatio: 1.5,
		Quotas:                instances.DefaultQuotas(),
		RulesPerSecurityGroup: vpc.DefaultRulesPerGroup,
		PublicPool:            netplane.DefaultPublicPool,
		NetPrefix:             netplane.DefaultPrefix,
		PrebuildImages:        true,
		Agent:                 true,
		Clock:                 clock.Real{},
		Log:                   slog.New(slog.NewTextHandler(os.Stderr, nil)),
	}
}

// Validate checks the configuration and says how to fix what is wrong.
func (c *Config) Validate() error {
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		return fmt.Errorf("--listen %q: want host:port, e.g. %s", c.Listen, DefaultListen)
	}
	if c.DataDir == "" {
		return fmt.Errorf("--data-dir is empty: give a directory for Kumo's state")
	}
	if len(c.Regions) == 0 {
		return fmt.Errorf("--region is empty: give at least one region, e.g. us-east-1")
	}
	for _, r := range c.Regions {
		if _, ok := catalog.LookupRegion(r); !ok {
			return fmt.Errorf("--region %q is not an AWS region (e.g. us-east-1, eu-west-1)", r)
		}
	}
	if (c.RootAccessKeyID == "") != (c.RootSecretAccessKey == "") {
		return fmt.Errorf("set both KUMO_ROOT_ACCESS_KEY_ID and KUMO_ROOT_SECRET_ACCESS_KEY, or neither")
	}
	if c.RulesPerSecurityGroup == 0 {
		c.RulesPerSecurityGroup = vpc.DefaultRulesPerGroup
	}
	if c.RulesPerSecurityGroup < 1 || c.RulesPerSecurityGroup > vpc.MaxRulesPerGroup {
		return fmt.Errorf("--rules-per-security-group %d: want 1 to %d (AWS's default is %d)",
			c.RulesPerSecurityGroup, vpc.MaxRulesPerGroup, vpc.DefaultRulesPerGroup)
	}
	if c.CPURatio <= 0 || c.MemoryRatio <= 0 {
		return fmt.Errorf("allocation ratios must be positive (cpu %v, memory %v)", c.CPURatio, c.MemoryRatio)
	}
	if !c.PublicPool.IsValid() || !c.PublicPool.Addr().Is4() {
		return fmt.Errorf("--public-pool %v: want an IPv4 prefix such as 198.18.0.0/16", c.PublicPool)
	}
	if c.ImageDir == "" {
		c.ImageDir = filepath.Join(c.DataDir, "images")
	}
	if c.HostName == "" {
		c.HostName = hostName()
	}
	if c.Quotas == nil {
		c.Quotas = instances.DefaultQuotas()
	}
	if c.Clock == nil {
		c.Clock = clock.Real{}
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	return nil
}

func (c *Config) etcdDir() string { return filepath.Join(c.DataDir, "etcd") }

func hostName() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		return "local"
	}
	return h
}

// CredentialsPath is where the operator's root key is written.
func (c *Config) CredentialsPath() string { return filepath.Join(c.DataDir, "credentials") }
