package scheduler

import (
	"errors"
	"math/rand/v2"
	"testing"
)

// BenchmarkPlace10kOn1kHosts is DESIGN §7's scheduler budget: 10,000
// instances, in launches of 1 to 50, onto 1,000 hosts, each placement
// applied to the snapshot before the next launch as the caller would. One
// iteration (ns/op) is the whole run; the budget is 2 s.
func BenchmarkPlace10kOn1kHosts(b *testing.B) {
	const instances, nhosts = 10_000, 1_000
	var launches, refused int
	for b.Loop() {
		b.StopTimer()
		r := rand.New(rand.NewPCG(7, 8))
		hosts := fleet(r, nhosts)
		byName := index(hosts)
		b.StartTimer()

		placed := 0
		launches, refused = 0, 0
		for placed < instances {
			req := randomRequest(r)
			req.Count = min(req.Count, instances-placed)
			ps, err := Place(hosts, req)
			if err != nil && !errors.Is(err, ErrNoCapacity) {
				b.Fatal(err)
			}
			if len(ps) == 0 {
				// Dedicated launches find no empty host once balanced
				// packing has touched them all; they count as launches.
				if refused++; refused > instances {
					b.Fatalf("fleet full after %d instances", placed)
				}
			}
			for _, p := range ps {
				h := &hosts[byName[p.Host]]
				h.UsedVCPUs += req.VCPUs
				h.UsedMemoryMiB += req.MemoryMiB
				if p.Dedicates {
					h.Dedicated = req.Account
				}
			}
			placed += len(ps)
			launches++
		}
	}
	b.ReportMetric(float64(launches), "launches")
	b.ReportMetric(float64(refused), "refused")
}
