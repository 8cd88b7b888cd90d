package main

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// The EBS rows, on the kept instance: snapshots of an 8 GiB gp3 volume with
// 100 MiB changed before each, volumes restored from the second one and
// attached, and reads in the guest through each restored volume's
// throttle. The last of them detaches and deletes what they made.

const (
	ebsSizeGiB   = 8   // the snapshotted volume
	ebsChangeMiB = 100 // written before each snapshot, and read back by the read rows
)

// restoreShape is one volume the rows make from the second snapshot: its
// type, size and performance, the read throughput AWS provisions for it,
// and how much of the changed 100 MiB its read row reads, how many times.
type restoreShape struct {
	label        string
	typ          types.VolumeType
	sizeGiB      int32
	iops, tput   int32 // 0: the type's own
	limitMiB     float64
	readMiB      int
	passes       int
	machineLimit bool // the row measures this machine, not a throttle
}

// restoreShapes are read in this order; each read takes a few seconds at
// its limit. sc1 bursts to 80 MiB/s per TiB (Kumo models no credits, so
// the burst rate holds): 9.77 MiB/s at its smallest size, 125 GiB.
var restoreShapes = []restoreShape{
	{label: "gp3 at its baseline 125 MiB/s", typ: types.VolumeTypeGp3, sizeGiB: ebsSizeGiB, limitMiB: 125, readMiB: ebsChangeMiB, passes: 5},
	{label: "gp3 provisioned at 250 MiB/s", typ: types.VolumeTypeGp3, sizeGiB: ebsSizeGiB, tput: 250, limitMiB: 250, readMiB: ebsChangeMiB, passes: 5},
	{label: "sc1 125 GiB (burst 9.77 MiB/s)", typ: types.VolumeTypeSc1, sizeGiB: 125, limitMiB: 125 * 80.0 / 1024, readMiB: 48, passes: 1},
	{label: "gp3 at its maximum 2,000 MiB/s (what this machine reads)", typ: types.VolumeTypeGp3, sizeGiB: 16, iops: 8000, tput: 2000,
		limitMiB: 2000, readMiB: ebsChangeMiB, passes: 20, machineLimit: true},
}

// throttleSlack is how far a read may land from its provisioned limit.
const throttleSlack = 0.15

// ebsSnapshots is how many snapshots the rows take of the volume, each
// after ebsChangeMiB changed: the first holds all the data, the others are
// the incremental ones the rows time.
const ebsSnapshots = 4

// snapshotRun is what the snapshot rows measured, per snapshot in order.
type snapshotRun struct {
	src        attachedVolume
	az         string
	ids        []string
	took       []time.Duration // CreateSnapshot → completed
	layers     []int64         // bytes each snapshot's layer takes on disk
	writes     []time.Duration // the guest's 100 MiB writes before each
	volumeSize int32           // DescribeSnapshots' VolumeSize of the second
}

// incremental returns, for the snapshots after the first, the times in
// seconds and the layers in MiB.
func (r snapshotRun) incremental() (secs, mib []float64) {
	for i := 1; i < len(r.ids); i++ {
		secs, mib = append(secs, r.took[i].Seconds()), append(mib, mibOf(r.layers[i]))
	}
	return secs, mib
}

