package vpcdns

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/netip"
	"slices"
	"testing"
	"time"

	"golang.org/x/net/dns/dnsmessage"
)

// testNames is the VPC 10.0.0.0/16 of the tests.
var testNames = map[string]netip.Addr{
	"ip-10-0-1-5.ec2.internal":             netip.MustParseAddr("10.0.1.5"),
	"ip-10-0-2-7.ec2.internal":             netip.MustParseAddr("10.0.2.7"),
	"ec2-54-0-0-9.compute-1.amazonaws.com": netip.MustParseAddr("10.0.1.5"),
	"six.ec2.internal":                     netip.MustParseAddr("fd00::6"),
}

type testServer struct {
	udp, tcp string
	srv      *Server
}

// startServer serves on 127.0.0.1 until the test ends.
func startServer(t *testing.T, mod func(*Server)) *testServer {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var tab Table
	tab.Set(testNames)
	s := &Server{Names: &tab, VPC: netip.MustParsePrefix("10.0.0.0/16")}
	if mod != nil {
		mod(s)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, pc, ln) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Serve: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Error("Serve did not return after cancel")
		}
	})
	return &testServer{udp: pc.LocalAddr().String(), tcp: ln.Addr().String(), srv: s}
}

// result is a response, flattened for comparison.
type result struct {
	RCode                  dnsmessage.RCode // with the extended bits of OPT
	AA, TC, RD, RA         bool
	Question               string
	Answers                []string
	EDNSSize               int // 0: no OPT
	AuthorityOrAdditionals int // records other than OPT
}

