package guest

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
)

// fakeIMDS is just enough of the instance metadata service for kumo-minimal's
// boot: IMDSv2 tokens (required, to prove the guest uses them) and the four
// paths rc.boot reads.
type fakeIMDS struct {
	srv   *httptest.Server
	paths map[string]string // under /latest/

	mu       sync.Mutex
	tokens   int      // token PUTs answered
	gets     []string // paths served
	unauthed int      // GETs without a valid token
}

const fakeToken = "kumo-test-token"

func newFakeIMDS(t *testing.T, paths map[string]string) *fakeIMDS {
	f := &fakeIMDS{paths: paths}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

// addr is where the fake listens, host:port on loopback.
func (f *fakeIMDS) addr() string { return f.srv.Listener.Addr().String() }

func (f *fakeIMDS) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r.Method == http.MethodPut && r.URL.Path == "/latest/api/token" {
		ttl := r.Header.Get("X-aws-ec2-metadata-token-ttl-seconds")
		if ttl == "" {
			http.Error(w, "missing ttl", http.StatusBadRequest)
			return
		}
		f.tokens++
		w.Header().Set("X-aws-ec2-metadata-token-ttl-seconds", ttl)
		io.WriteString(w, fakeToken)
		return
	}
	if r.Method != http.MethodGet {
		http.Error(w, "method", http.StatusMethodNotAllowed)
		return
	}
	if r.Header.Get("X-aws-ec2-metadata-token") != fakeToken {
		f.unauthed++
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	p := strings.TrimPrefix(r.URL.Path, "/latest/")
	body, ok := f.paths[p]
	if !ok {
		http.NotFound(w, r)
		return
	}
	f.gets = append(f.gets, p)
	io.WriteString(w, body)
}

// set changes what a path answers, e.g. the instance id, to make the disk
// look like the root volume of a new instance launched from an image of it.
func (f *fakeIMDS) set(path, body string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.paths[path] = body
}

func (f *fakeIMDS) stats() (tokens int, gets []string, unauthed int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.tokens, append([]string(nil), f.gets...), f.unauthed
}

// QEMU's guestfwd to a "tcp:" chardev is one connection made when QEMU
// starts, shared by every guest connection; the metadata client opens one
// connection per request. The "cmd:" form spawns a process per guest
// connection with the connection on its stdin/stdout, so the test binary
// re-executes itself as a tiny proxy to the fake.
const proxyEnv = "KUMO_GUEST_TEST_IMDS_PROXY"

func TestMain(m *testing.M) {
	if addr := os.Getenv(proxyEnv); addr != "" {
		os.Exit(proxyStdio(addr))
	}
	os.Exit(m.Run())
}

// proxyStdio copies stdin to addr and the answer to stdout.
func proxyStdio(addr string) int {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return 1
	}
	defer c.Close()
	go func() {
		io.Copy(c, os.Stdin)
		if tc, ok := c.(*net.TCPConn); ok {
			tc.CloseWrite()
		}
	}()
	// The server closes after its answer (the guest speaks HTTP/1.0);
	// exiting then closes the guest's connection too.
	io.Copy(os.Stdout, c)
	return 0
}
