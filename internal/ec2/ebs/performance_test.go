package ebs_test

import (
	"testing"

	"github.com/kumo-cloud/kumo/internal/ec2/ebs"
)

func TestPerformance(t *testing.T) {
	const mib = 1 << 20
	tests := []struct {
		name      string
		vol       ebs.Volume
		iops, bps int64
	}{
		{"gp2 small bursts to 3000", ebs.Volume{Type: "gp2", SizeGiB: 8}, 3000, 128 * mib},
		{"gp2 170 GiB", ebs.Volume{Type: "gp2", SizeGiB: 170}, 3000, 128 * mib},
		{"gp2 171 GiB", ebs.Volume{Type: "gp2", SizeGiB: 171}, 3000, 250 * mib},
		{"gp2 1000 GiB baseline meets burst", ebs.Volume{Type: "gp2", SizeGiB: 1000}, 3000, 250 * mib},
		{"gp2 2 TiB baseline", ebs.Volume{Type: "gp2", SizeGiB: 2000}, 6000, 250 * mib},
		{"gp2 baseline capped", ebs.Volume{Type: "gp2", SizeGiB: 16384}, 16000, 250 * mib},
		{"gp3 baseline", ebs.Volume{Type: "gp3", SizeGiB: 8}, 3000, 125 * mib},
		{"gp3 provisioned", ebs.Volume{Type: "gp3", SizeGiB: 100, IOPS: 10000, Throughput: 500}, 10000, 500 * mib},
		{"io1 small", ebs.Volume{Type: "io1", SizeGiB: 10, IOPS: 500}, 500, 125 * mib},
		{"io1 256 KiB I/Os reach 500 MiB/s", ebs.Volume{Type: "io1", SizeGiB: 100, IOPS: 2000}, 2000, 500 * mib},
		{"io1 32000", ebs.Volume{Type: "io1", SizeGiB: 1000, IOPS: 32000}, 32000, 500 * mib},
		{"io1 48000 at 16 KiB each", ebs.Volume{Type: "io1", SizeGiB: 1000, IOPS: 48000}, 48000, 750 * mib},
		{"io1 max", ebs.Volume{Type: "io1", SizeGiB: 2000, IOPS: 64000}, 64000, 1000 * mib},
		{"io2 block express max", ebs.Volume{Type: "io2", SizeGiB: 1000, IOPS: 256000}, 256000, 4000 * mib},
		{"st1 smallest", ebs.Volume{Type: "st1", SizeGiB: 125}, 500, 125 * 250 * mib / 1024},
		{"st1 2 TiB capped at 500", ebs.Volume{Type: "st1", SizeGiB: 2048}, 500, 500 * mib},
		{"sc1 1 TiB", ebs.Volume{Type: "sc1", SizeGiB: 1024}, 250, 80 * mib},
		{"sc1 capped at 250", ebs.Volume{Type: "sc1", SizeGiB: 16384}, 250, 250 * mib},
		{"standard", ebs.Volume{Type: "standard", SizeGiB: 100}, 200, 90 * mib},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			iops, bps := ebs.Performance(&tt.vol)
			if iops != tt.iops || bps != tt.bps {
				t.Fatalf("Performance = %d IOPS, %d B/s; want %d, %d", iops, bps, tt.iops, tt.bps)
			}
		})
	}
}