func newQuery(t testing.TB, id uint16, name string, typ dnsmessage.Type, opts ...func(*dnsmessage.Header, *[]dnsmessage.Question, *[]dnsmessage.Resource)) []byte {
	t.Helper()
	h := dnsmessage.Header{ID: id, RecursionDesired: true}
	qs := []dnsmessage.Question{{Name: dnsmessage.MustNewName(name), Type: typ, Class: dnsmessage.ClassINET}}
	var extra []dnsmessage.Resource
	for _, o := range opts {
		o(&h, &qs, &extra)
	}
	m := dnsmessage.Message{Header: h, Questions: qs, Additionals: extra}
	b, err := m.Pack()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func withEDNS(size int, version uint8) func(*dnsmessage.Header, *[]dnsmessage.Question, *[]dnsmessage.Resource) {
	return func(_ *dnsmessage.Header, _ *[]dnsmessage.Question, extra *[]dnsmessage.Resource) {
		var h dnsmessage.ResourceHeader
		_ = h.SetEDNS0(size, 0, false)
		h.TTL |= uint32(version) << 16
		*extra = append(*extra, dnsmessage.Resource{Header: h, Body: &dnsmessage.OPTResource{}})
	}
}

func parseResult(t testing.TB, id uint16, b []byte) result {
	t.Helper()
	var m dnsmessage.Message
	if err := m.Unpack(b); err != nil {
		t.Fatalf("unpack response: %v", err)
	}
	if !m.Response || m.ID != id {
		t.Fatalf("response %v id %d, want response to %d", m.Response, m.ID, id)
	}
	r := result{RCode: m.RCode, AA: m.Authoritative, TC: m.Truncated, RD: m.RecursionDesired, RA: m.RecursionAvailable}
	for _, q := range m.Questions {
		r.Question += fmt.Sprintf("%s %s", q.Name, q.Type)
	}
	for _, a := range m.Answers {
		r.Answers = append(r.Answers, fmt.Sprintf("%s %d %s", a.Header.Name, a.Header.TTL, a.Body.GoString()))
	}
	r.AuthorityOrAdditionals = len(m.Authorities)
	for _, a := range m.Additionals {
		if a.Header.Type == dnsmessage.TypeOPT {
			r.EDNSSize = int(a.Header.Class)
			r.RCode = a.Header.ExtendedRCode(m.RCode)
			continue
		}
		r.AuthorityOrAdditionals++
	}
	return r
}

func exchangeUDP(t testing.TB, addr string, q []byte, wait time.Duration) []byte {
	t.Helper()
	c, err := net.Dial("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write(q); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(wait))
	buf := make([]byte, 65535)
	n, err := c.Read(buf)
	if err != nil {
		return nil
	}
	return buf[:n]
}

func exchangeTCP(t testing.TB, addr string, q []byte) []byte {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write(append(binary.BigEndian.AppendUint16(nil, uint16(len(q))), q...)); err != nil {
		t.Fatal(err)
	}
	var size [2]byte
	if _, err := io.ReadFull(c, size[:]); err != nil {
		return nil
	}
	out := make([]byte, binary.BigEndian.Uint16(size[:]))
	if _, err := io.ReadFull(c, out); err != nil {
		t.Fatalf("read tcp answer: %v", err)
	}
	return out
}

func TestTCPPipelining(t *testing.T) {
	ts := startServer(t, nil)
	c, err := net.Dial("tcp", ts.tcp)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	// Three queries in one write; three answers in order.
	var out []byte
	for id := range uint16(3) {
		q := newQuery(t, id, "ip-10-0-1-5.ec2.internal.", dnsmessage.TypeA)
		out = append(binary.BigEndian.AppendUint16(out, uint16(len(q))), q...)
	}
	if _, err := c.Write(out); err != nil {
		t.Fatal(err)
	}
	for id := range uint16(3) {
		var size [2]byte
		if _, err := io.ReadFull(c, size[:]); err != nil {
			t.Fatal(err)
		}
		b := make([]byte, binary.BigEndian.Uint16(size[:]))
		if _, err := io.ReadFull(c, b); err != nil {
			t.Fatal(err)
		}
		if r := parseResult(t, id, b); len(r.Answers) != 1 {
			t.Errorf("answer %d: %+v", id, r)
		}
	}
}

// TestSlowTCPClient: clients that connect and send nothing, or half a query,
// hold up nobody else.
func TestSlowTCPClient(t *testing.T) {
	ts := startServer(t, nil)
	for range 5 {
		c, err := net.Dial("tcp", ts.tcp)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		_, _ = c.Write([]byte{0, 40, 1}) // a length, then one byte of 40
	}
	start := time.Now()
	q := newQuery(t, 9, "ip-10-0-1-5.ec2.internal.", dnsmessage.TypeA)
	if r := parseResult(t, 9, exchangeTCP(t, ts.tcp, q)); len(r.Answers) != 1 {
		t.Errorf("tcp: %+v", r)
	}
	if r := parseResult(t, 9, exchangeUDP(t, ts.udp, q, 5*time.Second)); len(r.Answers) != 1 {
		t.Errorf("udp: %+v", r)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("answers took %v behind slow clients", d)
	}
}

// TestGarbage throws random and mutated packets at the server, over the
// network and straight at answer, then checks it still answers.
func TestGarbage(t *testing.T) {
	ts := startServer(t, nil)
	rng := rand.New(rand.NewPCG(1, 2))
	valid := [][]byte{
		newQuery(t, 1, "ip-10-0-1-5.ec2.internal.", dnsmessage.TypeA, withEDNS(1232, 0)),
		newQuery(t, 2, "5.1.0.10.in-addr.arpa.", dnsmessage.TypePTR),
		newQuery(t, 3, "example.com.", dnsmessage.TypeAAAA),
	}
	packet := func() []byte {
		if rng.IntN(2) == 0 {
			b := make([]byte, rng.IntN(600))
			for i := range b {
				b[i] = byte(rng.Uint32())
			}
			return b
		}
		b := slices.Clone(valid[rng.IntN(len(valid))])
		for range 1 + rng.IntN(4) {
			b[rng.IntN(len(b))] = byte(rng.Uint32())
		}
		return b[:rng.IntN(len(b)+1)]
	}
	for range 20000 {
		if out := ts.srv.answer(packet(), rng.IntN(2) == 0); out != nil {
			var p dnsmessage.Parser
			if _, err := p.Start(out); err != nil {
				t.Fatalf("unparsable answer %x: %v", out, err)
			}
		}
	}
	c, err := net.Dial("udp", ts.udp)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for range 500 {
		_, _ = c.Write(packet())
	}
	tc, err := net.Dial("tcp", ts.tcp)
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	for range 50 {
		p := packet()
		_, _ = tc.Write(append(binary.BigEndian.AppendUint16(nil, uint16(len(p))), p...))
	}
	q := newQuery(t, 4, "ip-10-0-1-5.ec2.internal.", dnsmessage.TypeA)
	// The flood may have filled the socket's buffer and our query been
	// dropped: ask again, as resolvers do.
	var b []byte
	for try := 0; b == nil && try < 5; try++ {
		b = exchangeUDP(t, ts.udp, q, time.Second)
	}
	if r := parseResult(t, 4, b); len(r.Answers) != 1 {
		t.Errorf("after garbage, udp: %+v", r)
	}
	if r := parseResult(t, 4, exchangeTCP(t, ts.tcp, q)); len(r.Answers) != 1 {
		t.Errorf("after garbage, tcp: %+v", r)
	}
}

func FuzzAnswer(f *testing.F) {
	f.Add(newQuery(f, 1, "ip-10-0-1-5.ec2.internal.", dnsmessage.TypeA, withEDNS(1232, 0)), true)
	f.Add(newQuery(f, 2, "5.1.0.10.in-addr.arpa.", dnsmessage.TypePTR), false)
	f.Add([]byte{}, true)
	var tab Table
	tab.Set(testNames)
	s := &Server{Names: &tab, VPC: netip.MustParsePrefix("10.0.0.0/16")}
	f.Fuzz(func(t *testing.T, msg []byte, udp bool) {
		out := s.answer(msg, udp)
		if out == nil {
			return
		}
		if udp && len(out) > ednsUDPSize {
			t.Fatalf("udp answer of %d bytes", len(out))
		}
		var m dnsmessage.Message
		if err := m.Unpack(out); err != nil {
			t.Fatalf("unparsable answer %x: %v", out, err)
		}
	})
}

func TestServeStopsOnSocketError(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_ = pc.Close() // the UDP loop fails at once; Serve must stop TCP too
	done := make(chan error, 1)
	go func() { done <- Serve(context.Background(), pc, ln, nil, nil) }()
	select {
	case err := <-done:
		if !errors.Is(err, net.ErrClosed) {
			t.Errorf("Serve = %v, want the UDP error", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve kept running")
	}
	if _, err := ln.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Errorf("listener still open: %v", err)
	}
}
