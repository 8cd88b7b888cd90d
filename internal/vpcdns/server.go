package vpcdns

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"syscall"
	"time"
)

const (
	// tcpIdle is how long a TCP client may take to send its next query
	// (RFC 7766 suggests seconds, not minutes).
	tcpIdle = 10 * time.Second
	// tcpWrite bounds writing one answer to a client that does not read.
	tcpWrite = 10 * time.Second
	// maxTCPConns bounds open TCP connections; more are closed at once.
	maxTCPConns = 128
)

// Server answers DNS queries for one VPC. Its fields are read, never
// written, while it serves.
type Server struct {
	// Names knows the VPC's names and addresses; nil knows none.
	Names Names
	// VPC is the VPC's range. Reverse lookups inside it are answered here
	// (NXDOMAIN when unknown) even when it is not an RFC 1918 range.
	VPC netip.Prefix
	// Log gets what goes wrong; nil discards it.
	Log *slog.Logger

	udpLimit int // tests: the UDP size limit, instead of 512 or EDNS0's
}

// Serve answers queries on pc (UDP) and ln (TCP) with names until ctx ends;
// either may be nil. It closes both before returning, and returns nil when
// ctx ended or the error that stopped one of them.
func Serve(ctx context.Context, pc net.PacketConn, ln net.Listener, names Names, log *slog.Logger) error {
	s := &Server{Names: names, Log: log}
	return s.Serve(ctx, pc, ln)
}

// Serve answers queries on pc (UDP) and ln (TCP) until ctx ends; either may be
// nil. It closes both before returning, and returns nil when ctx ended or the
// error that stopped one of them.
func (s *Server) Serve(ctx context.Context, pc net.PacketConn, ln net.Listener) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, 2)
	n := 0
	if pc != nil {
		n++
		go func() { errc <- s.serveUDP(pc) }()
	}
	if ln != nil {
		n++
		go func() { errc <- s.serveTCP(ctx, ln) }()
	}
	closed := false
	closeAll := func() {
		if closed {
			return
		}
		closed = true
		cancel()
		if pc != nil {
			_ = pc.Close()
		}
		if ln != nil {
			_ = ln.Close()
		}
	}
	defer closeAll()
	var err error
	done := ctx.Done()
	for n > 0 {
		select {
		case <-done:
			done = nil
			closeAll()
		case e := <-errc:
			n--
			if !closed && e != nil {
				err = e
			}
			closeAll()
		}
	}
	return err
}

func (s *Server) log() *slog.Logger {
	if s.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Log
}

// respond is answer that survives a bug: a query that panics is dropped
// rather than taking the host agent down with it.
func (s *Server) respond(msg []byte, udp bool) (out []byte) {
	defer func() {
		if r := recover(); r != nil {
			s.log().Error("dns query panicked", "panic", r)
			out = nil
		}
	}()
	return s.answer(msg, udp)
}

// serveUDP answers datagrams one at a time: answering is a map lookup and a
// non-blocking send, so a worker pool would only add scheduling.
func (s *Server) serveUDP(pc net.PacketConn) error {
	buf := make([]byte, 65535)
	for {
		n, from, err := pc.ReadFrom(buf)
		if err != nil {
			return fmt.Errorf("dns read udp: %w", err)
		}
		out := s.respond(buf[:n], true)
		if out == nil {
			continue
		}
		if _, err := pc.WriteTo(out, from); err != nil {
			s.log().Debug("dns write udp", "to", from.String(), "err", err)
		}
	}
}

// serveTCP accepts connections, each served on its own goroutine so that a
// slow client holds only itself up.
func (s *Server) serveTCP(ctx context.Context, ln net.Listener) error {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel() // closes every connection, before the Wait above
	slots := make(chan struct{}, maxTCPConns)
	var backoff time.Duration
	for {
		c, err := ln.Accept()
		if err != nil {
			if !retryAccept(err) {
				return fmt.Errorf("dns accept tcp: %w", err)
			}
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			s.log().Warn("dns accept tcp", "err", err, "retry_in", backoff)
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(backoff):
			}
			continue
		}
		backoff = 0
		select {
		case slots <- struct{}{}:
		default:
			_ = c.Close()
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-slots }()
			stop := context.AfterFunc(ctx, func() { _ = c.Close() })
			defer stop()
			s.serveConn(c)
		}()
	}
}

// retryAccept says whether an Accept error is worth waiting out, as net/http
// does: running out of file descriptors passes as connections close.
func retryAccept(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout() ||
		errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE) || errors.Is(err, syscall.ENOBUFS)
}

// serveConn answers the queries of one TCP connection in order, each framed
// by a two-byte length (RFC 1035 4.2.2), until the client goes quiet, closes,
// or sends something that gets no answer.
func (s *Server) serveConn(c net.Conn) {
	defer c.Close()
	var size [2]byte
	for {
		// One deadline for the length and the message, so a client trickling
		// bytes cannot hold the connection longer than an idle one.
		if err := c.SetReadDeadline(time.Now().Add(tcpIdle)); err != nil {
			return
		}
		if _, err := io.ReadFull(c, size[:]); err != nil {
			return
		}
		msg := make([]byte, binary.BigEndian.Uint16(size[:]))
		if _, err := io.ReadFull(c, msg); err != nil {
			return
		}
		out := s.respond(msg, false)
		if out == nil {
			return
		}
		if err := c.SetWriteDeadline(time.Now().Add(tcpWrite)); err != nil {
			return
		}
		framed := binary.BigEndian.AppendUint16(make([]byte, 0, 2+len(out)), uint16(len(out)))
		if _, err := c.Write(append(framed, out...)); err != nil {
			return
		}
	}
}
