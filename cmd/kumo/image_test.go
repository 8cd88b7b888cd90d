package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"

	"github.com/kumo-cloud/kumo/internal/ec2/ebs"
	"github.com/kumo-cloud/kumo/internal/ec2/images"
	"github.com/kumo-cloud/kumo/internal/imageimport"
	"github.com/kumo-cloud/kumo/internal/testenv"
)

// These tests run `kumo image import` (the function behind it, with its
// flags) against a real kumo serve without the host agent, and look at the
// result through the EC2 API: no VM boots.

func needQemuImg(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("qemu-img"); err != nil {
		t.Fatal("kumo image import needs qemu-img: install qemu-utils")
	}
}

func qemuImg(t *testing.T, args ...string) {
	t.Helper()
	if out, err := exec.Command("qemu-img", args...).CombinedOutput(); err != nil {
		t.Fatalf("qemu-img %v: %v: %s", args, err, out)
	}
}

// disk writes a raw disk of size bytes, with an ext superblock magic (a
// file system on the whole disk, as kumo-minimal boots) or an MBR boot
// signature (what firmware boots), and some data.
func disk(t *testing.T, path string, size int, kind string) string {
	t.Helper()
	b := make([]byte, size)
	switch kind {
	case "ext":
		b[1080], b[1081] = 0x53, 0xef
	case "mbr":
		b[510], b[511] = 0x55, 0xaa
	}
	copy(b[8192:], "kumo image import test data")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// importImage runs the command and returns its stdout fields or its error.
func importImage(t *testing.T, env *testenv.Env, file, name string, flags ...string) (ami, snap string, err error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	args := append([]string{"import", file, "--name", name, "--data-dir", env.Config.DataDir, "--host", env.Config.HostName}, flags...)
	if err := image(context.Background(), args, &stdout, &stderr); err != nil {
		return "", "", err
	}
	f := strings.Fields(stdout.String())
	if len(f) != 2 || !strings.HasPrefix(f[0], "ami-") || !strings.HasPrefix(f[1], "snap-") {
		t.Fatalf("stdout %q, want \"ami-… snap-…\"; stderr %q", stdout.String(), stderr.String())
	}
	if !strings.Contains(stderr.String(), "imported "+file) {
		t.Errorf("stderr %q has no summary", stderr.String())
	}
	return f[0], f[1], nil
}

// poolFiles lists the serve's volume pool.
func poolFiles(t *testing.T, env *testenv.Env) []string {
	t.Helper()
	ents, err := os.ReadDir(filepath.Join(env.Config.DataDir, "volumes"))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	} else if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	return out
}

