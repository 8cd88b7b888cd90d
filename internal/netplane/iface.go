package netplane

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strings"
)

// Interface is an ENI as the data plane sees it.
type Interface struct {
	ID        string // eni-…
	VPC       string
	Subnet    string
	MAC       net.HardwareAddr
	PrivateIP netip.Addr
	// SecondaryIPs are more private addresses the guest may use
	// (AssignPrivateIpAddresses); DHCP hands out only PrivateIP.
	SecondaryIPs []netip.Addr
	PublicIP     netip.Addr // zero if none
	Hostname     string     // ip-172-31-3-4; derived from PrivateIP if empty
	DomainName   string     // ec2.internal
}

// Addresses returns the private addresses, the primary one first.
func (ifc Interface) Addresses() []netip.Addr {
	return append([]netip.Addr{ifc.PrivateIP}, ifc.SecondaryIPs...)
}

// hostname is AWS's IP-based name, the default when none is given.
func (ifc Interface) hostname() string {
	if ifc.Hostname != "" {
		return ifc.Hostname
	}
	return "ip-" + strings.ReplaceAll(ifc.PrivateIP.String(), ".", "-")
}

// AttachInterface makes the interface's tap exist in the VPC namespace on the
// subnet bridge, registers its static DHCP lease and, with a public IP, sets
// up 1:1 NAT and the host route to it. It returns the tap's name; QEMU runs
// in NamespaceOf(ifc.VPC) and opens the tap by that name. Calling it again
// with a different PublicIP moves or removes the public mapping.
func (p *Plane) AttachInterface(ctx context.Context, ifc Interface) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	tap, err := p.attach(ctx, ifc)
	if err != nil {
		return "", fmt.Errorf("attach interface %s: %w", ifc.ID, err)
	}
	return tap, nil
}

func (p *Plane) attach(ctx context.Context, ifc Interface) (string, error) {
	v, err := p.vpc(ifc.VPC)
	if err != nil {
		return "", err
	}
	s, ok := v.subnets[ifc.Subnet]
	if !ok {
		return "", fmt.Errorf("subnet %s: %w", ifc.Subnet, ErrNotFound)
	}
	if len(ifc.MAC) != 6 || ifc.MAC[0]&1 != 0 {
		return "", fmt.Errorf("mac %q: want a unicast EUI-48: %w", ifc.MAC, ErrInvalid)
	}
	if !usableInSubnet(s.cidr, ifc.PrivateIP) {
		return "", fmt.Errorf("private ip %s: not a usable address of %s: %w", ifc.PrivateIP, s.cidr, ErrInvalid)
	}
	if ifc.PublicIP.IsValid() && !p.cfg.PublicPool.Contains(ifc.PublicIP) {
		return "", fmt.Errorf("public ip %s: outside pool %s: %w", ifc.PublicIP, p.cfg.PublicPool, ErrInvalid)
	}
	ns, tap, br := p.NamespaceOf(ifc.VPC), TapOf(ifc.ID), bridgeOf(ifc.Subnet)
	var undo revert
	defer undo.run()

	l, err := link(ctx, ns, tap)
	if err != nil {
		return "", err
	}
	if l != nil && l.Alias != ifc.ID {
		return "", fmt.Errorf("tap %s belongs to %q: %w", tap, l.Alias, ErrConflict)
	}
	if l == nil {
		if err := ip(ctx, ns, "tuntap", "add", "dev", tap, "mode", "tap"); err != nil {
			return "", err
		}
		undo.add(func() { _ = delLink(context.WithoutCancel(ctx), ns, tap) })
	}
	for _, args := range [][]string{
		{"link", "set", "dev", tap, "alias", ifc.ID},
		{"link", "set", "dev", tap, "master", br, "up"},
	} {
		if err := ip(ctx, ns, args...); err != nil {
			return "", err
		}
	}
	// Security groups: the port is isolated (instances meet only through
	// the router) and sends only as itself; its rules are SetFirewall's.
	if err := isolatePort(ctx, ns, tap); err != nil {
		return "", err
	}
	if err := ensureSpoof(ctx, ns, ifc); err != nil {
		return "", err
	}
	// Leave the lease in place on failure: it is harmless, and an earlier
	// successful attach of the same interface may rely on it.
	s.dhcp.setLease(ifc.MAC, dhcpLease{IP: ifc.PrivateIP, Hostname: ifc.hostname(), Domain: ifc.DomainName})

	stale, err := setNAT(ctx, ns, ifc.PrivateIP, ifc.PublicIP)
	if err != nil {
		return "", err
	}
	for _, old := range stale {
		if err := p.delPublicRoute(ctx, ifc.VPC, old); err != nil {
			return "", err
		}
	}
	if ifc.PublicIP.IsValid() {
		if err := p.ensurePublicRoute(ctx, ifc.VPC, ifc.PublicIP); err != nil {
			return "", err
		}
	}
	undo.done()
	p.log.Debug("attached interface", "vpc_id", ifc.VPC, "eni_id", ifc.ID, "tap", tap,
		"private_ip", ifc.PrivateIP, "public_ip", ifc.PublicIP)
	return tap, nil
}

