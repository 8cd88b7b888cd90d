package agent

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kumo-cloud/kumo/internal/ec2/ebs"
	"github.com/kumo-cloud/kumo/internal/ec2/instances"
	"github.com/kumo-cloud/kumo/internal/hypervisor"
)

const gib = int64(1) << 30

// serialOf is the disk serial a guest sees for a volume: its id without the
// dash, as on Nitro (/dev/disk/by-id/virtio-vol0123…).
func serialOf(volID string) string { return strings.ReplaceAll(volID, "-", "") }

// ebsState is this host's view of the EBS records for one pass.
type ebsState struct {
	volumes   []ebs.Volume
	snapshots []ebs.Snapshot
	byID      map[string]*ebs.Volume
}

func (a *Agent) readEBS(ctx context.Context) (*ebsState, error) {
	vols, err := a.cfg.EBS.AllVolumes(ctx)
	if err != nil {
		return nil, err
	}
	snaps, err := a.cfg.EBS.AllSnapshots(ctx)
	if err != nil {
		return nil, err
	}
	st := &ebsState{byID: map[string]*ebs.Volume{}}
	for _, v := range vols {
		if v.Host == a.cfg.Host {
			st.volumes = append(st.volumes, v)
		}
	}
	for i := range st.volumes {
		st.byID[st.volumes[i].ID] = &st.volumes[i]
	}
	for _, s := range snaps {
		if s.Host == a.cfg.Host {
			st.snapshots = append(st.snapshots, s)
		}
	}
	return st, nil
}

// disk is a volume as the VM sees it.
func (a *Agent) disk(v *ebs.Volume) hypervisor.Disk {
	iops, bps := ebs.Performance(v)
	return hypervisor.Disk{Path: a.cfg.Pool.Path(v.File), Format: "qcow2", Serial: serialOf(v.ID), IOPS: iops, BPS: bps}
}

// dataDisks are the volumes attached to an instance besides its root, in
// device order: they boot with it.
func dataDisks(st *ebsState, in *instances.Instance) []*ebs.Volume {
	var out []*ebs.Volume
	for i := range st.volumes {
		v := &st.volumes[i]
		if v.Attachment != nil && v.Attachment.InstanceID == in.ID && !v.Root && v.File != "" && v.Attachment.State != ebs.Detaching {
			out = append(out, v)
		}
	}
	slices.SortFunc(out, func(x, y *ebs.Volume) int { return strings.Compare(x.Attachment.Device, y.Attachment.Device) })
	return out
}

// syncVolumes does the storage work the records ask for: make new volumes'
// files, plug attaching volumes into running VMs and unplug detaching ones,
// grow modified volumes and take pending snapshots. Each step is idempotent
// and records its result, so a crash at any point is resumed by the next pass.
func (a *Agent) syncVolumes(ctx context.Context, st *ebsState, mine []instances.Instance) {
	insts := map[string]*instances.Instance{}
	for i := range mine {
		insts[mine[i].ID] = &mine[i]
	}
	running := func(id string) bool {
		in := insts[id]
		return in != nil && in.State == instances.Running
	}
	for i := range st.volumes {
		v := &st.volumes[i]
		var err error
		switch {
		case v.State == ebs.VolumeCreating && !v.Root:
			err = a.createVolume(ctx, v)
		case v.State == ebs.VolumeDeleting:
			txn := a.cfg.Store.Txn()
			ebs.DeleteVolumeIn(txn, v, time.Now())
			err = txn.Commit(ctx)
		case v.Attachment != nil && v.Attachment.State == ebs.Attaching && running(v.Attachment.InstanceID):
			err = a.background(ctx, v.ID, func(ctx context.Context) error { return a.plugVolume(ctx, v) })
		case v.Attachment != nil && v.Attachment.State == ebs.Detaching:
			err = a.background(ctx, v.ID, func(ctx context.Context) error { return a.unplugVolume(ctx, v, running(v.Attachment.InstanceID)) })
		case v.Modification != nil && v.Modification.State == "modifying" && v.File != "":
			err = a.growVolume(ctx, v, v.Attachment != nil && v.Attachment.State == ebs.Attached && running(v.Attachment.InstanceID))
		}
		if err != nil && ctx.Err() == nil {
			a.log.Error("volume", "volume_id", v.ID, "err", err)
		}
	}
	a.takeSnapshots(ctx, st, insts)
}

