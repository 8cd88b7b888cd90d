// Package imds is the EC2 Instance Metadata Service that guests reach at
// 169.254.169.254: the IMDSv2 session tokens, the meta-data, user-data and
// dynamic trees, and the signed instance identity document.
//
// A Server serves one VPC. Another package opens its listener inside the VPC's
// network namespace; this package only answers HTTP. The caller is known by
// the source address of its TCP connection and nothing in the request, so a
// guest can only ever see its own metadata.
package imds

import (
	"context"
	"crypto/rand"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"github.com/kumo-cloud/kumo/internal/clock"
)

// Server answers metadata requests for the instances of one VPC.
type Server struct {
	lookup   Lookup
	clk      clock.Clock
	signer   *Signer
	log      *slog.Logger
	tokenKey [32]byte

	// setHopLimit sets the IP TTL of a connection; a seam for tests.
	setHopLimit func(c net.Conn, hops int) error

	mu      sync.Mutex
	servers map[*http.Server]struct{}
}

// NewServer returns a Server. A nil clk means the wall clock and a nil log
// discards. signer may be nil, in which case the identity
// document is served unsigned (its signature entries are not listed).
//
// Tokens are HMAC-signed with a key drawn here, so they need no state and
// stop being valid when the Server goes away; clients fetch a new one on 401.
func NewServer(lookup Lookup, clk clock.Clock, signer *Signer, log *slog.Logger) *Server {
	if clk == nil {
		clk = clock.Real{}
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{
		lookup:      lookup,
		clk:         clk,
		signer:      signer,
		log:         log,
		setHopLimit: setHopLimit,
		servers:     make(map[*http.Server]struct{}),
	}
	rand.Read(s.tokenKey[:]) // never fails on supported platforms
	return s
}

type connKey struct{}

// Serve answers requests arriving on l until l is closed or Shutdown is
// called. It remembers each request's connection so that the token reply can
// carry the instance's hop limit as its IP TTL.
func (s *Server) Serve(l net.Listener) error {
	hs := &http.Server{
		Handler: s,
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			return context.WithValue(ctx, connKey{}, c)
		},
		// Guests are local and well-behaved clients send tiny requests; the
		// limits only stop a guest from tying up the server.
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
	s.mu.Lock()
	s.servers[hs] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.servers, hs)
		s.mu.Unlock()
	}()
	err := hs.Serve(l)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Shutdown stops every Serve loop and waits for in-flight requests.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	hss := make([]*http.Server, 0, len(s.servers))
	for hs := range s.servers {
		hss = append(hss, hs)
	}
	s.mu.Unlock()
	var errs []error
	for _, hs := range hss {
		errs = append(errs, hs.Shutdown(ctx))
	}
	return errors.Join(errs...)
}

// Handler returns the server as an http.Handler, for tests and for callers
// that run their own http.Server. Without Serve there is no connection to
// set a TTL on, so the hop limit is not applied; the source address comes
// from r.RemoteAddr, which net/http also takes from the connection.
func (s *Server) Handler() http.Handler { return s }

// ServeHTTP answers one metadata request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Server", "EC2ws")
	conn, _ := r.Context().Value(connKey{}).(net.Conn)
	src, ok := sourceAddr(conn, r)
	if !ok {
		writeError(w, http.StatusNotFound)
		return
	}
	inst, err := s.lookup(r.Context(), src)
	switch {
	case errors.Is(err, ErrUnknownCaller) || (err == nil && inst == nil):
		s.log.Debug("imds request from unknown source", "src", src, "path", r.URL.Path)
		writeError(w, http.StatusNotFound)
		return
	case err != nil:
		s.log.Error("imds lookup", "src", src, "err", err)
		writeError(w, http.StatusInternalServerError)
		return
	}
	if !inst.endpointEnabled() {
		writeError(w, http.StatusForbidden)
		return
	}
	if r.URL.Path == tokenPath {
		if r.Method != http.MethodPut {
			writeError(w, http.StatusMethodNotAllowed)
			return
		}
		s.putToken(w, r, conn, inst)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		writeError(w, http.StatusMethodNotAllowed)
		return
	}
	if !s.authorize(w, r, inst) {
		return
	}
	s.serveTree(w, r, inst)
}

// sourceAddr is the address the request's TCP connection comes from. Headers
// such as X-Forwarded-For are never consulted: trusting them would let one
// guest read another's credentials.
func sourceAddr(conn net.Conn, r *http.Request) (netip.Addr, bool) {
	if conn != nil {
		if ta, ok := conn.RemoteAddr().(*net.TCPAddr); ok {
			return ta.AddrPort().Addr().Unmap(), true
		}
	}
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}, false
	}
	return ap.Addr().Unmap(), true
}
