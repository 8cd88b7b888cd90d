package agent

import (
	"context"
	"net/netip"
	"os"
	"time"

	"github.com/kumo-cloud/kumo/internal/ec2/addresses"
	"github.com/kumo-cloud/kumo/internal/ec2/instances"
	"github.com/kumo-cloud/kumo/internal/ec2/vpc"
	"github.com/kumo-cloud/kumo/internal/netplane"
)

// How long a guest gets to shut down cleanly before its VM is powered off.
const (
	stopGrace      = 60 * time.Second
	terminateGrace = 20 * time.Second
	rebootGrace    = 60 * time.Second
)

// reboot restarts the guest once per RebootInstances call, the way EC2 does:
// a clean OS shutdown (ACPI), a hard power-off only if the guest does not
// finish, then the same VM boots again on the same disk and interface. A bare
// reset would lose what the guest had not written to disk yet.
func (a *Agent) reboot(ctx context.Context, in *instances.Instance) error {
	spec, err := a.spec(ctx, in, netplane.TapOf(in.ENIID))
	if err != nil {
		return err
	}
	a.shutdown(ctx, in, rebootGrace)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err := a.cfg.Driver.Cleanup(ctx, in.ID); err != nil {
		return err
	}
	if err := a.cfg.Driver.Start(ctx, spec); err != nil {
		return err
	}
	_, err = a.update(ctx, in, func(i *instances.Instance) error {
		i.RebootDone = i.RebootSeq
		return nil
	})
	return err
}

// guestOff handles a VM that ended while the instance should run: the guest
// shut itself down (or died), so the instance stops or terminates as its
// InstanceInitiatedShutdownBehavior says.
func (a *Agent) guestOff(ctx context.Context, in *instances.Instance) error {
	reason := &instances.Reason{Code: "Client.InstanceInitiatedShutdown", Message: "Client.InstanceInitiatedShutdown: Instance initiated shutdown"}
	in, err := a.update(ctx, in, func(i *instances.Instance) error {
		if i.State != instances.Running {
			return nil
		}
		now := a.cfg.Clock.Now().UTC()
		i.StateReason, i.StateSince = reason, now
		if i.ShutdownBehavior == "terminate" {
			i.State, i.Desired = instances.ShuttingDown, instances.Terminated
		} else {
			i.State, i.Desired = instances.Stopping, instances.Stopped
		}
		return nil
	})
	if err != nil {
		return err
	}
	a.Kick()
	return nil
}

// shutdown stops the VM: ACPI power-off first, a hard power-off when the guest
// does not finish within grace (at once when forced).
func (a *Agent) shutdown(ctx context.Context, in *instances.Instance, grace time.Duration) {
	if !vmRunning(a.cfg.Driver.Status(ctx, in.ID)) {
		return
	}
	if !in.ForceStop {
		gctx, cancel := context.WithTimeout(ctx, grace)
		err := a.cfg.Driver.Stop(gctx, in.ID, false)
		cancel()
		if err == nil && !vmRunning(a.cfg.Driver.Status(ctx, in.ID)) {
			return
		}
	}
	if ctx.Err() != nil {
		return // Kumo is stopping: leave the VM; the next start finishes the job
	}
	if err := a.cfg.Driver.Stop(ctx, in.ID, true); err != nil {
		a.log.Error("force stop", "instance_id", in.ID, "err", err)
	}
}

// stop powers the VM off and keeps the root disk and private address; the
// public address goes back to the pool, as on AWS.
func (a *Agent) stop(ctx context.Context, in *instances.Instance) error {
	a.shutdown(ctx, in, stopGrace)
	_ = a.cfg.Driver.Cleanup(ctx, in.ID)
	a.releaseAttached(ctx, in, false)
	a.wipeEphemeral(in) // the next start gets blank instance store disks
	if ifc, err := iface(in); err == nil {
		if err := a.cfg.Net.DetachInterface(ctx, ifc); err != nil {
			return err
		}
	}
	if in.PublicIP != "" && in.EIPAllocation == "" {
		if err := a.cfg.Store.Txn().Delete(instances.PublicIPKey(netip.MustParseAddr(in.PublicIP)), 0).Commit(ctx); err != nil {
			return err
		}
	}
	_, err := a.update(ctx, in, func(i *instances.Instance) error {
		if i.State != instances.Stopping {
			return nil
		}
		i.State, i.StateSince = instances.Stopped, a.cfg.Clock.Now().UTC()
		if i.EIPAllocation == "" { // an Elastic IP stays; an auto-assigned one goes back
			i.PublicIP = ""
		}
		i.GuestReady, i.ForceStop, i.Impaired = false, false, false
		return nil
	})
	return err
}

// terminate powers the VM off and gives back everything the instance held.
func (a *Agent) terminate(ctx context.Context, in *instances.Instance) error {
	a.shutdown(ctx, in, terminateGrace)
	a.release(ctx, in, in.Root.DeleteOnTermination)
	_, err := a.update(ctx, in, func(i *instances.Instance) error {
		if i.State != instances.ShuttingDown {
			return nil
		}
		i.State, i.StateSince = instances.Terminated, a.cfg.Clock.Now().UTC()
		i.GuestReady, i.ForceStop = false, false
		return nil
	})
	return err
}

// release removes the VM's leftovers, the interface and the address
// allocations, and the root disk when deleteDisk. Each part is idempotent.
func (a *Agent) release(ctx context.Context, in *instances.Instance, deleteDisk bool) {
	if err := a.cfg.Driver.Cleanup(ctx, in.ID); err != nil {
		a.log.Error("vm cleanup", "instance_id", in.ID, "err", err)
	}
	if ifc, err := iface(in); err == nil {
		if err := a.cfg.Net.DetachInterface(ctx, ifc); err != nil {
			a.log.Error("detach interface", "instance_id", in.ID, "err", err)
		}
	}
	a.releaseAttached(ctx, in, true)
	a.releaseVolumes(ctx, in)
	txn := a.cfg.Store.Txn()
	for _, ip := range in.SecondaryIPs {
		if a, err := netip.ParseAddr(ip); err == nil {
			txn.Delete(vpc.IPKey(in.Region, in.VPCID, a), 0)
		}
	}
	if ip, err := netip.ParseAddr(in.PrivateIP); err == nil {
		txn.Delete(vpc.IPKey(in.Region, in.VPCID, ip), 0)
	}
	if in.EIPAllocation != "" {
		// An Elastic IP stays allocated to the account, now unassociated.
		if err := addresses.ReleaseFromInstance(ctx, a.cfg.Store, in); err != nil {
			a.log.Error("disassociate elastic ip", "instance_id", in.ID, "err", err)
		}
	} else if ip, err := netip.ParseAddr(in.PublicIP); err == nil {
		txn.Delete(instances.PublicIPKey(ip), 0)
	}
	if err := txn.Commit(ctx); err != nil {
		a.log.Error("release addresses", "instance_id", in.ID, "err", err)
	}
	if deleteDisk {
		if err := os.RemoveAll(a.dir(in.ID)); err != nil {
			a.log.Error("delete instance files", "instance_id", in.ID, "err", err)
		}
	}
}
