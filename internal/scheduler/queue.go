package scheduler

// queue is a min-heap of the hosts a request may still use, least loaded
// first. It is written out rather than built on container/heap so that
// the hot loop makes no interface calls and no allocations.
type queue struct {
	req   Request
	items []candidate
}

// candidate is one eligible host and its usage as this request fills it.
type candidate struct {
	host               int // index in the snapshot, the last tie-breaker
	name               string
	rank               int8
	claim              bool // an empty shared host this request dedicates
	vcpus, mem         int64
	usedVCPUs, usedMem int64
}

// fits reports whether one more instance of the request fits on c.
func (q *queue) fits(c *candidate) bool {
	return c.vcpus-c.usedVCPUs >= q.req.VCPUs && c.mem-c.usedMem >= q.req.MemoryMiB
}

// load is c's dominant share: the larger of the fractions of its vCPUs
// and of its memory in use. It is kept as a fraction and compared exactly,
// so ties are ties on every machine.
func (c *candidate) load() frac {
	return maxFrac(frac{c.usedVCPUs, c.vcpus}, frac{c.usedMem, c.mem})
}

// frac is n/d with d > 0 (a host that fits an instance has capacity).
type frac struct{ n, d int64 }

// less compares without division. Products stay far inside int64: even a
// host of 2^24 MiB (16 TiB) squares to 2^48.
func (a frac) less(b frac) bool { return a.n*b.d < b.n*a.d }

func maxFrac(a, b frac) frac {
	if a.less(b) {
		return b
	}
	return a
}

// before is the heap order: rank, then load, then name, then position.
func (q *queue) before(i, j int) bool {
	a, b := &q.items[i], &q.items[j]
	if a.rank != b.rank {
		return a.rank < b.rank
	}
	la, lb := a.load(), b.load()
	if la.less(lb) {
		return true
	}
	if lb.less(la) {
		return false
	}
	if a.name != b.name {
		return a.name < b.name
	}
	return a.host < b.host
}

func (q *queue) init() {
	for i := len(q.items)/2 - 1; i >= 0; i-- {
		q.down(i)
	}
}

// pop drops the first item.
func (q *queue) pop() {
	n := len(q.items) - 1
	q.items[0] = q.items[n]
	q.items = q.items[:n]
	if n > 0 {
		q.down(0)
	}
}

// down restores the heap below i after items[i] moved later in the order.
func (q *queue) down(i int) {
	n := len(q.items)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		m := l
		if r := l + 1; r < n && q.before(r, l) {
			m = r
		}
		if !q.before(m, i) {
			return
		}
		q.items[i], q.items[m] = q.items[m], q.items[i]
		i = m
	}
}
