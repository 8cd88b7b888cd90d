package agent

import (
	"context"
	"net"
	"net/netip"
	"strings"

	"github.com/kumo-cloud/kumo/internal/ec2/instances"
	"github.com/kumo-cloud/kumo/internal/ec2/netif"
	"github.com/kumo-cloud/kumo/internal/hypervisor"
	"github.com/kumo-cloud/kumo/internal/netplane"
)

// port is one network interface of an instance on this host: its primary
// interface (held by the instance record) or an attached one (a netif record).
type port struct {
	in     *instances.Instance
	eni    string
	subnet string
	mac    string
	ips    []string // primary address first
	groups []instances.GroupRef
	device int32
	rec    *netif.Interface // nil for the primary interface
}

func primaryPort(in *instances.Instance) port {
	return port{in: in, eni: in.ENIID, subnet: in.SubnetID, mac: in.MAC,
		ips: append([]string{in.PrivateIP}, in.SecondaryIPs...), groups: in.Groups}
}

func attachedPort(in *instances.Instance, rec *netif.Interface) port {
	return port{in: in, eni: rec.ID, subnet: rec.SubnetID, mac: rec.MAC, ips: rec.Addresses(), groups: rec.Groups,
		device: rec.Attachment.DeviceIndex, rec: rec}
}

// ports returns the instance's interfaces in device order: the primary one
// and the attached ones whose attachment is in the given states.
func ports(in *instances.Instance, recs []netif.Interface, states ...string) []port {
	out := []port{primaryPort(in)}
	for i := range recs {
		if r := &recs[i]; r.Attachment != nil && r.Attachment.InstanceID == in.ID {
			for _, s := range states {
				if r.Attachment.Status == s {
					out = append(out, attachedPort(in, r))
				}
			}
		}
	}
	return out
}

// iface is the port as the data plane sees it. Only the primary interface
// carries the instance's public address.
func (p port) iface() (netplane.Interface, error) {
	mac, err := net.ParseMAC(p.mac)
	if err != nil {
		return netplane.Interface{}, err
	}
	priv := p.ips[0]
	ifc := netplane.Interface{ID: p.eni, VPC: p.in.VPCID, Subnet: p.subnet, MAC: mac,
		PrivateIP: netip.MustParseAddr(priv), DomainName: domainName(p.in.Region),
		Hostname: strings.SplitN(instances.PrivateDNSName(priv, p.in.Region), ".", 2)[0]}
	for _, s := range p.ips[1:] {
		ifc.SecondaryIPs = append(ifc.SecondaryIPs, netip.MustParseAddr(s))
	}
	if p.rec == nil && p.in.PublicIP != "" {
		ifc.PublicIP = netip.MustParseAddr(p.in.PublicIP)
	}
	return ifc, nil
}

// nic is the port as the VM sees it.
func (p port) nic() hypervisor.NIC { return hypervisor.NIC{Tap: netplane.TapOf(p.eni), MAC: p.mac} }

// enisByInstance reads the interface records attached to instances on this host.
func (a *Agent) enisByInstance(ctx context.Context, mine []instances.Instance) (map[string][]netif.Interface, error) {
	all, err := netif.All(ctx, a.cfg.Store)
	if err != nil {
		return nil, err
	}
	here := map[string]bool{}
	for _, in := range mine {
		here[in.ID] = true
	}
	out := map[string][]netif.Interface{}
	for _, r := range all {
		if r.Attachment != nil && here[r.Attachment.InstanceID] {
			out[r.Attachment.InstanceID] = append(out[r.Attachment.InstanceID], r)
		}
	}
	return out, nil
}

// attachedENIs reads the interface records attached to one instance.
func (a *Agent) attachedENIs(ctx context.Context, in *instances.Instance) ([]netif.Interface, error) {
	all, err := netif.List(ctx, a.cfg.Store, in.Region, in.Account)
	if err != nil {
		return nil, err
	}
	return netif.AttachedTo(all, in.ID), nil
}

