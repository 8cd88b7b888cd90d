package sim

import (
	"context"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"

	"github.com/kumo-cloud/kumo/internal/hypervisor"
)

// openDisks makes the records of a run's disks, checking that their files
// exist unless disks are fake.
func (d *Driver) openDisks(specs []hypervisor.Disk) ([]*disk, error) {
	disks := make([]*disk, 0, len(specs))
	for _, s := range specs {
		if err := d.open(s); err != nil {
			return nil, err
		}
		disks = append(disks, &disk{Disk: s})
	}
	return disks, nil
}

// open checks that the disk's file could be opened, as QEMU would.
func (d *Driver) open(s hypervisor.Disk) error {
	if d.fakeDisks {
		return nil
	}
	if err := checkFile(s.Path); err != nil {
		return fmt.Errorf("open disk %s: %w", s.Serial, err)
	}
	return nil
}

// find returns the disk with serial, or nil; v.plug is held.
func (r *run) find(serial string) *disk {
	for _, dk := range r.disks {
		if dk.Serial != "" && dk.Serial == serial {
			return dk
		}
	}
	return nil
}

// AttachDisk hot-plugs the disk; see hypervisor.Driver.
func (d *Driver) AttachDisk(ctx context.Context, id string, s hypervisor.Disk) error {
	if err := s.Validate(); err != nil {
		return fmt.Errorf("attach disk to %s: %w", id, err)
	}
	if s.Serial == "" {
		return fmt.Errorf("attach disk to %s: %w: hot-plugged disks need a serial to be detached by",
			id, hypervisor.ErrInvalidSpec)
	}
	v, r, err := d.live(id)
	if err != nil {
		return fmt.Errorf("attach disk %s to %s: %w", s.Serial, id, err)
	}
	v.plug.Lock()
	defer v.plug.Unlock()
	if r.find(s.Serial) != nil {
		return nil
	}
	if len(r.disks)+len(r.nics) >= r.ports {
		return fmt.Errorf("attach disk %s to %s: %w", s.Serial, id, errNoPort)
	}
	if err := d.open(s); err != nil {
		return fmt.Errorf("attach disk %s to %s: %w", s.Serial, id, err)
	}
	r.disks = append(r.disks, &disk{Disk: s})
	v.log.Info("disk attached", "serial", s.Serial, "bus", s.Bus)
	return nil
}

// DetachDisk hot-unplugs the disk with serial; see hypervisor.Driver. The
// simulated guest lets go at once.
func (d *Driver) DetachDisk(ctx context.Context, id, serial string) error {
	if err := hypervisor.ValidateSerial(serial); err != nil {
		return fmt.Errorf("detach disk from %s: %w", id, err)
	}
	v, r, err := d.live(id)
	if err != nil {
		return fmt.Errorf("detach disk %s from %s: %w", serial, id, err)
	}
	v.plug.Lock()
	defer v.plug.Unlock()
	if dk := r.find(serial); dk != nil {
		r.disks = slices.DeleteFunc(r.disks, func(x *disk) bool { return x == dk })
		v.log.Info("disk detached", "serial", serial)
	}
	return nil
}

// SnapshotDisk moves the disk's writes to overlay; see hypervisor.Driver.
func (d *Driver) SnapshotDisk(ctx context.Context, id, serial, overlay string) error {
	return d.SnapshotDisks(ctx, id, map[string]string{serial: overlay})
}

// SnapshotDisks moves each disk's writes to its overlay at one instant;
// see hypervisor.Driver. Every check comes before any switch, so a refused
// disk leaves them all as they were.
func (d *Driver) SnapshotDisks(ctx context.Context, id string, overlays map[string]string) error {
	serials := slices.Sorted(maps.Keys(overlays))
	for i, serial := range serials {
		if err := hypervisor.ValidateSerial(serial); err != nil {
			return fmt.Errorf("snapshot disk of %s: %w", id, err)
		}
		overlay := overlays[serial]
		if !filepath.IsAbs(overlay) {
			return fmt.Errorf("snapshot disk %s of %s: %w: overlay %q is not an absolute path",
				serial, id, hypervisor.ErrInvalidSpec, overlay)
		}
		for _, other := range serials[:i] {
			if sameFile(overlays[other], overlay) {
				return fmt.Errorf("snapshot disk %s of %s: %w: overlay %s is also disk %s's",
					serial, id, hypervisor.ErrInvalidSpec, overlay, other)
			}
		}
	}
	what := "disks " + strings.Join(serials, ", ")
	if len(serials) == 1 {
		what = "disk " + serials[0]
	}
	v, r, err := d.live(id)
	if err != nil {
		return fmt.Errorf("snapshot %s of %s: %w", what, id, err)
	}
	v.plug.Lock()
	defer v.plug.Unlock()
	var todo []*disk
	for _, serial := range serials {
		dk, ok, err := d.planSwitch(r, serial, overlays[serial])
		if err != nil {
			return fmt.Errorf("snapshot disk %s of %s: %w", serial, id, err)
		}
		if ok {
			todo = append(todo, dk)
		}
	}
	for _, dk := range todo {
		overlay := overlays[dk.Serial]
		v.log.Info("disk snapshot", "serial", dk.Serial, "frozen", dk.Path, "overlay", overlay)
		dk.frozen = slices.Insert(dk.frozen, 0, dk.Path)
		dk.Path, dk.Format = overlay, "qcow2"
	}
	return nil
}

