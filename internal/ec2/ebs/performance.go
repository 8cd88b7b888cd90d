package ebs

const (
	kib = 1 << 10
	mib = 1 << 20
)

// Performance returns the IOPS and throughput (bytes per second) ceiling of
// a volume under AWS's rules for its type; the host agent passes them to
// QEMU's disk throttling.
//
// Burstable types (gp2, st1, sc1) get their burst ceiling: Kumo does not
// model I/O or throughput credits, so a volume behaves like one whose
// credit bucket never empties.
func Performance(v *Volume) (iops, bytesPerSecond int64) {
	size := int64(v.SizeGiB)
	switch v.Type {
	case GP2:
		// Baseline 3 IOPS/GiB (100..16,000); volumes below 1 TiB burst
		// to 3,000. Throughput: 128 MiB/s up to 170 GiB, else 250 MiB/s.
		iops = max(int64(gp2Baseline(v.SizeGiB)), 3000)
		bytesPerSecond = 250 * mib
		if size <= 170 {
			bytesPerSecond = 128 * mib
		}
	case GP3:
		iops, bytesPerSecond = GP3BaselineIOPS, GP3BaselineThroughput*mib
		if v.IOPS > 0 {
			iops = int64(v.IOPS)
		}
		if v.Throughput > 0 {
			bytesPerSecond = int64(v.Throughput) * mib
		}
	case IO1, IO2:
		// Up to 32,000 IOPS a volume takes I/Os of up to 256 KiB and
		// 500 MiB/s; above, throughput grows by 16 KiB per IOPS, to
		// 1,000 MiB/s for io1 and 4,000 MiB/s for io2 Block Express.
		iops = int64(v.IOPS)
		ceiling := int64(1000 * mib)
		if v.Type == IO2 {
			ceiling = 4000 * mib
		}
		bytesPerSecond = max(min(iops*256*kib, 500*mib), min(iops*16*kib, ceiling))
	case ST1:
		// Baseline 40 MiB/s per TiB, burst 250 MiB/s per TiB, at most 500 MiB/s.
		iops, bytesPerSecond = 500, min(size*250*mib/1024, 500*mib)
	case SC1:
		// Baseline 12 MiB/s per TiB, burst 80 MiB/s per TiB, at most 250 MiB/s.
		iops, bytesPerSecond = 250, min(size*80*mib/1024, 250*mib)
	default: // standard (magnetic): 40-200 IOPS, 40-90 MiB/s
		iops, bytesPerSecond = 200, 90*mib
	}
	return iops, bytesPerSecond
}
