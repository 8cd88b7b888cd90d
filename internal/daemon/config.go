// Package daemon wires the control plane of `kumo serve`: the store, the
// accounts, the API services and the HTTP listener.
package daemon

import (
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"

	"github.com/kumo-cloud/kumo/internal/catalog"
	"github.com/kumo-cloud/kumo/internal/clock"
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
		Clock:    clock.Real{},
		Log:      slog.New(slog.NewTextHandler(os.Stderr, nil)),
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
	if c.Clock == nil {
		c.Clock = clock.Real{}
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	return nil
}

func (c *Config) etcdDir() string { return filepath.Join(c.DataDir, "etcd") }

// CredentialsPath is where the operator's root key is written.
func (c *Config) CredentialsPath() string { return filepath.Join(c.DataDir, "credentials") }
