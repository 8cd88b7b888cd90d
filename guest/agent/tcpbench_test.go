package main

import (
	"bytes"
	"io"
	"net"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestTCPSendToSink sends for a moment to a sink and checks that what
// tcp-send reports is what the sink read.
func TestTCPSendToSink(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var read atomic.Int64
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				n, _ := io.Copy(io.Discard, c)
				read.Add(n)
			}()
		}
	}()

	var out bytes.Buffer
	if got := tcpSendMain([]string{l.Addr().String(), "0.2"}, &out); got != exitOK {
		t.Fatalf("exit %d, want %d", got, exitOK)
	}
	kv := map[string]string{}
	for _, f := range strings.Fields(out.String()) {
		k, v, _ := strings.Cut(f, "=")
		kv[k] = v
	}
	n, err1 := strconv.ParseInt(kv["bytes"], 10, 64)
	secs, err2 := strconv.ParseFloat(kv["seconds"], 64)
	mbit, err3 := strconv.ParseFloat(kv["mbit_per_s"], 64)
	if err1 != nil || err2 != nil || err3 != nil {
		t.Fatalf("output %q: want bytes=, seconds= and mbit_per_s=", out.String())
	}
	if n <= 0 || n != read.Load() {
		t.Errorf("sent %d bytes, the sink read %d", n, read.Load())
	}
	if secs < 0.2 || secs > 5 {
		t.Errorf("seconds %v, want about 0.2", secs)
	}
	if mbit <= 0 {
		t.Errorf("mbit_per_s %v, want > 0", mbit)
	}
}

// TestTCPSink checks that the sink reads to the end of each connection
// before closing it.
func TestTCPSink(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- sink(l) }()
	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write(make([]byte, 1<<20)); err != nil {
		t.Fatal(err)
	}
	if err := c.(*net.TCPConn).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if n, err := io.Copy(io.Discard, c); err != nil || n != 0 {
		t.Fatalf("after the sender's end: read %d bytes, err %v; want the sink's close", n, err)
	}
	l.Close()
	if err := <-done; err == nil {
		t.Error("sink returned nil after its listener closed")
	}
}

func TestTCPBenchUsage(t *testing.T) {
	for _, tc := range []struct {
		name string
		main func([]string, io.Writer) int
		args []string
	}{
		{"sink without ports", tcpSinkMain, nil},
		{"sink bad port", tcpSinkMain, []string{"http"}},
		{"send without seconds", tcpSendMain, []string{"127.0.0.1:1"}},
		{"send zero seconds", tcpSendMain, []string{"127.0.0.1:1", "0"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.main(tc.args, io.Discard); got != exitUsage {
				t.Errorf("exit %d, want %d", got, exitUsage)
			}
		})
	}
}