func TestImageImport(t *testing.T) {
	needQemuImg(t)
	env := testenv.Start(t)
	ctx := context.Background()
	c := env.EC2()
	dir := t.TempDir()

	raw := disk(t, filepath.Join(dir, "fs.raw"), 3<<20, "ext")
	qcow := filepath.Join(dir, "fs.qcow2")
	qemuImg(t, "convert", "-f", "raw", "-O", "qcow2", raw, qcow)
	qemuImg(t, "resize", "-q", qcow, "1500M") // not whole GiB: the snapshot rounds up
	mbr := disk(t, filepath.Join(dir, "mbr.img"), 1<<20, "mbr")

	tests := []struct {
		file, name string
		flags      []string
		sizeGiB    int32
		kernel     string
	}{
		{qcow, "imported-qcow2", nil, 2, images.MinimalName},
		{raw, "imported-raw", []string{"--description", "a raw disk"}, 1, images.MinimalName},
		{mbr, "imported-firmware", []string{"--kernel", "none"}, 1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ami, snap, err := importImage(t, env, tt.file, tt.name, tt.flags...)
			if err != nil {
				t.Fatal(err)
			}
			di, err := c.DescribeImages(ctx, &ec2.DescribeImagesInput{ImageIds: []string{ami}})
			if err != nil || len(di.Images) != 1 {
				t.Fatalf("describe %s: %+v %v", ami, di, err)
			}
			img := di.Images[0]
			if img.State != types.ImageStateAvailable || aws.ToString(img.Name) != tt.name ||
				aws.ToString(img.OwnerId) != env.AccountID || aws.ToBool(img.Public) ||
				aws.ToString(img.RootDeviceName) != "/dev/xvda" || img.RootDeviceType != types.DeviceTypeEbs ||
				img.Architecture != types.ArchitectureValuesX8664 || len(img.BlockDeviceMappings) != 1 {
				t.Fatalf("image %+v", img)
			}
			m := img.BlockDeviceMappings[0]
			if aws.ToString(m.DeviceName) != "/dev/xvda" || m.Ebs == nil || aws.ToString(m.Ebs.SnapshotId) != snap ||
				aws.ToInt32(m.Ebs.VolumeSize) != tt.sizeGiB || m.Ebs.VolumeType != types.VolumeTypeGp3 ||
				!aws.ToBool(m.Ebs.DeleteOnTermination) {
				t.Fatalf("root mapping %+v", m.Ebs)
			}
			ds, err := c.DescribeSnapshots(ctx, &ec2.DescribeSnapshotsInput{SnapshotIds: []string{snap}})
			if err != nil || len(ds.Snapshots) != 1 {
				t.Fatalf("describe %s: %+v %v", snap, ds, err)
			}
			s := ds.Snapshots[0]
			if s.State != types.SnapshotStateCompleted || aws.ToString(s.Progress) != "100%" ||
				aws.ToInt32(s.VolumeSize) != tt.sizeGiB || aws.ToString(s.OwnerId) != env.AccountID ||
				aws.ToString(s.Description) != "Imported from "+tt.file {
				t.Fatalf("snapshot %+v", s)
			}

			// What the agent reads: the records and the pool file.
			var rec images.Image
			if _, err := env.Daemon.Store.Get(ctx, images.Kind.Key("us-east-1", env.AccountID, ami), &rec); err != nil {
				t.Fatal(err)
			}
			if rec.KernelFrom != tt.kernel || rec.Builtin != "" || rec.RootSnapshotID != snap || rec.RootSizeGiB != tt.sizeGiB {
				t.Errorf("image record: kernel %q builtin %q root %s %d GiB", rec.KernelFrom, rec.Builtin, rec.RootSnapshotID, rec.RootSizeGiB)
			}
			var sn ebs.Snapshot
			if _, err := env.Daemon.Store.Get(ctx, ebs.SnapshotKind.Key("us-east-1", env.AccountID, snap), &sn); err != nil {
				t.Fatal(err)
			}
			if sn.Host != env.Config.HostName || sn.Layer != snap+".qcow2" || sn.StoredBytes <= 0 {
				t.Errorf("snapshot record: host %q layer %q stored %d", sn.Host, sn.Layer, sn.StoredBytes)
			}
			out, err := exec.Command("qemu-img", "info", "--output=json", filepath.Join(env.Config.DataDir, "volumes", sn.Layer)).Output()
			if err != nil {
				t.Fatal(err)
			}
			var info struct {
				Format  string `json:"format"`
				Backing string `json:"backing-filename"`
			}
			if err := json.Unmarshal(out, &info); err != nil || info.Format != "qcow2" || info.Backing != "" {
				t.Errorf("pool file: %s %v", out, err)
			}
		})
	}

	t.Run("launches", func(t *testing.T) {
		ami := describeByName(t, c, "imported-firmware")
		_, err := c.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String(ami), InstanceType: types.InstanceTypeT3Micro,
			MinCount: aws.Int32(1), MaxCount: aws.Int32(1)})
		if err != nil {
			t.Fatalf("run an imported image: %v", err)
		}
	})

	t.Run("wrong host warns", func(t *testing.T) {
		var stdout, stderr bytes.Buffer
		err := image(ctx, []string{"import", raw, "--name", "elsewhere", "--data-dir", env.Config.DataDir, "--host", "not-this-host"}, &stdout, &stderr)
		if err != nil || !strings.Contains(stderr.String(), `no volume or snapshot lives on host "not-this-host"`) {
			t.Fatalf("stderr %q, err %v", stderr.String(), err)
		}
	})

	t.Run("other account, public", func(t *testing.T) {
		other, id := env.NewAccountWithID(t, "tenant")
		ami, _, err := importImage(t, env, raw, "tenant-image", "--account", id, "--public")
		if err != nil {
			t.Fatal(err)
		}
		di, err := c.DescribeImages(ctx, &ec2.DescribeImagesInput{ImageIds: []string{ami}})
		if err != nil || len(di.Images) != 1 || aws.ToString(di.Images[0].OwnerId) != id || !aws.ToBool(di.Images[0].Public) {
			t.Fatalf("operator sees %+v %v", di, err)
		}
		own, err := other.DescribeImages(ctx, &ec2.DescribeImagesInput{Owners: []string{"self"}})
		if err != nil || len(own.Images) != 1 || aws.ToString(own.Images[0].ImageId) != ami {
			t.Fatalf("owner sees %+v %v", own, err)
		}
	})
}