// measureSnapshots attaches a blank 8 GiB gp3 volume to the kept instance
// and, ebsSnapshots times, overwrites its first 100 MiB in the guest with
// new random data and snapshots it.
func (f *fleet) measureSnapshots(ctx context.Context) (snapshotRun, error) {
	var r snapshotRun
	vm, err := f.keptVM(ctx)
	if err != nil {
		return r, err
	}
	if r.az, err = f.zone(ctx, vm.id); err != nil {
		return r, err
	}
	f.noteOthers()
	r.src, err = f.createAttached(ctx, vm, &ec2.CreateVolumeInput{AvailabilityZone: aws.String(r.az),
		Size: aws.Int32(ebsSizeGiB), VolumeType: types.VolumeTypeGp3}, "/dev/sdf")
	if err != nil {
		return r, err
	}
	progress("  %s (%d GiB gp3) attached as %s after %s", r.src.id, ebsSizeGiB, r.src.dev, r.src.ready().Round(time.Millisecond))
	for i := range ebsSnapshots {
		f.noteOthers()
		w, err := writeRandom(vm, r.src.dev, ebsChangeMiB)
		if err != nil {
			return r, err
		}
		s, took, err := f.snapshot(ctx, r.src.id)
		if err != nil {
			return r, err
		}
		r.writes, r.ids, r.took = append(r.writes, w), append(r.ids, aws.ToString(s.SnapshotId)), append(r.took, took)
		if i == 1 {
			r.volumeSize = aws.ToInt32(s.VolumeSize)
		}
		progress("  %d MiB written in %s, %s completed %s after CreateSnapshot", ebsChangeMiB, w.Round(time.Millisecond),
			r.ids[i], took.Round(time.Millisecond))
	}
	for i, id := range r.ids {
		n, err := allocatedBytes(filepath.Join(f.srv.dataDir, "volumes", layerFile(r.src.id, r.ids, i)))
		if err != nil {
			return r, fmt.Errorf("layer of %s: %w", id, err)
		}
		r.layers = append(r.layers, n)
	}
	return r, nil
}

// measureRestores makes a volume of each restoreShape from the second
// snapshot and attaches it, one after another.
func (f *fleet) measureRestores(ctx context.Context, snaps snapshotRun) ([]attachedVolume, error) {
	vm, err := f.keptVM(ctx)
	if err != nil {
		return nil, err
	}
	var vols []attachedVolume
	for i, sh := range restoreShapes {
		f.noteOthers()
		in := &ec2.CreateVolumeInput{AvailabilityZone: aws.String(snaps.az), SnapshotId: aws.String(snaps.ids[1]),
			Size: aws.Int32(sh.sizeGiB), VolumeType: sh.typ}
		if sh.iops != 0 {
			in.Iops = aws.Int32(sh.iops)
		}
		if sh.tput != 0 {
			in.Throughput = aws.Int32(sh.tput)
		}
		v, err := f.createAttached(ctx, vm, in, fmt.Sprintf("/dev/sd%c", 'g'+i))
		if err != nil {
			return nil, err
		}
		progress("  %s (%s) from %s: available after %s, attached after %s, in the guest as %s after %s", v.id, sh.label, snaps.ids[1],
			v.available.Round(time.Millisecond), v.attached.Round(time.Millisecond), v.dev, v.seen.Round(time.Millisecond))
		vols = append(vols, v)
	}
	return vols, nil
}

// measureReads reads each restored volume in the guest; MiB/s in
// restoreShapes' order.
func (f *fleet) measureReads(ctx context.Context, vols []attachedVolume) ([]float64, error) {
	vm, err := f.keptVM(ctx)
	if err != nil {
		return nil, err
	}
	rates := make([]float64, len(vols))
	for i, v := range vols {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		f.noteOthers()
		sh := restoreShapes[i]
		if rates[i], err = readRate(vm, v.dev, sh.readMiB, sh.passes); err != nil {
			return nil, err
		}
		progress("  %s (%s): read at %s MiB/s", v.id, sh.label, formatNumber(rates[i]))
	}
	return rates, nil
}