// background runs a slow step (hot-plug waits for the guest) outside the
// pass, once at a time per resource.
func (a *Agent) background(ctx context.Context, key string, step func(context.Context) error) error {
	a.mu.Lock()
	if a.busy[key] {
		a.mu.Unlock()
		return nil
	}
	a.busy[key] = true
	a.mu.Unlock()
	go func() {
		err := step(ctx)
		a.mu.Lock()
		delete(a.busy, key)
		a.mu.Unlock()
		if err != nil {
			if ctx.Err() == nil {
				a.log.Error("storage step", "resource", key, "err", err)
			}
			return
		}
		a.Kick()
	}()
	return nil
}

// backingOf returns the file a new volume starts from: a snapshot's layer
// (any account's: the API checked the permission) or a built-in image's disk.
func (a *Agent) backingOf(ctx context.Context, region, snapshotID string) (string, error) {
	if snapshotID == "" {
		return "", nil
	}
	snaps, err := a.cfg.EBS.RegionSnapshots(ctx, region)
	if err != nil {
		return "", err
	}
	for _, s := range snaps {
		if s.ID != snapshotID {
			continue
		}
		if s.Builtin != "" {
			img, err := a.cfg.Image(ctx, s.Builtin)
			if err != nil {
				return "", err
			}
			return img.RootDisk, nil
		}
		if s.State != ebs.SnapshotCompleted || s.Layer == "" {
			return "", fmt.Errorf("snapshot %s is %s: %w", s.ID, s.State, errNotReady)
		}
		return a.cfg.Pool.Path(s.Layer), nil
	}
	return "", fmt.Errorf("snapshot %s: %w", snapshotID, errNoSnapshot)
}

var (
	errNotReady       = errors.New("not ready yet")
	errSnapshotFailed = errors.New("snapshot failed")
	errNoSnapshot     = errors.New("no such snapshot")
)

// createVolume makes a new volume's file: blank, or an overlay on its snapshot.
func (a *Agent) createVolume(ctx context.Context, v *ebs.Volume) error {
	backing, err := a.backingOf(ctx, v.Region, v.SnapshotID)
	if errors.Is(err, errNotReady) {
		return nil // the snapshot completes first
	}
	if err != nil {
		return err
	}
	file := v.ID + ".qcow2"
	if err := a.cfg.Pool.Create(ctx, file, int64(v.SizeGiB)*gib, backing); err != nil {
		return err
	}
	_, err = a.cfg.EBS.UpdateVolume(ctx, v.Region, v.Account, v.ID, func(x *ebs.Volume) error {
		if x.State != ebs.VolumeCreating {
			return nil
		}
		x.File, x.FileSizeGiB, x.State = file, x.SizeGiB, ebs.VolumeAvailable
		if x.Attachment != nil {
			x.State = ebs.VolumeInUse
		}
		return nil
	})
	return err
}

// ensureRootVolume makes the file of an instance's root volume (an overlay on
// its image's disk) and returns the volume, or nil for instances launched
// before root volumes had records (their disk is root.qcow2 in the instance
// directory).
func (a *Agent) ensureRootVolume(ctx context.Context, in *instances.Instance, base string) (*ebs.Volume, error) {
	v, _, err := a.cfg.EBS.GetVolume(ctx, in.Region, in.Account, in.Root.VolumeID)
	if err != nil {
		return nil, nil //nolint:nilerr // a legacy instance
	}
	if v.File != "" {
		return v, nil
	}
	// An AMI made by CreateImage/RegisterImage boots from its snapshot; a
	// built-in one's snapshot is the image file itself (base).
	if b, err := a.backingOf(ctx, in.Region, v.SnapshotID); err == nil && b != "" {
		base = b
	} else if errors.Is(err, errNotReady) {
		return nil, err
	}
	file := v.ID + ".qcow2"
	if err := a.cfg.Pool.Create(ctx, file, int64(v.SizeGiB)*gib, base); err != nil {
		return nil, err
	}
	return a.cfg.EBS.UpdateVolume(ctx, v.Region, v.Account, v.ID, func(x *ebs.Volume) error {
		x.File, x.FileSizeGiB = file, x.SizeGiB
		if x.State == ebs.VolumeCreating {
			x.State = ebs.VolumeInUse
		}
		return nil
	})
}

