// Package qmp speaks the QEMU Machine Protocol: it owns one monitor
// connection (usually a unix socket a QEMU process listens on), runs
// commands on it and delivers the asynchronous events QEMU emits.
//
// A Monitor is safe for concurrent use. Writes are serialised on the socket
// and every command carries its own "id", which QEMU echoes in the reply, so
// replies are matched to callers even if a caller gives up early.
package qmp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"time"
)

// ErrClosed is returned by Execute once the monitor connection is gone,
// whether Close was called or QEMU hung up (for example because it exited).
var ErrClosed = errors.New("qmp: monitor closed")

// CommandError is the error QEMU answered a command with.
type CommandError struct {
	Command string // the command that failed
	Class   string // QMP error class, e.g. "GenericError", "DeviceNotFound"
	Desc    string // human-readable description from QEMU
}

func (e *CommandError) Error() string {
	return fmt.Sprintf("qmp %s: %s: %s", e.Command, e.Class, e.Desc)
}

// Monitor is one QMP connection in command mode.
type Monitor struct {
	conn    net.Conn
	version Version

	writeMu sync.Mutex // one command on the wire at a time

	mu      sync.Mutex
	nextID  uint64
	pending map[string]chan response
	err     error // why the connection ended; set once

	events  chan Event
	dropped uint64
	done    chan struct{} // closed when the reader exits
}

// Version is the QEMU version announced in the greeting.
type Version struct {
	Major, Minor, Micro int
	Package             string
}

func (v Version) String() string {
	return fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Micro)
}

type greeting struct {
	QMP struct {
		Version struct {
			QEMU struct {
				Major int `json:"major"`
				Minor int `json:"minor"`
				Micro int `json:"micro"`
			} `json:"qemu"`
			Package string `json:"package"`
		} `json:"version"`
		Capabilities []string `json:"capabilities"`
	} `json:"QMP"`
}

// message is any JSON object QEMU sends after the greeting.
type message struct {
	ID        json.RawMessage `json:"id"`
	Return    json.RawMessage `json:"return"`
	Error     *qmpError       `json:"error"`
	Event     string          `json:"event"`
	Data      json.RawMessage `json:"data"`
	Timestamp *struct {
		Seconds      int64 `json:"seconds"`
		Microseconds int64 `json:"microseconds"`
	} `json:"timestamp"`
}

type qmpError struct {
	Class string `json:"class"`
	Desc  string `json:"desc"`
}

type response struct {
	ret json.RawMessage
	err *qmpError
}

// Connect dials the QMP unix socket at path, reads the greeting and leaves
// capabilities negotiation mode, so the returned Monitor accepts commands.
func Connect(ctx context.Context, path string) (*Monitor, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "unix", path)
	if err != nil {
		return nil, fmt.Errorf("qmp connect %s: %w", path, err)
	}
	m, err := New(ctx, conn)
	if err != nil {
		return nil, fmt.Errorf("qmp connect %s: %w", path, err)
	}
	return m, nil
}

// New runs the QMP handshake on an established connection and takes
// ownership of it: Close closes conn, and a failed handshake closes it too.
func New(ctx context.Context, conn net.Conn) (*Monitor, error) {
	dec := json.NewDecoder(conn)
	// The greeting is read synchronously, before the reader goroutine
	// exists, so a deadline from ctx is the only way to bound it.
	stop := context.AfterFunc(ctx, func() { conn.SetReadDeadline(time.Unix(1, 0)) })
	var g greeting
	err := dec.Decode(&g)
	if !stop() {
		err = errors.Join(err, ctx.Err())
	}
	conn.SetReadDeadline(time.Time{})
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("qmp greeting: %w", err)
	}
	v := g.QMP.Version
	m := &Monitor{
		conn:    conn,
		version: Version{v.QEMU.Major, v.QEMU.Minor, v.QEMU.Micro, v.Package},
		pending: make(map[string]chan response),
		events:  make(chan Event, eventBuffer),
		done:    make(chan struct{}),
	}
	go m.read(dec)
	if err := m.Execute(ctx, "qmp_capabilities", nil, nil); err != nil {
		m.Close()
		return nil, err
	}
	return m, nil
}

// Version reports the QEMU version from the greeting.
func (m *Monitor) Version() Version { return m.version }

// Done is closed once the connection has ended, for whatever reason.
func (m *Monitor) Done() <-chan struct{} { return m.done }

