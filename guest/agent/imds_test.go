package main

import (
	"bufio"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeIMDS is a metadata service whose behaviour each test shapes.
type fakeIMDS struct {
	mu         sync.Mutex
	tokenCode  int // status for the token PUT; 0 means 200
	failFirst  int // answer this many requests with 503 first
	expireOnce bool
	disabled   bool // 403 to everything, as when HttpEndpoint is disabled
	requests   []string
	paths      map[string]string
}

func (f *fakeIMDS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, r.Method+" "+r.URL.Path+" "+r.Header.Get("X-aws-ec2-metadata-token"))
	if f.disabled {
		http.Error(w, "disabled", http.StatusForbidden)
		return
	}
	if f.failFirst > 0 {
		f.failFirst--
		http.Error(w, "starting", http.StatusServiceUnavailable)
		return
	}
	if r.Method == "PUT" {
		if f.tokenCode != 0 {
			http.Error(w, "no", f.tokenCode)
			return
		}
		if r.Header.Get("X-aws-ec2-metadata-token-ttl-seconds") != "21600" {
			http.Error(w, "ttl", http.StatusBadRequest)
			return
		}
		io.WriteString(w, "tok")
		return
	}
	if f.tokenCode == 0 && r.Header.Get("X-aws-ec2-metadata-token") != "tok" {
		http.Error(w, "token", http.StatusUnauthorized)
		return
	}
	if f.expireOnce {
		f.expireOnce = false
		http.Error(w, "expired", http.StatusUnauthorized)
		return
	}
	body, ok := f.paths[strings.TrimPrefix(r.URL.Path, "/latest/")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	io.WriteString(w, body)
}

func TestIMDS(t *testing.T) {
	paths := map[string]string{
		"meta-data/instance-id": "i-0abc",
		"user-data":             "#!/bin/sh\n" + strings.Repeat("echo big\n", 3000), // > 16 KiB: not one buffer
	}
	tests := []struct {
		name     string
		fake     *fakeIMDS
		want     int
		wantReqs string // a request that must have been made
	}{
		{name: "v2", fake: &fakeIMDS{}, want: exitOK, wantReqs: "GET /latest/user-data tok"},
		{name: "v1 fallback", fake: &fakeIMDS{tokenCode: 405}, want: exitOK, wantReqs: "GET /latest/meta-data/instance-id "},
		{name: "service starting", fake: &fakeIMDS{failFirst: 3}, want: exitOK, wantReqs: "PUT /latest/api/token "},
		{name: "token expired", fake: &fakeIMDS{expireOnce: true}, want: exitOK},
		{name: "disabled", fake: &fakeIMDS{disabled: true}, want: exitDisabled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := tt.fake
			f.paths = paths
			srv := httptest.NewServer(f)
			defer srv.Close()
			out := t.TempDir()
			addr := strings.TrimPrefix(srv.URL, "http://")
			got := imdsMain([]string{"-addr", addr, "-wait", "10s", "-out", out,
				"meta-data/instance-id", "meta-data/public-keys/0/openssh-key", "user-data"})
			if got != tt.want {
				t.Fatalf("exit %d, want %d; requests %q", got, tt.want, f.requests)
			}
			if tt.want != exitOK {
				return
			}
			for p, want := range paths {
				b, err := os.ReadFile(filepath.Join(out, p))
				if err != nil || string(b) != want {
					t.Errorf("%s: %d bytes, %v; want %d bytes", p, len(b), err, len(want))
				}
			}
			if _, err := os.Stat(filepath.Join(out, "meta-data/public-keys/0/openssh-key")); !os.IsNotExist(err) {
				t.Errorf("404 path left a file (%v)", err)
			}
			if tt.wantReqs != "" && !strings.Contains(strings.Join(f.requests, "\n"), tt.wantReqs) {
				t.Errorf("requests %q lack %q", f.requests, tt.wantReqs)
			}
		})
	}
}

func TestIMDSUnreachableGivesUp(t *testing.T) {
	start := time.Now()
	// A port nothing listens on: connection refused until -wait runs out.
	got := imdsMain([]string{"-addr", "127.0.0.1:1", "-wait", "1s", "-out", t.TempDir(), "user-data"})
	if got != exitUnreachable {
		t.Errorf("exit %d, want %d", got, exitUnreachable)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("gave up after %v, want about 1s", d)
	}
}

func TestReadResponseChunked(t *testing.T) {
	raw := "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
	resp, err := readResponse(bufio.NewReader(strings.NewReader(raw)))
	if err != nil {
		t.Fatal(err)
	}
	if resp.status != 200 || string(resp.body) != "hello world" {
		t.Errorf("got %d %q", resp.status, resp.body)
	}
}

func TestSudoEnv(t *testing.T) {
	in := []string{"PATH=/home/x/bin", "HOME=/home/x", "TERM=xterm", "LD_PRELOAD=/x.so", "FOO=bar", "LANG=C.UTF-8"}
	got := strings.Join(sudoEnv(in, false), " ")
	want := "HOME=/root USER=root LOGNAME=root SHELL=/bin/sh PATH=" + securePath + " TERM=xterm LANG=C.UTF-8"
	if got != want {
		t.Errorf("sudoEnv = %q\nwant %q", got, want)
	}
	if got := strings.Join(sudoEnv(in, true), " "); !strings.Contains(got, "FOO=bar") || strings.Contains(got, "LD_PRELOAD") {
		t.Errorf("sudoEnv -E = %q: want FOO kept and LD_PRELOAD dropped", got)
	}
}
