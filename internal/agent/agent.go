// Package agent is the host agent: it watches the instances assigned to its host
// and converges real VMs to them — disk overlays, network interfaces, QEMU
// processes, the metadata service — and writes the observed state back.
//
// Every step is idempotent and resumable: after a crash of Kumo at any line the
// next pass finishes or repairs the work, and running VMs are adopted.
package agent

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"time"

	"github.com/kumo-cloud/kumo/internal/clock"
	"github.com/kumo-cloud/kumo/internal/ec2/ebs"
	"github.com/kumo-cloud/kumo/internal/ec2/instances"
	"github.com/kumo-cloud/kumo/internal/ec2/vpc"
	"github.com/kumo-cloud/kumo/internal/hypervisor"
	"github.com/kumo-cloud/kumo/internal/imds"
	"github.com/kumo-cloud/kumo/internal/netplane"
	"github.com/kumo-cloud/kumo/internal/storage"
	"github.com/kumo-cloud/kumo/internal/store"
)

// BootImage is a bootable built-in image.
type BootImage struct {
	Kernel, Initrd, Cmdline string
	RootDisk                string // qcow2 base of instance overlays
}

// Config is what the agent needs.
type Config struct {
	Host      string
	DataDir   string // instance files live in DataDir/instances/<id>
	Store     *store.Store
	Instances *instances.Store
	VPCs      *vpc.Service
	Driver    hypervisor.Driver
	Net       *netplane.Plane
	// Image returns the built-in image by name, building it on first use.
	Image func(ctx context.Context, name string) (*BootImage, error)
	// ImageOf maps an AMI id to its built-in image name.
	ImageOf func(ctx context.Context, region, amiID string) (string, error)
	Clock   clock.Clock
	Log     *slog.Logger
	// Tick is how often every instance is re-examined without a kick.
	Tick time.Duration
	// EBS holds the volume and snapshot records; Pool the volume files.
	EBS  *ebs.Store
	Pool *storage.Pool
	// InstanceRole, if set, returns the instance profile of an instance and
	// the credentials of its role for the metadata service (nil: none).
	InstanceRole func(ctx context.Context, in *instances.Instance) (*imds.IAMInfo, error)
	// AfterPass, if set, runs at the end of every pass (the images refresh
	// their state from their snapshots there).
	AfterPass func(ctx context.Context)
}

// gcEvery is how many passes go by between garbage collections of volume files.
const gcEvery = 60

// Agent runs the VMs of one host.
type Agent struct {
	cfg  Config
	log  *slog.Logger
	kick chan struct{}

	mu      sync.Mutex
	busy    map[string]bool // instances with a step in flight
	adopted bool
	md      *metadata
	fw      firewallState     // touched only by pass
	nat     map[string]string // ENI id → public IP installed; only pass touches it
	passes  int               // counts passes, for the occasional garbage collection
}

// New returns an agent; Run starts it.
func New(cfg Config) *Agent {
	if cfg.Tick == 0 {
		cfg.Tick = time.Second
	}
	a := &Agent{cfg: cfg, log: cfg.Log, kick: make(chan struct{}, 1), busy: map[string]bool{},
		fw:  firewallState{rules: map[string]string{}, members: map[string]string{}},
		nat: map[string]string{}}
	a.md = newMetadata(a)
	return a
}

// Kick makes the agent look at every instance now.
func (a *Agent) Kick() {
	select {
	case a.kick <- struct{}{}:
	default:
	}
}

// Console returns what an instance's serial console printed.
func (a *Agent) Console(ctx context.Context, id string) ([]byte, error) {
	return a.cfg.Driver.Console(ctx, id)
}

// Run reconciles until ctx ends.
func (a *Agent) Run(ctx context.Context) {
	t := time.NewTicker(a.cfg.Tick)
	defer t.Stop()
	defer a.md.close()
	for {
		if err := a.pass(ctx); err != nil && ctx.Err() == nil {
			a.log.Error("reconcile pass", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-a.kick:
		}
	}
}

// pass looks at every instance of this host once and starts a step for those
// that need one.
func (a *Agent) pass(ctx context.Context) error {
	all, err := a.cfg.Instances.All(ctx)
	if err != nil {
		return err
	}
	var mine []instances.Instance
	for _, in := range all {
		if in.Host == a.cfg.Host {
			mine = append(mine, in)
		}
	}
	enis, err := a.enisByInstance(ctx, mine)
	if err != nil {
		return err
	}
	a.md.refresh(mine, enis)
	a.mu.Lock()
	first := !a.adopted
	a.adopted = true
	a.mu.Unlock()
	if first {
		a.restoreNetwork(ctx, mine)
	}
	a.syncFirewalls(ctx, mine, enis)
	a.syncPublicIPs(ctx, mine)
	a.syncAttachments(ctx, mine, enis)
	if st, err := a.readEBS(ctx); err != nil {
		a.log.Error("read volumes and snapshots", "err", err)
	} else {
		a.md.setVolumes(st)
		a.syncVolumes(ctx, st, mine)
		if a.passes%gcEvery == 0 {
			a.collectGarbage(ctx, st)
		}
	}
	a.passes++
	if a.cfg.AfterPass != nil {
		a.cfg.AfterPass(ctx)
	}
	for i := range mine {
		in := mine[i]
		running := a.vmRunning(ctx, &in, first)
		act := decide(&in, running)
		if act == actNone {
			continue
		}
		a.mu.Lock()
		if a.busy[in.ID] {
			a.mu.Unlock()
			continue
		}
		a.busy[in.ID] = true
		a.mu.Unlock()
		go func() {
			defer func() {
				a.mu.Lock()
				delete(a.busy, in.ID)
				a.mu.Unlock()
			}()
			log := a.log.With("instance_id", in.ID, "action", act.String())
			if err := a.step(ctx, &in, act); err != nil && ctx.Err() == nil {
				log.Error("instance step failed", "err", err)
				return
			}
			log.Debug("instance step done")
			a.Kick()
		}()
	}
	return nil
}

// vmRunning asks the driver about the instance's VM; on the first pass after a
// start it re-adopts VMs that outlived the previous Kumo process.
func (a *Agent) vmRunning(ctx context.Context, in *instances.Instance, adopt bool) bool {
	if adopt && in.State != instances.Terminated && in.State != instances.Stopped {
		if spec, err := a.spec(ctx, in, ""); err == nil {
			st, err := a.cfg.Driver.Adopt(ctx, spec)
			if vmRunning(st, err) {
				a.log.Info("adopted running vm", "instance_id", in.ID, "pid", st.PID)
				return true
			}
		}
	}
	return vmRunning(a.cfg.Driver.Status(ctx, in.ID))
}

func (a *Agent) step(ctx context.Context, in *instances.Instance, act action) error {
	switch act {
	case actBoot:
		return a.boot(ctx, in)
	case actAdopt:
		return a.markRunning(ctx, in)
	case actReboot:
		return a.reboot(ctx, in)
	case actGuestOff:
		return a.guestOff(ctx, in)
	case actStop:
		return a.stop(ctx, in)
	case actTerminate:
		return a.terminate(ctx, in)
	case actKill:
		return a.cfg.Driver.Stop(ctx, in.ID, true)
	}
	return fmt.Errorf("unknown action %d", act)
}

func (a *Agent) dir(id string) string { return filepath.Join(a.cfg.DataDir, "instances", id) }

// update writes a change to the instance record.
func (a *Agent) update(ctx context.Context, in *instances.Instance, change func(*instances.Instance) error) (*instances.Instance, error) {
	return a.cfg.Instances.Update(ctx, in.Region, in.Account, in.ID, change)
}
