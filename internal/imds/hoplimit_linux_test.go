package imds

import (
	"net"
	"net/http"
	"sync"
	"syscall"
	"testing"
)

// TestHopLimitOnConnection checks on a real TCP connection that the token
// reply's socket carries the instance's hop limit as its IP TTL, by reading
// the option back from the server's socket right after it is set.
func TestHopLimitOnConnection(t *testing.T) {
	for _, tc := range []struct {
		name, network, listen, src string
		hops, want                 int
	}{
		{"ipv4 default", "tcp4", "127.0.0.1:0", "127.0.0.1", 0, 1},
		{"ipv4 containers", "tcp4", "127.0.0.1:0", "127.0.0.1", 2, 2},
		{"ipv4 max", "tcp4", "127.0.0.1:0", "127.0.0.1", 64, 64},
		{"ipv6", "tcp6", "[::1]:0", "::1", 3, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := bareInstance()
			in.LocalIPv4 = tc.src
			in.HopLimit = tc.hops
			f := newFixture(t, in)
			var (
				mu  sync.Mutex
				got []int
			)
			f.srv.setHopLimit = func(c net.Conn, hops int) error {
				if err := setHopLimit(c, hops); err != nil {
					return err
				}
				mu.Lock()
				defer mu.Unlock()
				got = append(got, sockopt(t, c, syscall.IPPROTO_IP, syscall.IP_TTL))
				if tc.network == "tcp6" {
					got = append(got, sockopt(t, c, syscall.IPPROTO_IPV6, syscall.IPV6_UNICAST_HOPS))
				}
				return nil
			}
			if tc.network == "tcp6" {
				if l, err := net.Listen("tcp6", "[::1]:0"); err != nil {
					t.Skipf("no IPv6 loopback here: %v", err)
				} else {
					l.Close()
				}
			}
			url := f.serve(t, tc.network, tc.listen)
			req, _ := http.NewRequest(http.MethodPut, url+"/latest/api/token", nil)
			req.Header.Set("X-aws-ec2-metadata-token-ttl-seconds", "60")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Fatalf("status %d", resp.StatusCode)
			}
			// A read does not touch the TTL.
			if resp, err := http.Get(url + "/latest/meta-data/instance-id"); err != nil || resp.StatusCode != 200 {
				t.Fatalf("GET: %v", err)
			} else {
				resp.Body.Close()
			}
			mu.Lock()
			defer mu.Unlock()
			if len(got) == 0 {
				t.Fatal("hop limit never set")
			}
			for _, ttl := range got {
				if ttl != tc.want {
					t.Errorf("socket TTL = %d, want %d (all: %v)", ttl, tc.want, got)
				}
			}
		})
	}
}

func sockopt(t *testing.T, c net.Conn, level, opt int) int {
	t.Helper()
	rc, err := c.(syscall.Conn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var v int
	var serr error
	if err := rc.Control(func(fd uintptr) { v, serr = syscall.GetsockoptInt(int(fd), level, opt) }); err != nil {
		t.Fatal(err)
	}
	if serr != nil {
		t.Fatalf("getsockopt %d/%d: %v", level, opt, serr)
	}
	return v
}

// TestHopLimitUnavailable: a connection without a socket cannot carry the
// hop limit, so no token is handed out over it.
func TestHopLimitUnavailable(t *testing.T) {
	if err := setHopLimit(pipeConn{}, 1); err == nil {
		t.Fatal("setHopLimit on a pipe succeeded")
	}
}

type pipeConn struct{ net.Conn }
