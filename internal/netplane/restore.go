package netplane

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"strings"
)

// Restore rebuilds the in-memory state after Kumo restarts: it adopts every
// VPC namespace of this plane's prefix that the kernel still has (reading the
// VPC id and CIDR from the uplink's alias and each subnet from its bridge),
// restarts their DHCP servers, and re-attaches ifcs, which re-registers their
// leases (and repairs their taps and NAT if needed). Namespaces, bridges and
// taps outlive the daemon, so running VMs keep their network throughout.
//
// It returns the ids of the VPCs it found, so a reconcile loop can delete
// those no longer wanted. Errors of one VPC do not stop the others.
func (p *Plane) Restore(ctx context.Context, ifcs []Interface) ([]string, error) {
	entries, err := os.ReadDir(netnsDir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("restore: %w", err)
	}
	var found []string
	var errs []error
	for _, e := range entries {
		ns := e.Name()
		if !strings.HasPrefix(ns, p.cfg.Prefix+"-") {
			continue
		}
		vpcID, err := p.restoreVPC(ctx, ns)
		if err != nil {
			errs = append(errs, fmt.Errorf("restore %s: %w", ns, err))
			continue
		}
		if vpcID != "" {
			found = append(found, vpcID)
		}
	}
	for _, ifc := range ifcs {
		if _, err := p.AttachInterface(ctx, ifc); err != nil {
			errs = append(errs, fmt.Errorf("restore: %w", err))
		}
	}
	sort.Strings(found)
	return found, errors.Join(errs...)
}

// restoreVPC adopts one namespace; it returns "" for namespaces that are not
// a VPC of this plane (e.g. a test's guest namespace sharing the prefix).
func (p *Plane) restoreVPC(ctx context.Context, ns string) (string, error) {
	up, err := link(ctx, ns, uplinkName)
	if err != nil || up == nil {
		return "", err
	}
	vpcID, cidr, ok := parseUplinkAlias(up.Alias)
	if !ok || p.NamespaceOf(vpcID) != ns {
		return "", nil
	}
	// EnsureVPC repairs whatever is missing (host veth, rules) on the way.
	if err := p.EnsureVPC(ctx, vpcID, cidr); err != nil {
		return vpcID, err
	}
	ls, err := links(ctx, ns)
	if err != nil {
		return vpcID, err
	}
	for _, l := range ls {
		if l.LinkInfo.Kind != "bridge" || !strings.HasPrefix(l.Name, bridgePre) || l.Alias == "" {
			continue
		}
		for _, pfx := range l.v4Prefixes() {
			if err := p.EnsureSubnet(ctx, vpcID, l.Alias, pfx.Masked()); err != nil {
				return vpcID, err
			}
		}
	}
	p.log.Info("restored vpc", "vpc_id", vpcID, "netns", ns)
	return vpcID, nil
}
