package sim

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/kumo-cloud/kumo/internal/hypervisor"
)

// The sim has no network: a NIC is its tap name and MAC. Taps are not
// looked for (the qemu driver refuses one that does not exist), but one tap
// serves one NIC at a time, as a tap device does.

// checkTaps refuses NICs that share a tap.
func checkTaps(nics []hypervisor.NIC) error {
	for i, n := range nics {
		for _, m := range nics[:i] {
			if m.Tap == n.Tap {
				return fmt.Errorf("tap %s: used by nics %s and %s", n.Tap, m.MAC, n.MAC)
			}
		}
	}
	return nil
}

// findNIC returns the index of the NIC with mac (any case), or -1; v.plug
// is held.
func (r *run) findNIC(mac string) int {
	return slices.IndexFunc(r.nics, func(n hypervisor.NIC) bool { return strings.EqualFold(n.MAC, mac) })
}

// AttachNIC hot-plugs nic; see hypervisor.Driver.
func (d *Driver) AttachNIC(ctx context.Context, id string, nic hypervisor.NIC) error {
	if err := nic.Validate(); err != nil {
		return fmt.Errorf("attach nic to %s: %w", id, err)
	}
	v, r, err := d.live(id)
	if err != nil {
		return fmt.Errorf("attach nic %s to %s: %w", nic.MAC, id, err)
	}
	v.plug.Lock()
	defer v.plug.Unlock()
	if r.findNIC(nic.MAC) >= 0 {
		return nil
	}
	if len(r.disks)+len(r.nics) >= r.ports {
		return fmt.Errorf("attach nic %s to %s: %w", nic.MAC, id, errNoPort)
	}
	if err := checkTaps(append(slices.Clone(r.nics), nic)); err != nil {
		return fmt.Errorf("attach nic %s to %s: %w", nic.MAC, id, err)
	}
	r.nics = append(r.nics, nic)
	v.log.Info("nic attached", "mac", nic.MAC, "tap", nic.Tap)
	return nil
}

// DetachNIC hot-unplugs the NIC with mac; see hypervisor.Driver. The
// simulated guest lets go at once, and the tap is free again.
func (d *Driver) DetachNIC(ctx context.Context, id, mac string) error {
	if err := hypervisor.ValidateMAC(mac); err != nil {
		return fmt.Errorf("detach nic from %s: %w", id, err)
	}
	v, r, err := d.live(id)
	if err != nil {
		return fmt.Errorf("detach nic %s from %s: %w", mac, id, err)
	}
	v.plug.Lock()
	defer v.plug.Unlock()
	if i := r.findNIC(mac); i >= 0 {
		r.nics = slices.Delete(r.nics, i, i+1)
		v.log.Info("nic detached", "mac", mac)
	}
	return nil
}
