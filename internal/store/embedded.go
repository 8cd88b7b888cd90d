package store

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/embed"
	"go.etcd.io/etcd/server/v3/etcdserver/api/v3client"
	"go.uber.org/zap"
)

// OpenEmbedded starts an etcd server inside this process with its data in dir and
// returns a store that talks to it without a network hop. Its client listener is a
// unix socket inside dir, so several instances never fight over ports.
func OpenEmbedded(ctx context.Context, dir string, log *slog.Logger) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("open embedded etcd: %w", err)
	}
	cfg := embed.NewConfig()
	cfg.Name = "kumo"
	cfg.Dir = dir
	// etcd logs through zap; its shutdown chatter ("server closed") is noise
	// here, and real failures reach Kumo as errors from the client.
	cfg.ZapLoggerBuilder = embed.NewZapLoggerBuilder(zap.NewNop())
	// etcd names its unix listeners after the URL host; keep them inside dir.
	client := url.URL{Scheme: "unix", Path: filepath.Join(dir, "client.sock")}
	// A single member never dials its peer URL; port 0 takes any free loopback port.
	peer := url.URL{Scheme: "http", Host: "127.0.0.1:0"}
	cfg.ListenClientUrls = []url.URL{client}
	cfg.AdvertiseClientUrls = []url.URL{client}
	cfg.ListenPeerUrls = []url.URL{peer}
	cfg.AdvertisePeerUrls = []url.URL{peer}
	cfg.InitialCluster = cfg.Name + "=" + peer.String()
	cfg.AutoCompactionMode = embed.CompactorModeRevision
	cfg.AutoCompactionRetention = "10000"
	// Stale sockets from a killed daemon would make the listeners fail.
	_ = os.Remove(client.Path)

	e, err := embed.StartEtcd(cfg)
	if err != nil {
		return nil, fmt.Errorf("start embedded etcd in %s: %w", dir, err)
	}
	select {
	case <-e.Server.ReadyNotify():
	case err := <-e.Err():
		e.Close()
		return nil, fmt.Errorf("embedded etcd: %w", err)
	case <-time.After(60 * time.Second):
		e.Close()
		return nil, fmt.Errorf("embedded etcd in %s did not become ready in 60s", dir)
	case <-ctx.Done():
		e.Close()
		return nil, ctx.Err()
	}
	log.Debug("embedded etcd ready", "dir", dir)
	cli := v3client.New(e.Server)
	s := New(cli, func() error {
		cli.Close()
		e.Close()
		return nil
	})
	s.read = []clientv3.OpOption{clientv3.WithSerializable()}
	return s, nil
}

// OpenRemote connects to an external etcd cluster.
func OpenRemote(ctx context.Context, endpoints []string) (*Store, error) {
	cli, err := clientv3.New(clientv3.Config{Endpoints: endpoints, DialTimeout: 10 * time.Second, Context: ctx})
	if err != nil {
		return nil, fmt.Errorf("connect to etcd %v: %w", endpoints, err)
	}
	// clientv3.New does not dial eagerly; prove the cluster answers.
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := cli.Status(sctx, endpoints[0]); err != nil {
		cli.Close()
		return nil, fmt.Errorf("etcd at %s does not answer: %w", endpoints[0], err)
	}
	return New(cli, cli.Close), nil
}
