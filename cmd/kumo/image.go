package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/kumo-cloud/kumo/internal/daemon"
	"github.com/kumo-cloud/kumo/internal/ec2/images"
	"github.com/kumo-cloud/kumo/internal/imageimport"
	"github.com/kumo-cloud/kumo/internal/storage"
	"github.com/kumo-cloud/kumo/internal/store"
)

const imageUsage = `usage: kumo image import FILE --name NAME [flags]

Registers a raw or qcow2 disk image as an AMI of a running kumo serve: the
disk is copied into the serve's volume pool (DATA_DIR/volumes) as a
completed EBS snapshot, and an available AMI boots from it. Prints
"ami-… snap-…".

Flags:
`

// imageMain runs `kumo image import` until it ends or is interrupted: an
// interrupt stops qemu-img and removes the partial copy.
func imageMain(args []string) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return image(ctx, args, os.Stdout, os.Stderr)
}

// image runs `kumo image import`.
func image(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "import" {
		return fmt.Errorf("usage: kumo image import FILE --name NAME [--data-dir DIR] (kumo image import -h for more)")
	}
	defaults := daemon.DefaultConfig()
	fs := flag.NewFlagSet("image import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, imageUsage); fs.PrintDefaults() }
	name := fs.String("name", "", "AMI name (required; unique in the account and region)")
	desc := fs.String("description", "", "AMI description")
	account := fs.String("account", "", "owner account id (default: the operator account)")
	region := fs.String("region", "us-east-1", "region of the AMI")
	dataDir := fs.String("data-dir", defaults.DataDir, "data dir of the running kumo serve")
	etcd := fs.String("etcd", "", "external etcd endpoints (when kumo serve uses --etcd)")
	host := fs.String("host", defaults.HostName, "the kumo serve's --host-name, whose pool gets the disk")
	kernel := fs.String("kernel", images.MinimalName, images.MinimalName+": boot with its kernel, mounting the whole disk as root; none: boot the disk's own boot loader from firmware (BIOS)")
	public := fs.Bool("public", false, "let every account launch the AMI")

	// FILE may come before or after the flags.
	var file string
	rest := args[1:]
	if len(rest) > 0 && len(rest[0]) > 0 && rest[0][0] != '-' {
		file, rest = rest[0], rest[1:]
	}
	err := fs.Parse(rest)
	if err == nil && file == "" && fs.NArg() > 0 {
		file = fs.Arg(0)
		err = fs.Parse(fs.Args()[1:]) // flags after FILE
	}
	if errors.Is(err, flag.ErrHelp) {
		return nil
	} else if err != nil {
		return err
	}
	if fs.NArg() > 0 || file == "" || *name == "" {
		return fmt.Errorf("usage: kumo image import FILE --name NAME [flags] (kumo image import -h for more)")
	}
	req := imageimport.Request{File: file, Name: *name, Description: *desc, Account: *account,
		Region: *region, Host: *host, Public: *public}
	switch *kernel {
	case "none":
	case images.MinimalName:
		req.Kernel = *kernel
	default:
		return fmt.Errorf("--kernel %q: want %s or none", *kernel, images.MinimalName)
	}

	st, err := openStore(ctx, *dataDir, *etcd)
	if err != nil {
		return err
	}
	defer st.Close()
	im := &imageimport.Importer{Store: st, Pool: storage.Pool{Dir: filepath.Join(*dataDir, "volumes")},
		Now: time.Now, Out: stderr}
	res, err := im.Import(ctx, req)
	if err != nil {
		return fmt.Errorf("image import: %w", err)
	}
	boot := "kernel " + req.Kernel
	if req.Kernel == "" {
		boot = "firmware boot"
	}
	fmt.Fprintf(stderr, "imported %s (%s, %d GiB, %.1f MiB stored) as %s from %s (%s), account %s, %s\n",
		file, res.Format, res.SizeGiB, float64(res.StoredBytes)/(1<<20), res.ImageID, res.SnapshotID, boot, res.Account, req.Region)
	fmt.Fprintln(stdout, res.ImageID, res.SnapshotID)
	return nil
}

// openStore connects to the etcd of the kumo serve with data dir dataDir
// (its unix socket there), or to the external cluster etcd names.
func openStore(ctx context.Context, dataDir, etcd string) (*store.Store, error) {
	endpoints := splitList(etcd)
	if len(endpoints) == 0 {
		sock := filepath.Join(dataDir, "etcd", "client.sock")
		if _, err := os.Stat(sock); err != nil {
			return nil, fmt.Errorf("no running kumo serve found with --data-dir %s (%s is missing); start it first", dataDir, sock)
		}
		endpoints = []string{"unix://" + sock}
	}
	return store.OpenRemote(ctx, endpoints)
}
