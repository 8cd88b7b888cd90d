package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/kumo-cloud/kumo/internal/daemon"
)

func serve(args []string) error {
	cfg := daemon.DefaultConfig()
	fs := flag.NewFlagSet("serve", flag.ExitOnError)
	fs.StringVar(&cfg.Listen, "listen", cfg.Listen, "address of the AWS API endpoint")
	fs.StringVar(&cfg.DataDir, "data-dir", cfg.DataDir, "directory for Kumo's state")
	regions := fs.String("region", strings.Join(cfg.Regions, ","), "comma-separated regions to serve; the first is the default")
	etcd := fs.String("etcd", "", "comma-separated endpoints of an external etcd cluster (default: embedded)")
	fs.BoolVar(&cfg.Throttle, "throttle", cfg.Throttle, "enforce AWS's per-account API request-rate limits")
	logLevel := fs.String("log-level", "info", "debug, info, warn or error")
	quotas := fs.String("vcpu-quota", "", "per-account On-Demand vCPU quotas by family group, e.g. Standard=64,G=8 (defaults: Standard=512, G/P/F/Inf/Trn/DL/Mac=64, X=128)")
	pool := fs.String("public-pool", cfg.PublicPool.String(), "IPv4 range public addresses come from (reachable from this host only)")
	fs.IntVar(&cfg.RulesPerSecurityGroup, "rules-per-security-group", cfg.RulesPerSecurityGroup,
		"quota of inbound (and of outbound) rules per security group, up to 1000 (AWS raises it on request)")
	fs.Float64Var(&cfg.CPURatio, "cpu-ratio", cfg.CPURatio, "vCPUs instances may hold per host CPU")
	fs.Float64Var(&cfg.MemoryRatio, "memory-ratio", cfg.MemoryRatio, "instance memory allowed per byte of host memory (guests touch only what they use)")
	fs.StringVar(&cfg.HostName, "host-name", cfg.HostName, "name of this host in placement")
	fs.StringVar(&cfg.ImageDir, "image-dir", "", "cache of the built-in images (default DATA_DIR/images)")
	fs.StringVar(&cfg.NetPrefix, "net-prefix", cfg.NetPrefix, "prefix of the network namespaces and host links Kumo creates (1-6 of [a-z0-9])")
	_ = fs.Parse(args)

	var err error
	if cfg.PublicPool, err = netip.ParsePrefix(*pool); err != nil {
		return fmt.Errorf("--public-pool %q: %w", *pool, err)
	}
	for _, q := range splitList(*quotas) {
		group, n, ok := strings.Cut(q, "=")
		v, err := strconv.ParseInt(n, 10, 64)
		if _, known := cfg.Quotas[group]; !ok || err != nil || v < 0 || !known {
			return fmt.Errorf("--vcpu-quota %q: want GROUP=VCPUS with GROUP one of Standard, G, P, F, X, Inf, Trn, DL, Mac, HighMem", q)
		}
		cfg.Quotas[group] = v
	}
	cfg.Regions = splitList(*regions)
	cfg.Etcd = splitList(*etcd)
	cfg.RootAccessKeyID = os.Getenv("KUMO_ROOT_ACCESS_KEY_ID")
	cfg.RootSecretAccessKey = os.Getenv("KUMO_ROOT_SECRET_ACCESS_KEY")
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return fmt.Errorf("--log-level %q: want debug, info, warn or error", *logLevel)
	}
	cfg.Log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	d, err := daemon.Start(ctx, cfg)
	if err != nil {
		return err
	}
	fmt.Printf(`# Kumo is serving the EC2 API at %[1]s (operator account %[2]s).
# Credentials are also in %[3]s (profile "kumo").
export AWS_ACCESS_KEY_ID=%[4]s
export AWS_SECRET_ACCESS_KEY=%[5]s
export AWS_DEFAULT_REGION=%[6]s
# then: aws --endpoint-url %[1]s ec2 describe-regions
`, d.URL, d.Operator.ID, cfg.CredentialsPath(), d.RootKey.ID, d.RootKey.Secret, cfg.Regions[0])
	go func() {
		<-ctx.Done()
		cfg.Log.Info("shutting down")
		d.Close()
	}()
	return d.Wait()
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