// ebsRows are the snapshot, restore and read rows.
func (f *fleet) ebsRows() []bench {
	snaps := newLazy(f.measureSnapshots)
	restores := newLazy(func(ctx context.Context) ([]attachedVolume, error) {
		s, err := snaps.get(ctx)
		if err != nil {
			return nil, err
		}
		return f.measureRestores(ctx, s)
	})
	reads := newLazy(func(ctx context.Context) ([]float64, error) {
		vols, err := restores.get(ctx)
		if err != nil {
			return nil, err
		}
		return f.measureReads(ctx, vols)
	})

	rows := []bench{
		{name: fmt.Sprintf("EBS CreateSnapshot → completed, incremental, %d GiB gp3 volume with %d MiB changed", ebsSizeGiB, ebsChangeMiB),
			unit: "s", budget: noBudget, run: func(ctx context.Context) (result, error) {
				r, err := snaps.get(ctx)
				if err != nil {
					return result{}, err
				}
				secs, _ := r.incremental()
				return result{value: median(secs), how: f.snapshotHow(r)}, nil
			}},
		{name: fmt.Sprintf("EBS incremental snapshot stored on disk, %d MiB changed", ebsChangeMiB), unit: "MiB", budget: lessThan(ebsChangeMiB * 1.1),
			run: func(ctx context.Context) (result, error) {
				r, err := snaps.get(ctx)
				if err != nil {
					return result{}, err
				}
				_, mib := r.incremental()
				how := fmt.Sprintf("median over the same %d incremental snapshots of the allocated size on disk (st_blocks × 512, what "+
					"`du --block-size=1` shows) of each one's layer: the file the volume was written in since the snapshot before "+
					"(DATA_DIR/volumes/<vol>.<previous snapshot>.qcow2; the host agent freezes a volume's active file as the snapshot "+
					"and moves the volume onto a new overlay), qcow2 metadata included; samples %s MiB (the second snapshot's first); "+
					"the first snapshot's layer (<vol>.qcow2) takes %s MiB; a full copy would be %s MiB; "+
					"working budget (DESIGN §7 sets none): the %d MiB changed plus 10%%",
					len(mib), joinNumbers(mib), formatNumber(mibOf(r.layers[0])), formatInt(ebsSizeGiB*1024), ebsChangeMiB)
				return result{value: median(mib), how: how}, nil
			}},
		{name: "EBS CreateVolume from a snapshot → attached and seen in the guest", unit: "s", budget: noBudget,
			run: func(ctx context.Context) (result, error) {
				vols, err := restores.get(ctx)
				if err != nil {
					return result{}, err
				}
				return result{value: restoreMedian(vols), how: f.restoreHow(vols)}, nil
			}},
	}
	for i, sh := range restoreShapes {
		b := within(sh.limitMiB*(1-throttleSlack), sh.limitMiB*(1+throttleSlack))
		if sh.machineLimit {
			b = noBudget
		}
		rows = append(rows, bench{name: "EBS sequential read in the guest, " + sh.label, unit: "MiB/s", budget: b,
			run: func(ctx context.Context) (result, error) {
				rates, err := reads.get(ctx)
				if err != nil {
					return result{}, err
				}
				return result{value: rates[i], how: f.readHow(i, rates)}, nil
			}})
	}

	// The last EBS row detaches and deletes what the rows made, so that the
	// rows after it find the kept instance as they would without them.
	last := &rows[len(rows)-1]
	measure := last.run
	last.run = func(ctx context.Context) (result, error) {
		res, err := measure(ctx)
		if cerr := f.ebsCleanup(ctx); err == nil && cerr != nil {
			err = cerr
		}
		return res, err
	}
	return rows
}

// layerFile is the pool file holding the layer of snapshots[i] of volume
// vol. The host agent freezes a volume's active file as the snapshot's
// layer and goes on in <volume>.<snapshot>.qcow2: the first active file is
// the first snapshot's layer, the file snapshot i made the layer of i+1.
func layerFile(vol string, snapshots []string, i int) string {
	if i == 0 {
		return vol + ".qcow2"
	}
	return vol + "." + snapshots[i-1] + ".qcow2"
}

func mibOf(bytes int64) float64 { return float64(bytes) / (1 << 20) }

func restoreMedian(vols []attachedVolume) float64 {
	v := make([]float64, len(vols))
	for i, x := range vols {
		v[i] = x.ready().Seconds()
	}
	return median(v)
}