// DetachInterface removes the interface's tap, lease, NAT, host route and
// security-group chains (SetFirewall, anti-spoofing). It can be called
// blindly: what is already gone (even the VPC) is skipped.
// Detach a running VM's interface only after QEMU has let go of the tap.
func (p *Plane) DetachInterface(ctx context.Context, ifc Interface) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.detach(ctx, ifc); err != nil {
		return fmt.Errorf("detach interface %s: %w", ifc.ID, err)
	}
	return nil
}

func (p *Plane) detach(ctx context.Context, ifc Interface) error {
	if v, ok := p.vpcs[ifc.VPC]; ok {
		if s, ok := v.subnets[ifc.Subnet]; ok && len(ifc.MAC) > 0 {
			s.dhcp.delLease(ifc.MAC)
		}
	}
	ns, tap := p.NamespaceOf(ifc.VPC), TapOf(ifc.ID)
	nsOK, err := netnsExists(ns)
	if err != nil {
		return err
	}
	if !nsOK {
		// Without the namespace only a stray host route can be left.
		if ifc.PublicIP.IsValid() {
			return p.delPublicRoute(ctx, ifc.VPC, ifc.PublicIP)
		}
		return nil
	}
	if ifc.PublicIP.IsValid() {
		// The caller's PublicIP may be stale: if the address has moved to
		// another interface of this VPC, its route now serves that one.
		pub2priv, err := natMap(ctx, ns, "pub2priv")
		if err != nil {
			return err
		}
		if owner, ok := pub2priv[ifc.PublicIP]; !ok || owner == ifc.PrivateIP {
			if err := p.delPublicRoute(ctx, ifc.VPC, ifc.PublicIP); err != nil {
				return err
			}
		}
	}
	if ifc.PrivateIP.IsValid() {
		nat, err := natMap(ctx, ns, "priv2pub")
		if err != nil {
			return err
		}
		if pub, ok := nat[ifc.PrivateIP]; ok {
			if err := p.delNAT(ctx, ifc.VPC, ifc.PrivateIP, pub); err != nil {
				return err
			}
		}
	}
	l, err := link(ctx, ns, tap)
	if err != nil {
		return err
	}
	if l != nil && l.Alias != ifc.ID {
		return fmt.Errorf("tap %s belongs to %q: %w", tap, l.Alias, ErrConflict)
	}
	if err := removeFirewall(ctx, ns, ifc.ID); err != nil {
		return err
	}
	if l == nil {
		return nil
	}
	return ip(ctx, ns, "link", "del", "dev", tap)
}

// delNAT removes priv↔pub from the VPC's maps and pub's host route.
func (p *Plane) delNAT(ctx context.Context, vpcID string, priv, pub netip.Addr) error {
	if _, err := setNAT(ctx, p.NamespaceOf(vpcID), priv, netip.Addr{}); err != nil {
		return err
	}
	return p.delPublicRoute(ctx, vpcID, pub)
}
