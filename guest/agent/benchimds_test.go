package main

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

func TestBenchIMDS(t *testing.T) {
	f := &fakeIMDS{paths: map[string]string{"meta-data/instance-id": "i-0abc"}}
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(f)
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	var out bytes.Buffer
	addr := strings.TrimPrefix(srv.URL, "http://")
	if got := benchIMDSMain([]string{"-addr", addr, "-warmup", "3", "50"}, &out); got != exitOK {
		t.Fatalf("exit %d, want %d; requests %q", got, exitOK, f.requests)
	}
	var n, p50, p99, lo, hi int64
	if _, err := fmt.Sscanf(out.String(), "n=%d p50_us=%d p99_us=%d min_us=%d max_us=%d\n", &n, &p50, &p99, &lo, &hi); err != nil {
		t.Fatalf("output %q: %v", out.String(), err)
	}
	if n != 50 || lo > p50 || p50 > p99 || p99 > hi {
		t.Errorf("output %q: want n=50 and min ≤ p50 ≤ p99 ≤ max", out.String())
	}
	if len(f.requests) != 1+3+50 {
		t.Errorf("%d requests, want token PUT + 53 GETs", len(f.requests))
	}
	if c := conns.Load(); c != 1 {
		t.Errorf("%d connections, want 1 (keep-alive)", c)
	}
}

func TestBenchIMDSFailures(t *testing.T) {
	tests := []struct {
		name string
		fake *fakeIMDS
		args []string
		want int
	}{
		{name: "no token", fake: &fakeIMDS{tokenCode: 405}, args: []string{"5"}, want: exitUnreachable},
		{name: "not found", fake: &fakeIMDS{}, args: []string{"-path", "meta-data/nothing", "5"}, want: exitUnreachable},
		{name: "disabled", fake: &fakeIMDS{disabled: true}, args: []string{"5"}, want: exitUnreachable},
		{name: "no count", fake: &fakeIMDS{}, args: nil, want: exitUsage},
		{name: "zero count", fake: &fakeIMDS{}, args: []string{"0"}, want: exitUsage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.fake.paths = map[string]string{"meta-data/instance-id": "i-0abc"}
			srv := httptest.NewServer(tt.fake)
			defer srv.Close()
			args := append([]string{"-addr", strings.TrimPrefix(srv.URL, "http://")}, tt.args...)
			var out bytes.Buffer
			if got := benchIMDSMain(args, &out); got != tt.want {
				t.Errorf("exit %d, want %d (output %q)", got, tt.want, out.String())
			}
		})
	}
}
