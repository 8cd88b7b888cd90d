package qmp

import (
	"encoding/json"
	"time"
)

// Event is an asynchronous notification from QEMU, such as SHUTDOWN,
// POWERDOWN, RESET, STOP, RESUME or DEVICE_DELETED.
type Event struct {
	Name string          // the event name, e.g. "SHUTDOWN"
	Data json.RawMessage // event-specific payload; nil when QEMU sent none
	Time time.Time       // when QEMU emitted it
}

// eventBuffer bounds the events held for a slow reader. Events are rare
// (a handful per VM lifetime), so the buffer only fills when nobody reads;
// dropping then is better than stalling command replies behind them.
const eventBuffer = 64

// Events delivers QEMU's asynchronous events in order. It is closed when the
// connection ends. If nobody reads, events beyond a small buffer are dropped
// rather than holding up command replies.
func (m *Monitor) Events() <-chan Event { return m.events }

func (m *Monitor) deliver(msg message) {
	ev := Event{Name: msg.Event, Data: msg.Data}
	if ts := msg.Timestamp; ts != nil {
		ev.Time = time.Unix(ts.Seconds, ts.Microseconds*1000)
	}
	select {
	case m.events <- ev:
	default:
		m.mu.Lock()
		m.dropped++
		m.mu.Unlock()
	}
}

// Dropped reports how many events were discarded because nobody read them.
func (m *Monitor) Dropped() uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.dropped
}
