package qmp_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kumo-cloud/kumo/internal/qmp"
)

// fakeMonitor plays QEMU's side of a QMP connection. Handle answers each
// command; returning hold=true keeps the reply back until release is called,
// which lets tests reorder replies.
type fakeMonitor struct {
	t    *testing.T
	conn net.Conn
	wmu  sync.Mutex

	Handle func(cmd string, args json.RawMessage) (ret any, class, desc string)

	mu       sync.Mutex
	received []fakeCmd
}

type fakeCmd struct {
	Execute   string          `json:"execute"`
	Arguments json.RawMessage `json:"arguments"`
	ID        json.RawMessage `json:"id"`
}

func newFake(t *testing.T, conn net.Conn) *fakeMonitor {
	f := &fakeMonitor{t: t, conn: conn}
	f.Handle = func(string, json.RawMessage) (any, string, string) { return struct{}{}, "", "" }
	t.Cleanup(func() { conn.Close() })
	return f
}

// serve sends the greeting and answers commands until the connection ends.
func (f *fakeMonitor) serve() {
	f.send(map[string]any{"QMP": map[string]any{
		"version":      map[string]any{"qemu": map[string]int{"major": 7, "minor": 2, "micro": 22}, "package": "fake"},
		"capabilities": []string{"oob"},
	}})
	sc := bufio.NewScanner(f.conn)
	for sc.Scan() {
		var c fakeCmd
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			f.t.Errorf("fake monitor: bad command %q: %v", sc.Text(), err)
			return
		}
		f.mu.Lock()
		f.received = append(f.received, c)
		f.mu.Unlock()
		ret, class, desc := f.Handle(c.Execute, c.Arguments)
		if class != "" {
			f.send(map[string]any{"error": map[string]string{"class": class, "desc": desc}, "id": c.ID})
		} else if ret != nil {
			f.send(map[string]any{"return": ret, "id": c.ID})
		}
	}
}

func (f *fakeMonitor) send(v any) {
	b, err := json.Marshal(v)
	if err != nil {
		f.t.Errorf("fake monitor: %v", err)
		return
	}
	f.wmu.Lock()
	defer f.wmu.Unlock()
	f.conn.Write(append(b, '\r', '\n'))
}

func (f *fakeMonitor) event(name string, data any) {
	ev := map[string]any{
		"event":     name,
		"timestamp": map[string]int64{"seconds": 1700000000, "microseconds": 250000},
	}
	if data != nil { // QEMU omits "data" for events without a payload
		ev["data"] = data
	}
	f.send(ev)
}

// connect returns a Monitor talking to a fake over net.Pipe.
func connect(t *testing.T, setup func(*fakeMonitor)) (*qmp.Monitor, *fakeMonitor) {
	t.Helper()
	client, server := net.Pipe()
	f := newFake(t, server)
	if setup != nil {
		setup(f)
	}
	go f.serve()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	m, err := qmp.New(ctx, client)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	return m, f
}

