package netplane

import (
	"context"
	"fmt"
	"net/netip"
)

// EnsureSubnet makes the subnet's bridge exist in the VPC namespace, with a
// fixed MAC and the gateway address (.1, AWS's VPC router) on it, and starts
// its DHCP server. EnsureVPC must have run first in this process.
func (p *Plane) EnsureSubnet(ctx context.Context, vpcID, subnetID string, cidr netip.Prefix) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	v, err := p.vpc(vpcID)
	if err != nil {
		return fmt.Errorf("ensure subnet %s: %w", subnetID, err)
	}
	cidr = cidr.Masked()
	if !cidr.IsValid() || cidr.Bits() > 28 || cidr.Bits() < v.cidr.Bits() || !v.cidr.Contains(cidr.Addr()) {
		return fmt.Errorf("ensure subnet %s: cidr %s: want a /28 or larger inside %s: %w", subnetID, cidr, v.cidr, ErrInvalid)
	}
	for _, o := range v.subnets {
		if o.id != subnetID && o.cidr.Overlaps(cidr) {
			return fmt.Errorf("ensure subnet %s: cidr %s overlaps %s (%s): %w", subnetID, cidr, o.id, o.cidr, ErrConflict)
		}
	}
	if s, ok := v.subnets[subnetID]; ok && s.cidr != cidr {
		return fmt.Errorf("ensure subnet %s: already has cidr %s, not %s: %w", subnetID, s.cidr, cidr, ErrConflict)
	}
	created, err := p.ensureBridge(ctx, vpcID, subnetID, cidr)
	if err != nil {
		return fmt.Errorf("ensure subnet %s: %w", subnetID, err)
	}
	old, running := v.subnets[subnetID]
	if running && !created {
		return nil
	}
	s, err := p.startDHCP(ctx, v, subnetID, cidr)
	if err != nil {
		return fmt.Errorf("ensure subnet %s: %w", subnetID, err)
	}
	if running {
		// The bridge was re-created under a running server (someone deleted
		// it, or the whole namespace): its socket is bound to the old device
		// and hears nothing, so move the leases to the new server.
		old.dhcp.Close()
		s.dhcp.copyLeases(old.dhcp)
	}
	v.subnets[subnetID] = s
	return nil
}

// ensureBridge reports whether it had to create the bridge.
func (p *Plane) ensureBridge(ctx context.Context, vpcID, subnetID string, cidr netip.Prefix) (bool, error) {
	ns, br := p.NamespaceOf(vpcID), bridgeOf(subnetID)
	l, err := link(ctx, ns, br)
	if err != nil {
		return false, err
	}
	var undo revert
	defer undo.run()
	if l != nil && l.Alias != subnetID {
		return false, fmt.Errorf("bridge %s belongs to %q: %w", br, l.Alias, ErrConflict)
	}
	if l == nil {
		// STP stays off (the default): a bridge of taps has no loops, and
		// STP's forward delay would hold every new port for 15 s.
		if err := ip(ctx, ns, "link", "add", br, "address", bridgeMAC(subnetID).String(), "type", "bridge"); err != nil {
			return false, err
		}
		undo.add(func() { _ = delLink(context.WithoutCancel(ctx), ns, br) })
		p.log.Info("created subnet bridge", "vpc_id", vpcID, "subnet_id", subnetID, "bridge", br)
	}
	gw := netip.PrefixFrom(gatewayOf(cidr), cidr.Bits())
	for _, args := range [][]string{
		{"link", "set", "dev", br, "alias", subnetID},
		{"addr", "replace", gw.String(), "dev", br},
		{"link", "set", "dev", br, "up"},
	} {
		if err := ip(ctx, ns, args...); err != nil {
			return false, err
		}
	}
	if err := isolateBridge(ns, br); err != nil {
		return false, err
	}
	undo.done()
	return l == nil, nil
}

func (p *Plane) startDHCP(ctx context.Context, v *vpcState, subnetID string, cidr netip.Prefix) (*subnetState, error) {
	log := p.log.With("vpc_id", v.id, "subnet_id", subnetID)
	srv := newDHCPServer(log, dhcpSubnet{Prefix: cidr, DNS: dnsOf(v.cidr)})
	if err := srv.start(ctx, p.NamespaceOf(v.id), bridgeOf(subnetID)); err != nil {
		return nil, fmt.Errorf("start dhcp: %w", err)
	}
	return &subnetState{id: subnetID, cidr: cidr, dhcp: srv}, nil
}

// DeleteSubnet stops the subnet's DHCP server and removes its bridge, the
// taps still on it and the public-IP mappings of its addresses. It does
// nothing for what is gone already, including the whole VPC.
func (p *Plane) DeleteSubnet(ctx context.Context, vpcID, subnetID string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.deleteSubnet(ctx, vpcID, subnetID); err != nil {
		return fmt.Errorf("delete subnet %s: %w", subnetID, err)
	}
	return nil
}

func (p *Plane) deleteSubnet(ctx context.Context, vpcID, subnetID string) error {
	if v, ok := p.vpcs[vpcID]; ok {
		if s, ok := v.subnets[subnetID]; ok {
			s.dhcp.Close()
			delete(v.subnets, subnetID)
		}
	}
	ns, br := p.NamespaceOf(vpcID), bridgeOf(subnetID)
	if ok, err := netnsExists(ns); err != nil || !ok {
		return err
	}
	l, err := link(ctx, ns, br)
	if err != nil || l == nil {
		return err
	}
	if l.Alias != subnetID {
		return fmt.Errorf("bridge %s belongs to %q: %w", br, l.Alias, ErrConflict)
	}
	ports, err := links(ctx, ns, "master", br)
	if err != nil {
		return err
	}
	for _, port := range ports {
		if port.LinkInfo.Kind == "tun" {
			if port.Alias != "" {
				if err := removeFirewall(ctx, ns, port.Alias); err != nil {
					return err
				}
			}
			if err := ip(ctx, ns, "link", "del", "dev", port.Name); err != nil {
				return err
			}
		}
	}
	for _, pfx := range l.v4Prefixes() {
		nat, err := natInSubnet(ctx, ns, pfx.Masked())
		if err != nil {
			return err
		}
		for priv, pub := range nat {
			if err := p.delNAT(ctx, vpcID, priv, pub); err != nil {
				return err
			}
		}
	}
	if err := ip(ctx, ns, "link", "del", "dev", br); err != nil {
		return err
	}
	p.log.Info("deleted subnet bridge", "vpc_id", vpcID, "subnet_id", subnetID, "bridge", br)
	return nil
}
