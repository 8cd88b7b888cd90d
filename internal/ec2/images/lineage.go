package images

import (
	"context"

	"github.com/kumo-cloud/kumo/internal/ec2/ebs"
)

// maxLineage bounds the walk through snapshot copies and volumes made from
// snapshots (a cycle is impossible, but records are data).
const maxLineage = 32

// kernelOf finds which built-in kernel boots a root disk made from the
// snapshot, following the data back to an image Kumo knows:
//
//   - a snapshot of a built-in image's disk (Builtin) boots with that image;
//   - a snapshot that is the root of an image (CreateImage, CopyImage or an
//     earlier RegisterImage) boots with that image's kernel;
//   - a copy (CopySnapshot) boots as its source;
//   - a snapshot of an instance's root volume boots with the instance's
//     image's kernel;
//   - a snapshot of another volume boots as the snapshot that volume was
//     made from.
//
// When the chain is gone (records deleted) it answers MinimalName: the
// built-in kernel boots any ordinary x86_64 Linux root file system that
// does not need modules the initrd lacks.
func (s *Service) kernelOf(ctx context.Context, region, snapshotID string) (string, error) {
	l := &lineage{s: s, regions: map[string]*regionView{}}
	for range maxLineage {
		v, err := l.region(ctx, region)
		if err != nil {
			return "", err
		}
		sn := findSnapshot(v.snaps, snapshotID)
		if sn == nil {
			break
		}
		if sn.Builtin != "" {
			return sn.Builtin, nil
		}
		if k := v.imageKernel(sn.ID); k != "" {
			return k, nil
		}
		if sn.SourceSnapshotID != "" {
			if sn.SourceRegion != "" {
				region = sn.SourceRegion
			}
			snapshotID = sn.SourceSnapshotID
			continue
		}
		if k := v.instanceKernel(sn.VolumeID); k != "" {
			return k, nil
		}
		vol := v.volumes[sn.VolumeID]
		if vol == nil || vol.SnapshotID == "" {
			break
		}
		if k := v.imageKernel(vol.SnapshotID); k != "" { // also the built-in images' snapshots, which have no records
			return k, nil
		}
		snapshotID = vol.SnapshotID
	}
	return MinimalName, nil
}

type lineage struct {
	s       *Service
	regions map[string]*regionView
}

// regionView is what the walk reads of one region, read once.
type regionView struct {
	snaps   []ebs.Snapshot
	images  []Image
	insts   []instanceRecord
	volumes map[string]*ebs.Volume
}

func (l *lineage) region(ctx context.Context, region string) (*regionView, error) {
	if v := l.regions[region]; v != nil {
		return v, nil
	}
	es := &ebs.Store{S: l.s.Store}
	v := &regionView{volumes: map[string]*ebs.Volume{}}
	var err error
	if v.snaps, err = es.RegionSnapshots(ctx, region); err != nil {
		return nil, err
	}
	if v.images, err = l.s.All(ctx, region); err != nil {
		return nil, err
	}
	if v.insts, err = l.s.regionInstances(ctx, region); err != nil {
		return nil, err
	}
	vols, err := es.AllVolumes(ctx)
	if err != nil {
		return nil, err
	}
	for i := range vols {
		if vols[i].Region == region {
			v.volumes[vols[i].ID] = &vols[i]
		}
	}
	l.regions[region] = v
	return v, nil
}

// instanceKernel is the kernel of the image of the instance whose root
// volume is volumeID, or "".
func (v *regionView) instanceKernel(volumeID string) string {
	for _, in := range v.insts {
		if in.Root.VolumeID != volumeID {
			continue
		}
		for _, img := range v.images {
			if img.ID == in.ImageID {
				return img.kernel()
			}
		}
	}
	return ""
}

// imageKernel is the kernel of the image whose root snapshot is snapshotID, or "".
func (v *regionView) imageKernel(snapshotID string) string {
	for _, img := range v.images {
		if img.RootSnapshotID == snapshotID {
			return img.kernel()
		}
	}
	return ""
}
