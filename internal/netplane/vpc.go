package netplane

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"strings"
)

// EnsureVPC makes the VPC's namespace exist with everything a VPC router
// needs: lo up with the IMDS (169.254.169.254) and DNS (VPC base + 2)
// addresses, IPv4 forwarding, the veth to the host on a link-local /30 and
// the nftables table. Calling it again repairs what is missing and keeps the
// public-IP mappings already installed.
func (p *Plane) EnsureVPC(ctx context.Context, vpcID string, cidr netip.Prefix) error {
	if !cidr.IsValid() || !cidr.Addr().Is4() || cidr.Bits() < 16 || cidr.Bits() > 28 {
		return fmt.Errorf("ensure vpc %s: cidr %s: want IPv4 /16 to /28: %w", vpcID, cidr, ErrInvalid)
	}
	cidr = cidr.Masked()
	if cidr.Overlaps(linkLocal) || cidr.Overlaps(p.cfg.PublicPool) {
		return fmt.Errorf("ensure vpc %s: cidr %s overlaps link-local or public pool: %w", vpcID, cidr, ErrInvalid)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return fmt.Errorf("ensure vpc %s: netplane closed: %w", vpcID, ErrInvalid)
	}
	if v, ok := p.vpcs[vpcID]; ok && v.cidr != cidr {
		return fmt.Errorf("ensure vpc %s: already has cidr %s, not %s: %w", vpcID, v.cidr, cidr, ErrConflict)
	}
	if err := p.ensureVPC(ctx, vpcID, cidr); err != nil {
		return fmt.Errorf("ensure vpc %s: %w", vpcID, err)
	}
	if _, ok := p.vpcs[vpcID]; !ok {
		p.vpcs[vpcID] = &vpcState{id: vpcID, cidr: cidr, subnets: map[string]*subnetState{}}
	}
	return nil
}

func (p *Plane) ensureVPC(ctx context.Context, vpcID string, cidr netip.Prefix) error {
	ns, host := p.NamespaceOf(vpcID), p.hostLinkOf(vpcID)
	log := p.log.With("vpc_id", vpcID, "netns", ns)
	var undo revert
	defer undo.run()

	hl, err := link(ctx, "", host)
	if err != nil {
		return err
	}
	if hl != nil && hl.Alias != vpcID {
		return fmt.Errorf("host link %s belongs to %q: %w", host, hl.Alias, ErrConflict)
	}
	exists, err := netnsExists(ns)
	if err != nil {
		return err
	}
	if !exists {
		if err := ip(ctx, "", "netns", "add", ns); err != nil {
			return err
		}
		undo.add(func() { _ = ip(context.WithoutCancel(ctx), "", "netns", "del", ns) })
		log.Info("created vpc namespace")
	}
	if err := ip(ctx, ns, "link", "set", "lo", "up"); err != nil {
		return err
	}
	for _, a := range []netip.Addr{IMDSAddr, dnsOf(cidr)} {
		if err := ip(ctx, ns, "addr", "replace", a.String()+"/32", "dev", "lo"); err != nil {
			return err
		}
	}
	// Forwarding is per namespace: this makes the namespace a router without
	// touching the host's own setting.
	if err := inNetns(ns, func() error {
		return os.WriteFile("/proc/sys/net/ipv4/ip_forward", []byte("1\n"), 0o644)
	}); err != nil {
		return fmt.Errorf("enable forwarding in %s: %w", ns, err)
	}

	ln, err := p.ensureUplink(ctx, vpcID, cidr, hl, &undo)
	if err != nil {
		return err
	}
	if err := nft(ctx, ns, renderVPCRules(vpcID, cidr)); err != nil {
		return err
	}
	log.Debug("vpc ready", "host_addr", ln.Host, "ns_addr", ln.Peer)
	undo.done()
	return nil
}

// ensureUplink makes the veth between host and namespace, keeping the /30 it
// already has so that existing public-IP routes stay valid.
func (p *Plane) ensureUplink(ctx context.Context, vpcID string, cidr netip.Prefix, hl *ipLink, undo *revert) (linkNet, error) {
	ns, host := p.NamespaceOf(vpcID), p.hostLinkOf(vpcID)
	if hl != nil {
		peer, err := link(ctx, ns, uplinkName)
		if err != nil {
			return linkNet{}, err
		}
		if peer != nil {
			if id, _, _ := parseUplinkAlias(peer.Alias); id != vpcID {
				return linkNet{}, fmt.Errorf("namespace %s belongs to %q: %w", ns, id, ErrConflict)
			}
		}
		if ln, ok := linkNetOf(hl); ok && peer != nil {
			if err := p.configureUplink(ctx, vpcID, cidr, ln); err != nil {
				return linkNet{}, err
			}
			return ln, nil
		}
		// Half made (the namespace was deleted under it, or no address):
		// start over.
		if err := delLink(ctx, "", host); err != nil {
			return linkNet{}, err
		}
	}
	used, err := hostPrefixesInUse(ctx)
	if err != nil {
		return linkNet{}, err
	}
	ln, err := pickLinkNet(vpcID, used)
	if err != nil {
		return linkNet{}, err
	}
	if err := ip(ctx, "", "link", "add", host, "type", "veth", "peer", "name", uplinkName, "netns", ns); err != nil {
		return linkNet{}, err
	}
	undo.add(func() { _ = delLink(context.WithoutCancel(ctx), "", host) })
	if err := p.configureUplink(ctx, vpcID, cidr, ln); err != nil {
		return linkNet{}, err
	}
	return ln, nil
}