func (a *Agent) plugVolume(ctx context.Context, v *ebs.Volume) error {
	if v.File == "" {
		return nil // created first
	}
	if err := a.cfg.Driver.AttachDisk(ctx, v.Attachment.InstanceID, a.disk(v)); err != nil {
		return err
	}
	_, err := a.cfg.EBS.UpdateVolume(ctx, v.Region, v.Account, v.ID, func(x *ebs.Volume) error {
		if x.Attachment != nil && x.Attachment.State == ebs.Attaching {
			x.Attachment.State = ebs.Attached
		}
		return nil
	})
	a.log.Info("volume attached", "volume_id", v.ID, "instance_id", v.Attachment.InstanceID, "device", v.Attachment.Device)
	return err
}

func (a *Agent) unplugVolume(ctx context.Context, v *ebs.Volume, vmRuns bool) error {
	if vmRuns {
		if err := a.cfg.Driver.DetachDisk(ctx, v.Attachment.InstanceID, serialOf(v.ID)); err != nil {
			if !v.Attachment.Force {
				return err
			}
			a.log.Warn("forced detach: the guest did not let go", "volume_id", v.ID, "err", err)
		}
	}
	_, err := a.cfg.EBS.UpdateVolume(ctx, v.Region, v.Account, v.ID, func(x *ebs.Volume) error {
		if x.Attachment != nil && x.Attachment.State == ebs.Detaching {
			x.Attachment, x.State = nil, ebs.VolumeAvailable
		}
		return nil
	})
	return err
}

// growVolume applies a ModifyVolume's size: online through the VM when the
// volume is in use, else on the file.
func (a *Agent) growVolume(ctx context.Context, v *ebs.Volume, online bool) error {
	if v.FileSizeGiB < v.SizeGiB {
		var err error
		if online {
			err = a.cfg.Driver.ResizeDisk(ctx, v.Attachment.InstanceID, serialOf(v.ID), int64(v.SizeGiB)*gib)
		} else {
			err = a.cfg.Pool.Resize(ctx, v.File, int64(v.SizeGiB)*gib)
		}
		if err != nil {
			return err
		}
	}
	now := a.cfg.Clock.Now().UTC()
	_, err := a.cfg.EBS.UpdateVolume(ctx, v.Region, v.Account, v.ID, func(x *ebs.Volume) error {
		x.FileSizeGiB = max(x.FileSizeGiB, v.SizeGiB)
		if m := x.Modification; m != nil && m.State == "modifying" {
			m.State, m.Progress, m.EndTime = "completed", 100, now
		}
		return nil
	})
	return err
}

// snapStep is one pending snapshot being taken: its volume, the instance
// whose running VM writes the volume (nil when none) and the overlay the
// volume continues in.
type snapStep struct {
	s       *ebs.Snapshot
	v       *ebs.Volume
	in      *instances.Instance
	overlay string
}

// live reports whether the switch to the overlay must happen inside QEMU.
func (p *snapStep) live(a *Agent, ctx context.Context) bool {
	return p.in != nil && p.v.Attachment.State != ebs.Attaching && vmRunning(a.cfg.Driver.Status(ctx, p.in.ID))
}

// takeSnapshots takes the pending snapshots of this host. A snapshot freezes
// its volume's active file as its layer and moves the volume onto a new
// overlay; the snapshots of one CreateSnapshots call switch in one QEMU
// transaction, so the set is taken at one instant. Every step is recorded
// first (the overlay's name) and idempotent, so a crash half-way is
// finished, not repeated.
func (a *Agent) takeSnapshots(ctx context.Context, st *ebsState, insts map[string]*instances.Instance) {
	groups := map[string][]*snapStep{} // instance (or snapshot) → steps switched together
	var order []string
	for i := range st.snapshots {
		s := &st.snapshots[i]
		if s.State != ebs.SnapshotPending {
			continue
		}
		if s.SourceSnapshotID != "" {
			a.snapshotResult(ctx, s, a.copySnapshot(ctx, s))
			continue
		}
		step, err := a.prepareSnapshot(ctx, st, s, insts)
		if err != nil || step == nil {
			a.snapshotResult(ctx, s, err)
			continue
		}
		key := s.ID
		if s.GroupID != "" && step.in != nil {
			key = s.GroupID + "/" + step.in.ID
		}
		if groups[key] == nil {
			order = append(order, key)
		}
		groups[key] = append(groups[key], step)
	}
	for _, key := range order {
		steps := groups[key]
		overlays := map[string]string{}
		var in *instances.Instance
		for _, p := range steps {
			if p.v.File != p.overlay && p.live(a, ctx) {
				overlays[serialOf(p.v.ID)], in = a.cfg.Pool.Path(p.overlay), p.in
			}
		}
		if len(overlays) > 0 {
			if err := a.cfg.Driver.SnapshotDisks(ctx, in.ID, overlays); err != nil {
				for _, p := range steps {
					a.snapshotResult(ctx, p.s, err)
				}
				continue
			}
		}
		for _, p := range steps {
			a.snapshotResult(ctx, p.s, a.finishSnapshot(ctx, p))
		}
	}
}