// planSwitch checks that overlay can go on top of disk serial, changing
// nothing; ok is false if overlay is its top already.
func (d *Driver) planSwitch(r *run, serial, overlay string) (dk *disk, ok bool, err error) {
	dk = r.find(serial)
	if dk == nil {
		return nil, false, hypervisor.ErrNoDisk
	}
	if sameFile(dk.Path, overlay) {
		return nil, false, nil
	}
	for _, f := range dk.frozen {
		if sameFile(f, overlay) {
			// A retry of a snapshot that another has since followed.
			return nil, false, fmt.Errorf("%w: overlay %s is already frozen in the disk's chain", hypervisor.ErrInvalidSpec, overlay)
		}
	}
	if d.fakeDisks {
		return dk, true, nil
	}
	hdr, err := readQcow2(overlay)
	if err != nil {
		return nil, false, err
	}
	if !sameFile(hdr.backing, dk.Path) {
		return nil, false, fmt.Errorf("%w: overlay %s is backed by %q, not by the disk's active file %s",
			hypervisor.ErrInvalidSpec, overlay, hdr.backing, dk.Path)
	}
	size, err := virtualSize(dk.Path, dk.Format)
	if err != nil {
		return nil, false, err
	}
	if hdr.size != size {
		return nil, false, fmt.Errorf("%w: overlay %s has %d bytes, the disk %d",
			hypervisor.ErrInvalidSpec, overlay, hdr.size, size)
	}
	return dk, true, nil
}

// ResizeDisk grows the disk; see hypervisor.Driver. NVMe disks cannot grow
// while the VM runs, as with the qemu driver.
func (d *Driver) ResizeDisk(ctx context.Context, id, serial string, bytes int64) error {
	if err := hypervisor.ValidateSerial(serial); err != nil {
		return fmt.Errorf("resize disk of %s: %w", id, err)
	}
	if bytes <= 0 || bytes%512 != 0 {
		return fmt.Errorf("resize disk %s of %s: %w: %d bytes is not a positive multiple of 512",
			serial, id, hypervisor.ErrInvalidSpec, bytes)
	}
	v, r, err := d.live(id)
	if err != nil {
		return fmt.Errorf("resize disk %s of %s: %w", serial, id, err)
	}
	v.plug.Lock()
	defer v.plug.Unlock()
	dk := r.find(serial)
	if dk == nil {
		return fmt.Errorf("resize disk %s of %s: %w", serial, id, hypervisor.ErrNoDisk)
	}
	cur := dk.size
	if !d.fakeDisks {
		if cur, err = virtualSize(dk.Path, dk.Format); err != nil {
			return fmt.Errorf("resize disk %s of %s: %w", serial, id, err)
		}
	}
	switch {
	case bytes == cur:
		return nil
	case bytes < cur:
		return fmt.Errorf("resize disk %s of %s: %w: cannot shrink from %d to %d bytes",
			serial, id, hypervisor.ErrInvalidSpec, cur, bytes)
	case dk.Bus == "nvme":
		return fmt.Errorf("resize disk %s of %s: %w: qemu's nvme device", serial, id, hypervisor.ErrUnsupported)
	}
	if !d.fakeDisks {
		if err := grow(ctx, dk.Path, dk.Format, bytes); err != nil {
			return fmt.Errorf("resize disk %s of %s: %w", serial, id, err)
		}
	}
	dk.size = bytes
	v.log.Info("disk resized", "serial", serial, "from", cur, "to", bytes)
	return nil
}
