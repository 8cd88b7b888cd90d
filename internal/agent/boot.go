package agent

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/kumo-cloud/kumo/internal/ec2/instances"
	"github.com/kumo-cloud/kumo/internal/ec2/netif"
	"github.com/kumo-cloud/kumo/internal/hypervisor"
	"github.com/kumo-cloud/kumo/internal/netplane"
	"github.com/kumo-cloud/kumo/internal/store"
)

// smbiosUUID derives a stable system UUID starting with "ec2", the mark by which
// cloud-init recognises EC2.
func smbiosUUID(id string) string {
	sum := sha256.Sum256([]byte(id))
	h := "ec2" + hex.EncodeToString(sum[:])[:29]
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// spec is the VM of an instance; tap is the interface's tap ("" when only the
// identity matters, for adoption).
func (a *Agent) spec(ctx context.Context, in *instances.Instance, tap string) (hypervisor.Spec, error) {
	name, err := a.cfg.ImageOf(ctx, in.Region, in.ImageID)
	if err != nil {
		return hypervisor.Spec{}, err
	}
	img, err := a.bootImage(ctx, name)
	if err != nil {
		return hypervisor.Spec{}, err
	}
	if tap == "" {
		tap = netplane.TapOf(in.ENIID)
	}
	disks, err := a.disks(ctx, in)
	if err != nil {
		return hypervisor.Spec{}, err
	}
	nics := []hypervisor.NIC{{Tap: tap, MAC: in.MAC}}
	recs, err := a.attachedENIs(ctx, in)
	if err != nil {
		return hypervisor.Spec{}, err
	}
	for _, p := range ports(in, recs, netif.Attached, netif.Attaching)[1:] {
		nics = append(nics, p.nic())
	}
	return hypervisor.Spec{
		ID: in.ID, Dir: a.dir(in.ID), VCPUs: int(in.VCPUs), MemoryMiB: int(in.MemoryMiB),
		Kernel: img.Kernel, Initrd: img.Initrd, Cmdline: img.Cmdline,
		Disks: disks,
		NICs:  nics,
		UUID:  smbiosUUID(in.ID), NetNS: a.cfg.Net.NamespaceOf(in.VPCID),
	}, nil
}

// bootImage returns what boots an instance of the image ImageOf named: a
// built-in image's kernel, initrd and command line, or for "" (an image
// with no kernel, e.g. one `kumo image import --kernel none` made) nothing,
// so the firmware boots the root disk's own boot loader.
func (a *Agent) bootImage(ctx context.Context, name string) (*BootImage, error) {
	if name == "" {
		return &BootImage{}, nil
	}
	return a.cfg.Image(ctx, name)
}

func (a *Agent) rootDisk(id string) string { return filepath.Join(a.dir(id), "root.qcow2") }

// ensureRootDisk makes the instance's root disk: a qcow2 overlay on the image,
// instant whatever the image size, grown to the volume size.
func (a *Agent) ensureRootDisk(ctx context.Context, in *instances.Instance, base string) error {
	path := a.rootDisk(in.ID)
	if _, err := os.Stat(path); err == nil {
		return nil
	}
	if err := os.MkdirAll(a.dir(in.ID), 0o700); err != nil {
		return err
	}
	tmp := path + ".tmp"
	out, err := exec.CommandContext(ctx, "qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", base,
		tmp, fmt.Sprintf("%dG", in.Root.SizeGiB)).CombinedOutput()
	if err != nil {
		return fmt.Errorf("create root disk: %v: %s", err, out)
	}
	return os.Rename(tmp, path)
}

// iface is the instance's primary interface as the data plane sees it.
func iface(in *instances.Instance) (netplane.Interface, error) { return primaryPort(in).iface() }

func domainName(region string) string {
	if region == "us-east-1" {
		return "ec2.internal"
	}
	return region + ".compute.internal"
}

// ensureNetwork makes the VPC, subnet and interface exist on this host and
// returns the tap.
func (a *Agent) ensureNetwork(ctx context.Context, in *instances.Instance) (string, error) {
	v, err := a.cfg.VPCs.GetVPC(ctx, in.Region, in.Account, in.VPCID)
	if err != nil {
		return "", err
	}
	sn, err := a.cfg.VPCs.GetSubnet(ctx, in.Region, in.Account, in.SubnetID)
	if err != nil {
		return "", err
	}
	if err := a.cfg.Net.EnsureVPC(ctx, v.ID, v.CIDR); err != nil {
		return "", err
	}
	if err := a.cfg.Net.EnsureSubnet(ctx, v.ID, sn.ID, sn.CIDR); err != nil {
		return "", err
	}
	if err := a.md.ensure(v.ID); err != nil {
		return "", err
	}
	ifc, err := iface(in)
	if err != nil {
		return "", err
	}
	if routed, err := a.publicIPRouted(ctx, in); err != nil {
		return "", err
	} else if !routed {
		ifc.PublicIP = netip.Addr{}
	}
	tap, err := a.cfg.Net.AttachInterface(ctx, ifc)
	if err != nil {
		return "", err
	}
	// Interfaces attached while the instance was stopped boot with it.
	recs, err := a.attachedENIs(ctx, in)
	if err != nil {
		return "", err
	}
	for _, p := range ports(in, recs, netif.Attached, netif.Attaching)[1:] {
		if _, err := a.ensurePort(ctx, p); err != nil {
			return "", err
		}
	}
	return tap, nil
}

// ensurePublicIP gives a starting instance a public address from the pool when
// its interface asks for one (a stopped instance gave its address back).
func (a *Agent) ensurePublicIP(ctx context.Context, in *instances.Instance) (*instances.Instance, error) {
	if !in.AssignPublicIP || in.PublicIP != "" || in.EIPAllocation != "" {
		return in, nil
	}
	pool := a.cfg.Net.PublicPool()
	for range 32 {
		ip, err := instances.RandomPoolAddr(pool)
		if err != nil {
			return nil, err
		}
		key := instances.PublicIPKey(ip)
		err = a.cfg.Store.Txn().Create(key, map[string]string{"instance": in.ID}).Commit(ctx)
		if errors.Is(err, store.ErrConflict) {
			continue
		}
		if err != nil {
			return nil, err
		}
		return a.update(ctx, in, func(i *instances.Instance) error {
			i.PublicIP = ip.String()
			return nil
		})
	}
	return nil, fmt.Errorf("public address pool %s is exhausted", pool)
}

// boot prepares an instance and starts its VM. A failure that cannot heal
// ends the launch as AWS does: the instance terminates with a server reason.
func (a *Agent) boot(ctx context.Context, in *instances.Instance) error {
	err := a.tryBoot(ctx, in)
	if err == nil || ctx.Err() != nil {
		return err
	}
	a.log.Error("launch failed", "instance_id", in.ID, "err", err)
	_ = a.cfg.Driver.Stop(ctx, in.ID, true)
	a.release(ctx, in, true)
	_, uerr := a.update(ctx, in, func(i *instances.Instance) error {
		now := a.cfg.Clock.Now().UTC()
		i.State, i.Desired, i.StateSince = instances.Terminated, instances.Terminated, now
		i.StateReason = &instances.Reason{Code: "Server.InternalError", Message: "Server.InternalError: Internal error on launch"}
		return nil
	})
	return errors.Join(err, uerr)
}

func (a *Agent) tryBoot(ctx context.Context, in *instances.Instance) error {
	name, err := a.cfg.ImageOf(ctx, in.Region, in.ImageID)
	if err != nil {
		return err
	}
	img, err := a.bootImage(ctx, name)
	if err != nil {
		return fmt.Errorf("image %s: %w", name, err)
	}
	if err := a.ensureEphemeral(ctx, in); err != nil {
		return err
	}
	if err := a.ensureDataVolumes(ctx, in); err != nil {
		return err
	}
	if v, err := a.ensureRootVolume(ctx, in, img.RootDisk); err != nil {
		return err
	} else if v == nil { // launched before root volumes had records
		if err := a.ensureRootDisk(ctx, in, img.RootDisk); err != nil {
			return err
		}
	}
	if in, err = a.ensurePublicIP(ctx, in); err != nil {
		return err
	}
	tap, err := a.ensureNetwork(ctx, in)
	if err != nil {
		return err
	}
	spec, err := a.spec(ctx, in, tap)
	if err != nil {
		return err
	}
	if !vmRunning(a.cfg.Driver.Status(ctx, in.ID)) {
		_ = a.cfg.Driver.Cleanup(ctx, in.ID)
		if err := a.cfg.Driver.Start(ctx, spec); err != nil {
			return err
		}
	}
	return a.markRunning(ctx, in)
}

// markRunning records that the VM runs.
func (a *Agent) markRunning(ctx context.Context, in *instances.Instance) error {
	_, err := a.update(ctx, in, func(i *instances.Instance) error {
		if i.State != instances.Pending {
			return nil
		}
		i.State, i.StateSince, i.StateReason, i.TransitionReason = instances.Running, a.cfg.Clock.Now().UTC(), nil, ""
		i.Impaired, i.GuestReady, i.ForceStop = false, false, false
		i.RebootDone = i.RebootSeq
		return nil
	})
	return err
}

// restoreNetwork re-registers the interfaces of live instances after a Kumo
// restart, so DHCP and the metadata service answer them again.
func (a *Agent) restoreNetwork(ctx context.Context, mine []instances.Instance) {
	var ifcs []netplane.Interface
	for i := range mine {
		in := &mine[i]
		if in.State == instances.Terminated || in.State == instances.Stopped {
			continue
		}
		if ifc, err := iface(in); err == nil {
			ifcs = append(ifcs, ifc)
		}
		_ = a.md.ensure(in.VPCID)
	}
	if _, err := a.cfg.Net.Restore(ctx, ifcs); err != nil {
		a.log.Error("restore network", "err", err)
	}
}
