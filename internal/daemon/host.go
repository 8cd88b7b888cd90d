package daemon

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kumo-cloud/kumo/guest"
	"github.com/kumo-cloud/kumo/internal/agent"
	"github.com/kumo-cloud/kumo/internal/ec2/ebs"
	"github.com/kumo-cloud/kumo/internal/ec2/images"
	"github.com/kumo-cloud/kumo/internal/ec2/instances"
	"github.com/kumo-cloud/kumo/internal/ec2/vpc"
	"github.com/kumo-cloud/kumo/internal/hypervisor/qemu"
	"github.com/kumo-cloud/kumo/internal/imds"
	"github.com/kumo-cloud/kumo/internal/netplane"
	"github.com/kumo-cloud/kumo/internal/storage"
	"github.com/kumo-cloud/kumo/internal/sts"
)

// hostCapacity is this machine's vCPUs and memory times the allocation ratios.
func hostCapacity(cfg *Config) instances.Capacity {
	return instances.Capacity{
		Host:      cfg.HostName,
		VCPUs:     int64(float64(runtime.NumCPU()) * cfg.CPURatio),
		MemoryMiB: int64(float64(memTotalMiB()) * cfg.MemoryRatio),
	}
}

func memTotalMiB() int64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 1024
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == "MemTotal:" {
			kb, _ := strconv.ParseInt(fields[1], 10, 64)
			return kb / 1024
		}
	}
	return 1024
}

// imageBuilder builds the built-in images once per process, on first use.
type imageBuilder struct {
	dir string
	log func(string)

	mu    sync.Mutex
	built map[string]*agent.BootImage
}

func (b *imageBuilder) image(ctx context.Context, name string) (*agent.BootImage, error) {
	if name != images.MinimalName {
		return nil, fmt.Errorf("image %s: %w", name, images.ErrNotBuiltin)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if img := b.built[name]; img != nil {
		return img, nil
	}
	img, err := guest.Build(ctx, filepath.Join(b.dir, name), b.log)
	if err != nil {
		return nil, fmt.Errorf("build %s: %w", name, err)
	}
	bi := &agent.BootImage{Kernel: img.Kernel, Initrd: img.Initrd, Cmdline: img.Cmdline, RootDisk: img.RootDisk}
	b.built[name] = bi
	return bi, nil
}

// startAgent creates the hypervisor driver, the data plane and the host agent.
func (d *Daemon) startAgent(ctx context.Context, vpcs *vpc.Service, imgs *images.Service, insts *instances.Store, roles *sts.InstanceRoles) (*agent.Agent, error) {
	cfg := d.cfg
	if os.Geteuid() != 0 {
		return nil, fmt.Errorf("kumo serve runs virtual machines and must run as root (it creates network namespaces, nftables rules and taps): run it with sudo, e.g. `sudo make run`")
	}
	drv, err := qemu.New(ctx, qemu.Config{Log: cfg.Log.With("component", "qemu"), Clock: cfg.Clock})
	if err != nil {
		return nil, fmt.Errorf("hypervisor: %w", err)
	}
	plane, err := netplane.New(netplane.Config{PublicPool: cfg.PublicPool, Prefix: cfg.NetPrefix, Log: cfg.Log.With("component", "netplane")})
	if err != nil {
		return nil, fmt.Errorf("network: %w", err)
	}
	d.plane, d.driver = plane, drv
	builder := &imageBuilder{dir: cfg.ImageDir, built: map[string]*agent.BootImage{},
		log: func(s string) { cfg.Log.Info("image build: " + s) }}
	pool := &storage.Pool{Dir: filepath.Join(cfg.DataDir, "volumes"), MinAge: 5 * time.Minute}
	if err := os.MkdirAll(pool.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("volume directory: %w", err)
	}
	a := agent.New(agent.Config{
		Host: cfg.HostName, DataDir: cfg.DataDir, Store: d.Store, Instances: insts, VPCs: vpcs,
		EBS: &ebs.Store{S: d.Store, Now: d.cfg.Clock.Now}, Pool: pool,
		Driver: drv, Net: plane, Image: builder.image,
		ImageOf: func(ctx context.Context, region, amiID string) (string, error) {
			all, err := imgs.All(ctx, region)
			if err != nil {
				return "", err
			}
			for _, img := range all {
				if img.ID != amiID {
					continue
				}
				if img.KernelFrom != "" { // the built-in image whose kernel boots it
					return img.KernelFrom, nil
				}
				if img.Builtin != "" {
					return img.Builtin, nil
				}
				return "", nil // no kernel: the firmware boots its disk
			}
			return "", fmt.Errorf("image %s: %w", amiID, images.ErrNotBuiltin)
		},
		InstanceRole: instanceRole(roles),
		Clock:        cfg.Clock, Log: cfg.Log.With("component", "agent"),
		// Images become available once their snapshots completed.
		AfterPass: func(ctx context.Context) {
			for _, region := range cfg.Regions {
				if err := imgs.Refresh(ctx, region); err != nil {
					cfg.Log.Error("refresh images", "region", region, "err", err)
				}
			}
		},
	})
	if cfg.PrebuildImages {
		go func() {
			if _, err := builder.image(ctx, images.MinimalName); err != nil && ctx.Err() == nil {
				cfg.Log.Error("prebuild kumo-minimal", "err", err)
			}
		}()
	}
	return a, nil
}

// instanceRole gives the metadata service an instance's profile and the
// credentials of its role, minted and rotated by roles.
func instanceRole(roles *sts.InstanceRoles) func(ctx context.Context, in *instances.Instance) (*imds.IAMInfo, error) {
	return func(ctx context.Context, in *instances.Instance) (*imds.IAMInfo, error) {
		a := in.IAMProfile
		if a == nil {
			return nil, nil
		}
		key := sts.InstanceRole{Account: in.Account, InstanceID: in.ID, AssociationID: a.AssociationID, ProfileARN: a.ProfileARN}
		s, err := roles.Credentials(ctx, key)
		if err != nil {
			return nil, err
		}
		return &imds.IAMInfo{
			InstanceProfileArn: a.ProfileARN, InstanceProfileID: a.ProfileID, RoleName: sts.RoleName(s),
			Credentials: func(ctx context.Context) (imds.Credentials, error) {
				s, err := roles.Credentials(ctx, key)
				if err != nil {
					return imds.Credentials{}, err
				}
				return imds.Credentials{AccessKeyID: s.AccessKeyID, SecretAccessKey: s.Secret, Token: s.Token,
					Expiration: s.Expiration, LastUpdated: s.IssuedAt}, nil
			},
		}, nil
	}
}