func TestHandshake(t *testing.T) {
	m, f := connect(t, nil)
	if got := m.Version().String(); got != "7.2.22" {
		t.Errorf("Version = %q, want 7.2.22", got)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var got []string
	for _, c := range f.received {
		got = append(got, c.Execute)
	}
	if diff := cmp.Diff([]string{"qmp_capabilities"}, got); diff != "" {
		t.Errorf("commands (-want +got):\n%s", diff)
	}
}

func TestExecuteResultAndArguments(t *testing.T) {
	m, _ := connect(t, func(f *fakeMonitor) {
		f.Handle = func(cmd string, args json.RawMessage) (any, string, string) {
			switch cmd {
			case "query-status":
				return map[string]any{"status": "running", "running": true}, "", ""
			case "echo":
				return args, "", ""
			}
			return struct{}{}, "", ""
		}
	})
	ctx := context.Background()
	var st struct {
		Status  string `json:"status"`
		Running bool   `json:"running"`
	}
	if err := m.Execute(ctx, "query-status", nil, &st); err != nil {
		t.Fatalf("query-status: %v", err)
	}
	if st.Status != "running" || !st.Running {
		t.Errorf("query-status = %+v", st)
	}
	var echo map[string]string
	if err := m.Execute(ctx, "echo", map[string]string{"id": "disk0"}, &echo); err != nil {
		t.Fatalf("echo: %v", err)
	}
	if echo["id"] != "disk0" {
		t.Errorf("echo = %v", echo)
	}
}

func TestCommandError(t *testing.T) {
	m, _ := connect(t, func(f *fakeMonitor) {
		f.Handle = func(cmd string, _ json.RawMessage) (any, string, string) {
			if cmd == "device_del" {
				return nil, "DeviceNotFound", "Device 'x' not found"
			}
			return struct{}{}, "", ""
		}
	})
	err := m.Execute(context.Background(), "device_del", map[string]string{"id": "x"}, nil)
	var ce *qmp.CommandError
	if !errors.As(err, &ce) {
		t.Fatalf("err = %v, want *CommandError", err)
	}
	if ce.Class != "DeviceNotFound" || ce.Desc != "Device 'x' not found" || ce.Command != "device_del" {
		t.Errorf("CommandError = %+v", ce)
	}
	// The monitor stays usable after a command error.
	if err := m.Execute(context.Background(), "cont", nil, nil); err != nil {
		t.Errorf("cont after error: %v", err)
	}
}

// TestConcurrentRepliesOutOfOrder holds every reply until all commands have
// arrived and then answers them newest first, so only id matching can pair
// them up correctly.
func TestConcurrentRepliesOutOfOrder(t *testing.T) {
	const n = 16
	m, f := connect(t, nil)
	all := make(chan struct{})
	f.Handle = func(string, json.RawMessage) (any, string, string) {
		f.mu.Lock()
		defer f.mu.Unlock()
		if len(f.received) == n+1 { // +1: qmp_capabilities
			close(all)
		}
		return nil, "", "" // reply later
	}
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			var got struct{ N int }
			if err := m.Execute(context.Background(), "echo", map[string]int{"N": i}, &got); err != nil {
				errs <- err
				return
			}
			if got.N != i {
				errs <- fmt.Errorf("call %d got the reply for %d", i, got.N)
			}
		})
	}
	<-all
	f.mu.Lock()
	held := f.received[1:]
	f.mu.Unlock()
	for i := len(held) - 1; i >= 0; i-- {
		f.send(map[string]any{"return": held[i].Arguments, "id": held[i].ID})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestEvents(t *testing.T) {
	m, f := connect(t, nil)
	f.event("STOP", nil)
	f.event("DEVICE_DELETED", map[string]string{"device": "disk1", "path": "/machine/peripheral/disk1"})
	f.event("SHUTDOWN", map[string]any{"guest": true, "reason": "guest-shutdown"})

	var got []string
	for range 3 {
		select {
		case ev := <-m.Events():
			got = append(got, ev.Name+" "+string(ev.Data))
			if want := time.Unix(1700000000, 250000000); !ev.Time.Equal(want) {
				t.Errorf("%s time = %v, want %v", ev.Name, ev.Time, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("timed out waiting for events")
		}
	}
	want := []string{
		"STOP ",
		`DEVICE_DELETED {"device":"disk1","path":"/machine/peripheral/disk1"}`,
		`SHUTDOWN {"guest":true,"reason":"guest-shutdown"}`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}

// TestEventsDoNotBlockReplies checks that an unread event channel costs
// events, never command replies.
func TestEventsDoNotBlockReplies(t *testing.T) {
	m, f := connect(t, nil)
	for range 200 {
		f.event("RESET", map[string]any{"guest": true})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := m.Execute(ctx, "query-status", nil, nil); err != nil {
		t.Fatalf("Execute behind unread events: %v", err)
	}
	if m.Dropped() == 0 {
		t.Error("Dropped() = 0, want events dropped")
	}
}

func TestCloseFailsCallers(t *testing.T) {
	m, f := connect(t, nil)
	f.Handle = func(string, json.RawMessage) (any, string, string) { return nil, "", "" } // never answer
	errc := make(chan error, 1)
	go func() { errc <- m.Execute(context.Background(), "query-status", nil, nil) }()
	time.Sleep(50 * time.Millisecond)
	if err := m.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := <-errc; !errors.Is(err, qmp.ErrClosed) {
		t.Errorf("pending Execute err = %v, want ErrClosed", err)
	}
	if err := m.Execute(context.Background(), "cont", nil, nil); !errors.Is(err, qmp.ErrClosed) {
		t.Errorf("Execute after Close err = %v, want ErrClosed", err)
	}
	if _, ok := <-m.Events(); ok {
		t.Error("Events still open after Close")
	}
	if err := m.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// TestPeerHangup is what the driver sees when QEMU exits.
func TestPeerHangup(t *testing.T) {
	m, f := connect(t, nil)
	f.Handle = func(string, json.RawMessage) (any, string, string) {
		f.conn.Close()
		return nil, "", ""
	}
	err := m.Execute(context.Background(), "quit", nil, nil)
	if !errors.Is(err, qmp.ErrClosed) {
		t.Errorf("Execute err = %v, want ErrClosed", err)
	}
	select {
	case <-m.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("Done not closed after hangup")
	}
	if !errors.Is(m.Err(), qmp.ErrClosed) {
		t.Errorf("Err() = %v, want ErrClosed", m.Err())
	}
}

// TestContextCancelDiscardsLateReply: a caller that gives up must not
// receive, or leave behind, the reply meant for it.
func TestContextCancelDiscardsLateReply(t *testing.T) {
	m, f := connect(t, nil)
	release := make(chan struct{})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	f.Handle = func(cmd string, _ json.RawMessage) (any, string, string) {
		if cmd == "slow" {
			<-release
		}
		return map[string]string{"cmd": cmd}, "", ""
	}
	if err := m.Execute(ctx, "slow", nil, nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("slow err = %v, want DeadlineExceeded", err)
	}
	close(release) // the late reply for "slow" arrives now and is dropped
	var got map[string]string
	if err := m.Execute(context.Background(), "fast", nil, &got); err != nil {
		t.Fatalf("fast: %v", err)
	}
	if got["cmd"] != "fast" {
		t.Errorf("fast got reply %v", got)
	}
}

func TestHandshakeTimeout(t *testing.T) {
	client, server := net.Pipe()
	defer server.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := qmp.New(ctx, client); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("New with silent peer err = %v, want DeadlineExceeded", err)
	}
}

func TestConnectUnixSocket(t *testing.T) {
	path := filepath.Join(t.TempDir(), "qmp.sock")
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		newFake(t, c).serve()
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	m, err := qmp.Connect(ctx, path)
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	defer m.Close()
	if err := m.Execute(ctx, "query-status", nil, nil); err != nil {
		t.Errorf("Execute: %v", err)
	}
	if _, err := qmp.Connect(ctx, filepath.Join(t.TempDir(), "missing.sock")); err == nil {
		t.Error("Connect to missing socket succeeded")
	}
}