// Err reports why the connection ended, or nil while it is open.
func (m *Monitor) Err() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.err
}

// Close closes the connection. Pending and later Execute calls fail with
// ErrClosed. Close is idempotent.
func (m *Monitor) Close() error {
	m.fail(ErrClosed)
	err := m.conn.Close()
	<-m.done
	if errors.Is(err, net.ErrClosed) {
		err = nil
	}
	return err
}

// Execute runs cmd with args (marshalled to JSON; nil for none) and, if
// result is non-nil, unmarshals QEMU's return value into it. An error answer
// from QEMU is a *CommandError. If ctx ends first, Execute returns ctx's error;
// the command may still run in QEMU, and its late reply is discarded.
func (m *Monitor) Execute(ctx context.Context, cmd string, args any, result any) error {
	m.mu.Lock()
	if m.err != nil {
		err := m.err
		m.mu.Unlock()
		return fmt.Errorf("qmp %s: %w", cmd, err)
	}
	m.nextID++
	id := strconv.FormatUint(m.nextID, 10)
	ch := make(chan response, 1)
	m.pending[id] = ch
	m.mu.Unlock()
	defer func() {
		m.mu.Lock()
		delete(m.pending, id)
		m.mu.Unlock()
	}()

	req := struct {
		Execute   string `json:"execute"`
		Arguments any    `json:"arguments,omitempty"`
		ID        string `json:"id"`
	}{cmd, args, id}
	b, err := json.Marshal(req)
	if err != nil {
		return fmt.Errorf("qmp %s: encode arguments: %w", cmd, err)
	}
	if err := m.write(ctx, append(b, '\n')); err != nil {
		return fmt.Errorf("qmp %s: %w", cmd, err)
	}

	select {
	case r, ok := <-ch:
		if !ok {
			return fmt.Errorf("qmp %s: %w", cmd, m.Err())
		}
		if r.err != nil {
			return &CommandError{Command: cmd, Class: r.err.Class, Desc: r.err.Desc}
		}
		if result != nil && len(r.ret) > 0 {
			if err := json.Unmarshal(r.ret, result); err != nil {
				return fmt.Errorf("qmp %s: decode reply: %w", cmd, err)
			}
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("qmp %s: %w", cmd, ctx.Err())
	}
}

// write sends one command, bounded by ctx so that a wedged QEMU that stops
// reading its socket cannot hang the caller.
func (m *Monitor) write(ctx context.Context, b []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.writeMu.Lock()
	defer m.writeMu.Unlock()
	var mu sync.Mutex
	finished := false
	stop := context.AfterFunc(ctx, func() {
		mu.Lock()
		defer mu.Unlock()
		if !finished {
			m.conn.SetWriteDeadline(time.Unix(1, 0))
		}
	})
	n, err := m.conn.Write(b)
	mu.Lock()
	finished = true
	mu.Unlock()
	stop()
	m.conn.SetWriteDeadline(time.Time{})
	switch {
	case err == nil:
		return nil
	case n > 0:
		// Half a command on the wire: the stream cannot be trusted any more.
		m.fail(fmt.Errorf("partial write: %w", err))
		m.conn.Close()
		return errors.Join(ErrClosed, err)
	case ctx.Err() != nil:
		return ctx.Err() // nothing written; the connection is still usable
	default:
		return errors.Join(ErrClosed, err)
	}
}

// read is the only reader of the connection: it routes replies to their
// callers and events to the events channel until the connection ends.
func (m *Monitor) read(dec *json.Decoder) {
	defer close(m.done)
	defer close(m.events)
	for {
		var msg message
		if err := dec.Decode(&msg); err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) {
				m.fail(ErrClosed)
			} else {
				m.fail(errors.Join(ErrClosed, err))
			}
			return
		}
		if msg.Event != "" {
			m.deliver(msg)
			continue
		}
		id := string(msg.ID)
		if s, err := strconv.Unquote(id); err == nil {
			id = s
		}
		m.mu.Lock()
		ch := m.pending[id]
		delete(m.pending, id)
		m.mu.Unlock()
		if ch != nil { // nil: caller gave up, or a reply without id
			ch <- response{ret: msg.Return, err: msg.Error}
		}
	}
}

// fail records why the connection ended (first cause wins) and wakes every
// caller still waiting for a reply.
func (m *Monitor) fail(err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.err == nil {
		m.err = err
	}
	for id, ch := range m.pending {
		close(ch)
		delete(m.pending, id)
	}
}