func (p *Plane) configureUplink(ctx context.Context, vpcID string, cidr netip.Prefix, ln linkNet) error {
	ns, host := p.NamespaceOf(vpcID), p.hostLinkOf(vpcID)
	steps := []struct {
		ns   string
		args []string
	}{
		// The aliases make the kernel state self-describing for Restore and
		// for operators reading `ip link`.
		{"", []string{"link", "set", "dev", host, "alias", vpcID}},
		{ns, []string{"link", "set", "dev", uplinkName, "alias", vpcID + " " + cidr.String()}},
		{"", []string{"addr", "replace", netip.PrefixFrom(ln.Host, 30).String(), "dev", host}},
		{ns, []string{"addr", "replace", netip.PrefixFrom(ln.Peer, 30).String(), "dev", uplinkName}},
		{"", []string{"link", "set", "dev", host, "up"}},
		{ns, []string{"link", "set", "dev", uplinkName, "up"}},
	}
	for _, s := range steps {
		if err := ip(ctx, s.ns, s.args...); err != nil {
			return err
		}
	}
	return nil
}

// linkNetOf reads the /30 of an existing host link.
func linkNetOf(hl *ipLink) (linkNet, bool) {
	for _, pfx := range hl.v4Prefixes() {
		if pfx.Bits() == 30 && linkLocal.Contains(pfx.Addr()) {
			return linkNet{Host: pfx.Addr(), Peer: pfx.Addr().Next()}, true
		}
	}
	return linkNet{}, false
}

// hostPrefixesInUse lists the host's IPv4 addresses (as /32) and routes, to
// keep a new /30 clear of anything already there (other VPCs, other tools).
func hostPrefixesInUse(ctx context.Context) ([]netip.Prefix, error) {
	ls, err := links(ctx, "")
	if err != nil {
		return nil, err
	}
	var used []netip.Prefix
	for _, l := range ls {
		for _, pfx := range l.v4Prefixes() {
			used = append(used, netip.PrefixFrom(pfx.Addr(), 32), pfx.Masked())
		}
	}
	rs, err := routes(ctx, "", "table", "all")
	if err != nil {
		return nil, err
	}
	for _, r := range rs {
		if pfx, ok := r.prefix(); ok {
			used = append(used, pfx)
		}
	}
	return used, nil
}

// DeleteVPC removes the VPC's namespace and host veth, and with the veth the
// host routes of its public IPs. It does nothing if they are gone already.
// Stop the VPC's VMs first: a process inside keeps the namespace alive.
func (p *Plane) DeleteVPC(ctx context.Context, vpcID string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if v, ok := p.vpcs[vpcID]; ok {
		for _, s := range v.subnets {
			s.dhcp.Close()
		}
		delete(p.vpcs, vpcID)
	}
	ns, host := p.NamespaceOf(vpcID), p.hostLinkOf(vpcID)
	hl, err := link(ctx, "", host)
	if err != nil {
		return fmt.Errorf("delete vpc %s: %w", vpcID, err)
	}
	if hl != nil {
		if hl.Alias != vpcID {
			return fmt.Errorf("delete vpc %s: host link %s belongs to %q: %w", vpcID, host, hl.Alias, ErrConflict)
		}
		if err := ip(ctx, "", "link", "del", "dev", host); err != nil {
			return fmt.Errorf("delete vpc %s: %w", vpcID, err)
		}
	}
	exists, err := netnsExists(ns)
	if err != nil || !exists {
		return err
	}
	if err := ip(ctx, "", "netns", "del", ns); err != nil {
		return fmt.Errorf("delete vpc %s: %w", vpcID, err)
	}
	p.log.Info("deleted vpc namespace", "vpc_id", vpcID, "netns", ns)
	return nil
}

// parseUplinkAlias reads "vpc-… 172.31.0.0/16" written by configureUplink.
func parseUplinkAlias(alias string) (string, netip.Prefix, bool) {
	id, c, ok := strings.Cut(alias, " ")
	if !ok {
		return "", netip.Prefix{}, false
	}
	cidr, err := netip.ParsePrefix(c)
	return id, cidr, err == nil
}
