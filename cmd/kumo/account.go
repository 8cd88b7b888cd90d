package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/kumo-cloud/kumo/internal/accounts"
	"github.com/kumo-cloud/kumo/internal/clock"
	"github.com/kumo-cloud/kumo/internal/daemon"
	"github.com/kumo-cloud/kumo/internal/store"
)

// account runs `kumo account create|list` against the etcd of a running
// `kumo serve` (its unix socket in the data dir) or an external cluster.
func account(args []string) error {
	if len(args) == 0 || (args[0] != "create" && args[0] != "list") {
		return fmt.Errorf("usage: kumo account create NAME [--data-dir DIR] | kumo account list [--data-dir DIR]")
	}
	cmd := args[0]
	fs := flag.NewFlagSet("account "+cmd, flag.ExitOnError)
	dataDir := fs.String("data-dir", daemon.DefaultConfig().DataDir, "data dir of the running kumo serve")
	etcd := fs.String("etcd", "", "external etcd endpoints (when kumo serve uses --etcd)")
	var name string
	rest := args[1:]
	if cmd == "create" {
		if len(rest) == 0 || rest[0] == "" || rest[0][0] == '-' {
			return fmt.Errorf("usage: kumo account create NAME [--data-dir DIR]")
		}
		name, rest = rest[0], rest[1:]
	}
	_ = fs.Parse(rest)

	ctx := context.Background()
	endpoints := splitList(*etcd)
	if len(endpoints) == 0 {
		sock := filepath.Join(*dataDir, "etcd", "client.sock")
		if _, err := os.Stat(sock); err != nil {
			return fmt.Errorf("no running kumo serve found with --data-dir %s (%s is missing); start it first", *dataDir, sock)
		}
		endpoints = []string{"unix://" + sock}
	}
	st, err := store.OpenRemote(ctx, endpoints)
	if err != nil {
		return err
	}
	defer st.Close()
	svc := &accounts.Service{Store: st, Now: clock.Real{}.Now}
	if cmd == "list" {
		all, err := svc.List(ctx)
		if err != nil {
			return err
		}
		fmt.Printf("%-14s %-20s %s\n", "ACCOUNT", "NAME", "CREATED")
		for _, a := range all {
			fmt.Printf("%-14s %-20s %s\n", a.ID, a.Name, a.CreatedAt.Format("2006-01-02T15:04:05Z"))
		}
		return nil
	}
	a, k, err := svc.Create(ctx, name, false, nil)
	if err != nil {
		return err
	}
	fmt.Printf("# account %s (%s)\nexport AWS_ACCESS_KEY_ID=%s\nexport AWS_SECRET_ACCESS_KEY=%s\n", a.ID, a.Name, k.ID, k.Secret)
	return nil
}