// syncAttachments hot-plugs interfaces attached to running instances and
// unplugs those being detached, then records the new attachment state.
func (a *Agent) syncAttachments(ctx context.Context, mine []instances.Instance, enis map[string][]netif.Interface) {
	for i := range mine {
		in := &mine[i]
		if in.State != instances.Running {
			continue
		}
		for j := range enis[in.ID] {
			rec := &enis[in.ID][j]
			step := a.plug
			switch rec.Attachment.Status {
			case netif.Attaching:
			case netif.Detaching:
				step = a.unplug
			default:
				continue
			}
			// Hot-plug waits for the guest; it must not hold up the pass.
			a.mu.Lock()
			if a.busy[rec.ID] {
				a.mu.Unlock()
				continue
			}
			a.busy[rec.ID] = true
			a.mu.Unlock()
			go func() {
				err := step(ctx, in, rec)
				a.mu.Lock()
				delete(a.busy, rec.ID)
				a.mu.Unlock()
				if err != nil { // retried on the next tick
					if ctx.Err() == nil {
						a.log.Error("network interface attachment", "instance_id", in.ID, "eni_id", rec.ID, "err", err)
					}
					return
				}
				a.Kick()
			}()
		}
	}
}

func (a *Agent) plug(ctx context.Context, in *instances.Instance, rec *netif.Interface) error {
	p := attachedPort(in, rec)
	if _, err := a.ensurePort(ctx, p); err != nil {
		return err
	}
	if err := a.cfg.Driver.AttachNIC(ctx, in.ID, p.nic()); err != nil {
		return err
	}
	_, err := netif.Update(ctx, a.cfg.Store, rec.Region, rec.Account, rec.ID, func(r *netif.Interface) error {
		if r.Attachment != nil && r.Attachment.ID == rec.Attachment.ID && r.Attachment.Status == netif.Attaching {
			r.Attachment.Status = netif.Attached
		}
		return nil
	})
	a.log.Info("network interface attached", "instance_id", in.ID, "eni_id", rec.ID, "device", rec.Attachment.DeviceIndex)
	return err
}

func (a *Agent) unplug(ctx context.Context, in *instances.Instance, rec *netif.Interface) error {
	if err := a.cfg.Driver.DetachNIC(ctx, in.ID, rec.MAC); err != nil {
		return err
	}
	if err := a.releasePort(ctx, attachedPort(in, rec)); err != nil {
		return err
	}
	_, err := netif.Update(ctx, a.cfg.Store, rec.Region, rec.Account, rec.ID, func(r *netif.Interface) error {
		if r.Attachment != nil && r.Attachment.ID == rec.Attachment.ID {
			r.Attachment = nil
		}
		return nil
	})
	a.log.Info("network interface detached", "instance_id", in.ID, "eni_id", rec.ID)
	return err
}

// ensurePort makes the port's subnet and tap exist on this host.
func (a *Agent) ensurePort(ctx context.Context, p port) (string, error) {
	sn, err := a.cfg.VPCs.GetSubnet(ctx, p.in.Region, p.in.Account, p.subnet)
	if err != nil {
		return "", err
	}
	if err := a.cfg.Net.EnsureSubnet(ctx, p.in.VPCID, sn.ID, sn.CIDR); err != nil {
		return "", err
	}
	ifc, err := p.iface()
	if err != nil {
		return "", err
	}
	return a.cfg.Net.AttachInterface(ctx, ifc)
}

// releasePort removes the port's tap, lease, NAT and firewall.
func (a *Agent) releasePort(ctx context.Context, p port) error {
	ifc, err := p.iface()
	if err != nil {
		return err
	}
	return a.cfg.Net.DetachInterface(ctx, ifc)
}

// releaseAttached handles the attached interfaces of an instance that stops
// (keep the attachment, drop the taps) or terminates (detach, and delete
// those marked DeleteOnTermination).
func (a *Agent) releaseAttached(ctx context.Context, in *instances.Instance, terminate bool) {
	recs, err := a.attachedENIs(ctx, in)
	if err != nil {
		a.log.Error("read attached interfaces", "instance_id", in.ID, "err", err)
		return
	}
	for i := range recs {
		rec := &recs[i]
		if err := a.releasePort(ctx, attachedPort(in, rec)); err != nil {
			a.log.Error("detach interface", "instance_id", in.ID, "eni_id", rec.ID, "err", err)
		}
		if !terminate {
			if rec.Attachment.Status == netif.Detaching { // a stopped VM has nothing to unplug
				_, err = netif.Update(ctx, a.cfg.Store, rec.Region, rec.Account, rec.ID, func(r *netif.Interface) error {
					r.Attachment = nil
					return nil
				})
			}
		} else if rec.Attachment.DeleteOnTermination {
			err = netif.Delete(ctx, a.cfg.Store, rec)
		} else {
			_, err = netif.Update(ctx, a.cfg.Store, rec.Region, rec.Account, rec.ID, func(r *netif.Interface) error {
				r.Attachment = nil
				return nil
			})
		}
		if err != nil {
			a.log.Error("release interface", "instance_id", in.ID, "eni_id", rec.ID, "err", err)
		}
	}
}
