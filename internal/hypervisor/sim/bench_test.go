package sim

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/kumo-cloud/kumo/internal/hypervisor"
)

// BenchmarkStart10k starts 10,000 VMs per iteration on a fresh Host: one
// after another with no boot delay (the driver's own cost), and all at
// once with the default 200 ms boot (how the sim holds up under a
// control plane launching in bulk).
func BenchmarkStart10k(b *testing.B) {
	const n = 10_000
	specs := make([]hypervisor.Spec, n)
	for i := range specs {
		id := fmt.Sprintf("i-%017x", i)
		specs[i] = hypervisor.Spec{
			ID: id, Dir: "/nonexistent/sim/" + id, VCPUs: 2, MemoryMiB: 1024,
			Disks: []hypervisor.Disk{{Path: "/nonexistent/sim/" + id + "/root.qcow2", Format: "qcow2"}},
			NICs:  []hypervisor.NIC{{Tap: "tap" + id[len(id)-8:], MAC: fmt.Sprintf("02:00:%02x:%02x:%02x:%02x", byte(i>>24), byte(i>>16), byte(i>>8), byte(i))}},
		}
	}
	ctx := context.Background()
	b.Run("serial/boot=none", func(b *testing.B) {
		for b.Loop() {
			d := New(Config{BootDelay: -1, FakeDisks: true})
			for _, s := range specs {
				if err := d.Start(ctx, s); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/start")
	})
	b.Run("concurrent/boot=200ms", func(b *testing.B) {
		for b.Loop() {
			d := New(Config{FakeDisks: true})
			errs := make(chan error, n)
			var wg sync.WaitGroup
			for _, s := range specs {
				wg.Go(func() {
					if err := d.Start(ctx, s); err != nil {
						errs <- err
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed())/float64(b.N)/float64(time.Millisecond), "ms/10k-starts")
	})
}