func describeByName(t *testing.T, c *ec2.Client, name string) string {
	t.Helper()
	out, err := c.DescribeImages(context.Background(), &ec2.DescribeImagesInput{Owners: []string{"self"},
		Filters: []types.Filter{{Name: aws.String("name"), Values: []string{name}}}})
	if err != nil || len(out.Images) != 1 {
		t.Fatalf("image %s: %+v %v", name, out, err)
	}
	return aws.ToString(out.Images[0].ImageId)
}

// TestImageImportRefuses checks that a refused import writes nothing: no
// record and no file in the pool.
func TestImageImportRefuses(t *testing.T) {
	needQemuImg(t)
	env := testenv.Start(t)
	ctx := context.Background()
	c := env.EC2()
	dir := t.TempDir()

	ext := disk(t, filepath.Join(dir, "fs.raw"), 1<<20, "ext")
	mbr := disk(t, filepath.Join(dir, "mbr.raw"), 1<<20, "mbr")
	text := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(text, []byte("this is not a disk\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	vmdk := filepath.Join(dir, "disk.vmdk")
	qemuImg(t, "create", "-q", "-f", "vmdk", vmdk, "16M")
	overlay := filepath.Join(dir, "overlay.qcow2")
	qemuImg(t, "create", "-q", "-f", "qcow2", "-F", "raw", "-b", ext, overlay)

	if _, _, err := importImage(t, env, ext, "taken"); err != nil {
		t.Fatal(err)
	}
	// A name the API claimed is taken for the import, too.
	base := describeByName(t, c, "taken")
	di, err := c.DescribeImages(ctx, &ec2.DescribeImagesInput{ImageIds: []string{base}})
	if err != nil {
		t.Fatal(err)
	}
	snap := di.Images[0].BlockDeviceMappings[0].Ebs.SnapshotId
	if _, err := c.RegisterImage(ctx, &ec2.RegisterImageInput{Name: aws.String("registered"), RootDeviceName: aws.String("/dev/xvda"),
		BlockDeviceMappings: []types.BlockDeviceMapping{{DeviceName: aws.String("/dev/xvda"), Ebs: &types.EbsBlockDevice{SnapshotId: snap}}}}); err != nil {
		t.Fatalf("register from an imported snapshot: %v", err)
	}
	files := poolFiles(t, env)

	tests := []struct {
		name, file, ami string
		flags           []string
		want            error
		says            string
	}{
		{"text file", text, "text", nil, imageimport.ErrFormat, "raw or qcow2"},
		{"vmdk", vmdk, "vmdk", nil, imageimport.ErrFormat, "raw or qcow2"},
		{"qcow2 overlay", overlay, "overlay", nil, imageimport.ErrFormat, "flatten it first"},
		{"missing file", filepath.Join(dir, "nope.img"), "missing", nil, os.ErrNotExist, ""},
		{"duplicate name", ext, "taken", nil, imageimport.ErrDuplicate, "already in use"},
		{"name RegisterImage took", ext, "registered", nil, imageimport.ErrDuplicate, "already in use"},
		{"bad name", ext, "no!", nil, imageimport.ErrName, "AMI names"},
		{"partitioned disk, kernel boot", mbr, "mbr-kernel", nil, imageimport.ErrBoot, "--kernel none"},
		{"file system, firmware boot", ext, "ext-firmware", []string{"--kernel", "none"}, imageimport.ErrBoot, "--kernel kumo-minimal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := importImage(t, env, tt.file, tt.ami, tt.flags...)
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.says) {
				t.Fatalf("got %v, want %v saying %q", err, tt.want, tt.says)
			}
		})
	}

	// The API sees the import's name claim: it refuses the name too.
	_, err = c.RegisterImage(ctx, &ec2.RegisterImageInput{Name: aws.String("taken"), RootDeviceName: aws.String("/dev/xvda"),
		BlockDeviceMappings: []types.BlockDeviceMapping{{DeviceName: aws.String("/dev/xvda"), Ebs: &types.EbsBlockDevice{SnapshotId: snap}}}})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "InvalidAMIName.Duplicate" {
		t.Fatalf("RegisterImage with an imported name: %v", err)
	}

	own, err := c.DescribeImages(ctx, &ec2.DescribeImagesInput{Owners: []string{"self"}})
	if err != nil || len(own.Images) != 2 {
		t.Fatalf("images after refusals: %+v %v", own, err)
	}
	snaps, err := c.DescribeSnapshots(ctx, &ec2.DescribeSnapshotsInput{OwnerIds: []string{"self"}})
	if err != nil || len(snaps.Snapshots) != 1 {
		t.Fatalf("snapshots after refusals: %+v %v", snaps, err)
	}
	if got := poolFiles(t, env); !slices.Equal(got, files) {
		t.Fatalf("pool after refusals: %v, before %v", got, files)
	}
}