// snapshotResult logs a failed step; a step that can never succeed marks
// the snapshot failed, others are retried on the next pass.
func (a *Agent) snapshotResult(ctx context.Context, s *ebs.Snapshot, err error) {
	if err == nil || ctx.Err() != nil {
		return
	}
	a.log.Error("snapshot", "snapshot_id", s.ID, "err", err)
	if errors.Is(err, errSnapshotFailed) {
		_, _ = a.cfg.EBS.UpdateSnapshot(ctx, s.Region, s.Account, s.ID, func(x *ebs.Snapshot) error {
			x.State = ebs.SnapshotError
			return nil
		})
	}
}

// prepareSnapshot records the overlay's name and makes the overlay file; a
// nil step means the snapshot waits (its volume is still being made, or
// CreateImage's reboot has not happened yet).
func (a *Agent) prepareSnapshot(ctx context.Context, st *ebsState, s *ebs.Snapshot, insts map[string]*instances.Instance) (*snapStep, error) {
	v := st.byID[s.VolumeID]
	if v == nil {
		return nil, fmt.Errorf("volume %s is gone: %w", s.VolumeID, errSnapshotFailed)
	}
	if v.File == "" {
		if v.Root && v.State != ebs.VolumeCreating {
			return nil, fmt.Errorf("root volume %s has no data yet (its instance never booted): %w", v.ID, errSnapshotFailed)
		}
		return nil, nil // still being created
	}
	p := &snapStep{s: s, v: v, overlay: s.Overlay}
	if v.Attachment != nil {
		p.in = insts[v.Attachment.InstanceID]
	}
	if s.AfterReboot > 0 && p.in != nil && p.in.State == instances.Running && p.in.RebootDone < s.AfterReboot {
		return nil, nil // CreateImage reboots the instance first
	}
	if p.overlay == "" {
		p.overlay = v.ID + "." + s.ID + ".qcow2"
		if _, err := a.cfg.EBS.UpdateSnapshot(ctx, s.Region, s.Account, s.ID, func(x *ebs.Snapshot) error {
			x.Overlay = p.overlay
			return nil
		}); err != nil {
			return nil, err
		}
	}
	if v.File != p.overlay {
		if err := a.cfg.Pool.NewOverlay(ctx, v.File, p.overlay); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// finishSnapshot records the switch: the volume's file is the overlay, the
// snapshot's layer the file below it.
func (a *Agent) finishSnapshot(ctx context.Context, p *snapStep) error {
	v, s := p.v, p.s
	if v.File != p.overlay {
		if _, err := a.cfg.EBS.UpdateVolume(ctx, v.Region, v.Account, v.ID, func(x *ebs.Volume) error {
			x.File = p.overlay
			return nil
		}); err != nil {
			return err
		}
	}
	layer, err := a.cfg.Pool.Backing(ctx, p.overlay)
	if err != nil {
		return err
	}
	stored, err := a.cfg.Pool.LayerBytes(ctx, layer)
	if err != nil {
		return err
	}
	_, err = a.cfg.EBS.UpdateSnapshot(ctx, s.Region, s.Account, s.ID, func(x *ebs.Snapshot) error {
		x.Layer, x.StoredBytes, x.State, x.Progress = layer, stored, ebs.SnapshotCompleted, 100
		return nil
	})
	if err == nil {
		a.log.Info("snapshot completed", "snapshot_id", s.ID, "volume_id", v.ID, "stored_bytes", stored)
	}
	return err
}

// copySnapshot completes a CopySnapshot: snapshot layers never change, so the
// copy shares its source's layer.
func (a *Agent) copySnapshot(ctx context.Context, s *ebs.Snapshot) error {
	snaps, err := a.cfg.EBS.RegionSnapshots(ctx, s.SourceRegion)
	if err != nil {
		return err
	}
	for _, src := range snaps {
		if src.ID != s.SourceSnapshotID {
			continue
		}
		if src.State == ebs.SnapshotPending {
			return nil
		}
		if src.State != ebs.SnapshotCompleted {
			return fmt.Errorf("source %s is %s: %w", src.ID, src.State, errSnapshotFailed)
		}
		_, err := a.cfg.EBS.UpdateSnapshot(ctx, s.Region, s.Account, s.ID, func(x *ebs.Snapshot) error {
			x.Layer, x.Builtin, x.StoredBytes, x.State, x.Progress = src.Layer, src.Builtin, src.StoredBytes, ebs.SnapshotCompleted, 100
			return nil
		})
		return err
	}
	return fmt.Errorf("source snapshot %s is gone: %w", s.SourceSnapshotID, errSnapshotFailed)
}

// collectGarbage removes the files no volume or snapshot needs any more.
func (a *Agent) collectGarbage(ctx context.Context, st *ebsState) {
	var keep []string
	for _, v := range st.volumes {
		if v.File != "" {
			keep = append(keep, v.File)
		}
	}
	for _, s := range st.snapshots {
		keep = append(keep, s.Layer, s.Overlay)
	}
	keep = slices.DeleteFunc(keep, func(s string) bool { return s == "" })
	removed, err := a.cfg.Pool.Collect(ctx, keep)
	if err != nil {
		a.log.Error("storage garbage collection", "err", err)
	}
	if len(removed) > 0 {
		a.log.Info("removed unused volume files", "files", removed)
	}
}

// instanceVolumes returns the volumes attached to an instance (root included).
func (a *Agent) instanceVolumes(ctx context.Context, in *instances.Instance) ([]ebs.Volume, error) {
	all, err := a.cfg.EBS.Volumes(ctx, in.Region, in.Account)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(all, func(v ebs.Volume) bool { return v.Attachment == nil || v.Attachment.InstanceID != in.ID }), nil
}

// disks are the instance's disks at boot: its root volume (or the legacy
// root.qcow2 of instances launched before root volumes had records), then
// its attached data volumes in device order.
func (a *Agent) disks(ctx context.Context, in *instances.Instance) ([]hypervisor.Disk, error) {
	root := hypervisor.Disk{Path: a.rootDisk(in.ID), Format: "qcow2", Serial: serialOf(in.Root.VolumeID)}
	vols, err := a.instanceVolumes(ctx, in)
	if err != nil {
		return nil, err
	}
	st := &ebsState{volumes: vols}
	for i := range vols {
		if vols[i].ID == in.Root.VolumeID && vols[i].File != "" {
			root = a.disk(&vols[i])
		}
	}
	out := append([]hypervisor.Disk{root}, a.ephemeralDisks(in)...)
	for _, v := range dataDisks(st, in) {
		if v.Attachment.State == ebs.Attached || v.Attachment.State == ebs.Attaching {
			out = append(out, a.disk(v))
		}
	}
	return out, nil
}

// releaseVolumes applies a termination to the instance's volumes: those
// marked DeleteOnTermination go, the others are detached and available.
func (a *Agent) releaseVolumes(ctx context.Context, in *instances.Instance) {
	vols, err := a.instanceVolumes(ctx, in)
	if err != nil {
		a.log.Error("read volumes", "instance_id", in.ID, "err", err)
		return
	}
	for _, v := range vols {
		if v.Attachment.DeleteOnTermination {
			txn := a.cfg.Store.Txn()
			ebs.DeleteVolumeIn(txn, &v, time.Now())
			err = txn.Commit(ctx)
		} else {
			_, err = a.cfg.EBS.UpdateVolume(ctx, v.Region, v.Account, v.ID, func(x *ebs.Volume) error {
				if x.Attachment != nil && x.Attachment.InstanceID == in.ID {
					x.Attachment, x.State, x.Root = nil, ebs.VolumeAvailable, false
				}
				return nil
			})
		}
		if err != nil {
			a.log.Error("release volume", "instance_id", in.ID, "volume_id", v.ID, "err", err)
		}
	}
}

// ensureDataVolumes makes the files of volumes attached to the instance that
// are still being created (the extra volumes of a launch), so they boot with it.
func (a *Agent) ensureDataVolumes(ctx context.Context, in *instances.Instance) error {
	vols, err := a.instanceVolumes(ctx, in)
	if err != nil {
		return err
	}
	for i := range vols {
		if v := &vols[i]; !v.Root && v.State == ebs.VolumeCreating {
			if err := a.createVolume(ctx, v); err != nil {
				return err
			}
		}
	}
	return nil
}