func (f *fleet) snapshotHow(r snapshotRun) string {
	secs, _ := r.incremental()
	writes := make([]float64, len(r.writes))
	for i, w := range r.writes {
		writes[i] = w.Seconds()
	}
	return fmt.Sprintf("a blank %d GiB gp3 volume attached to a running %s kumo-minimal; %d times: in the guest "+
		"`dd if=/dev/urandom of=/dev/%s bs=1M count=%d conv=fsync` over the same first %d MiB of the raw disk (%s s), then CreateSnapshot, "+
		"timed from the call to `completed` in DescribeSnapshots polled every 20 ms; the value is the median of the %d incremental ones "+
		"after the first (samples %s s; the first, holding all the data, %s s); each freezes the active qcow2 file and switches the "+
		"running VM to a new overlay; DescribeSnapshots' VolumeSize %d GiB; %s%s",
		ebsSizeGiB, vmType, len(r.ids), r.src.dev, ebsChangeMiB, ebsChangeMiB, joinNumbers(writes), len(secs), joinNumbers(secs),
		formatNumber(r.took[0].Seconds()), r.volumeSize, f.accelNote(), f.othersNote())
}

func (f *fleet) restoreHow(vols []attachedVolume) string {
	var ready, avail, attached, seen []float64
	for _, v := range vols {
		ready = append(ready, v.ready().Seconds())
		avail, attached, seen = append(avail, v.available.Seconds()), append(attached, v.attached.Seconds()), append(seen, v.seen.Seconds())
	}
	return fmt.Sprintf("median of %d volumes made one after another from the second snapshot above (the volumes the read rows read), "+
		"each timed from the CreateVolume call: DescribeVolumes polled every 20 ms until `available`, then AttachVolume to the running "+
		"instance, then until the attachment is `attached` and the guest has a disk whose /sys/block/vd*/serial is the volume id "+
		"without its dash (a shell in the guest started before the call polls sysfs every 20 ms), whichever is later; samples %s s "+
		"(available at %s s, attached at %s s, in the guest at %s s); %s%s",
		len(vols), joinNumbers(ready), joinNumbers(avail), joinNumbers(attached), joinNumbers(seen), f.accelNote(), f.othersNote())
}

// readHow says how the read of restoreShapes[i] was measured and, for a
// throttled volume, what this machine can do without the throttle.
func (f *fleet) readHow(i int, rates []float64) string {
	sh := restoreShapes[i]
	how := fmt.Sprintf("in the guest, `dd if=/dev/vdX of=/dev/null bs=1M count=%d iflag=direct` (O_DIRECT: no guest page cache) ", sh.readMiB)
	if sh.passes > 1 {
		how += fmt.Sprintf("%d times in a row, %s MiB in all, ", sh.passes, formatInt(sh.readMiB*sh.passes))
	}
	how += fmt.Sprintf("timed by the guest's /proc/uptime, on the %d GiB %s volume made from the second snapshot above "+
		"(its first %d MiB are the random data the snapshot holds, read through the qcow2 chain)", sh.sizeGiB, sh.typ, ebsChangeMiB)
	if sh.machineLimit {
		if rates[i] < sh.limitMiB*(1-throttleSlack) {
			how += fmt.Sprintf("; well below the %s MiB/s QEMU throttles it to, so this is what this machine reads at most, the ceiling "+
				"for the other read rows", formatInt(int(sh.limitMiB)))
		} else {
			how += fmt.Sprintf("; near the %s MiB/s QEMU throttles it to, so this machine reads at least this fast, "+
				"far above the other read rows' limits", formatInt(int(sh.limitMiB)))
		}
		return how + "; " + f.accelNote() + f.othersNote()
	}
	how += fmt.Sprintf("; QEMU throttles the disk to the %s MiB/s AWS provisions for it; budget: that ± %d%%", formatNumber(sh.limitMiB), int(throttleSlack*100))
	ceiling := math.NaN()
	for j, s := range restoreShapes {
		if s.machineLimit {
			ceiling = rates[j]
		}
	}
	if ceiling < sh.limitMiB*(1-throttleSlack) {
		how += fmt.Sprintf("; this machine cannot reach it: %s MiB/s unthrottled (the 2,000 MiB/s gp3 row)", formatNumber(ceiling))
	}
	return how + "; " + f.accelNote() + f.othersNote()
}
