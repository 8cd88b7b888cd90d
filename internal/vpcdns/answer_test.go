package vpcdns

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/net/dns/dnsmessage"
)

func TestAnswers(t *testing.T) {
	ts := startServer(t, nil)
	const (
		A, AAAA, PTR, MX, ANY = dnsmessage.TypeA, dnsmessage.TypeAAAA, dnsmessage.TypePTR, dnsmessage.TypeMX, dnsmessage.TypeALL
		noError, nxDomain     = dnsmessage.RCodeSuccess, dnsmessage.RCodeNameError
		servFail, refused     = dnsmessage.RCodeServerFailure, dnsmessage.RCodeRefused
	)
	aRec := func(owner, ip string) string {
		return fmt.Sprintf("%s 60 %s", owner, (&dnsmessage.AResource{A: netip.MustParseAddr(ip).As4()}).GoString())
	}
	ptrRec := func(owner, name string) string {
		return fmt.Sprintf("%s 60 %s", owner, (&dnsmessage.PTRResource{PTR: dnsmessage.MustNewName(name)}).GoString())
	}
	for _, tc := range []struct {
		name  string
		qname string
		qtype dnsmessage.Type
		class dnsmessage.Class // 0: IN
		rcode dnsmessage.RCode
		aa    bool
		ans   []string
	}{
		{"a known", "ip-10-0-1-5.ec2.internal.", A, 0, noError, true, []string{aRec("ip-10-0-1-5.ec2.internal.", "10.0.1.5")}},
		{"a known echoes case", "Ip-10-0-1-5.EC2.internal.", A, 0, noError, true, []string{aRec("Ip-10-0-1-5.EC2.internal.", "10.0.1.5")}},
		{"any known", "ip-10-0-1-5.ec2.internal.", ANY, 0, noError, true, []string{aRec("ip-10-0-1-5.ec2.internal.", "10.0.1.5")}},
		{"aaaa known is nodata", "ip-10-0-1-5.ec2.internal.", AAAA, 0, noError, true, nil},
		{"mx known is nodata", "ip-10-0-1-5.ec2.internal.", MX, 0, noError, true, nil},
		{"public name", "ec2-54-0-0-9.compute-1.amazonaws.com.", A, 0, noError, true, []string{aRec("ec2-54-0-0-9.compute-1.amazonaws.com.", "10.0.1.5")}},
		{"unknown ec2.internal", "ip-10-0-9-9.ec2.internal.", A, 0, nxDomain, true, nil},
		{"unknown aaaa ec2.internal", "ip-10-0-9-9.ec2.internal.", AAAA, 0, nxDomain, true, nil},
		{"unknown compute.internal", "ip-10-0-1-5.eu-west-1.compute.internal.", A, 0, nxDomain, true, nil},
		{"zone apex", "ec2.internal.", A, 0, noError, true, nil},
		{"region apex", "eu-west-1.compute.internal.", A, 0, noError, true, nil},
		{"other internal", "foo.internal.", A, 0, servFail, false, nil},
		{"internet name", "example.com.", A, 0, servFail, false, nil},
		{"unknown public name", "ec2-54-0-0-1.compute-1.amazonaws.com.", A, 0, servFail, false, nil},
		{"root", ".", A, 0, servFail, false, nil},
		{"chaos class", "version.bind.", dnsmessage.TypeTXT, dnsmessage.ClassCHAOS, refused, false, nil},
		{"zone transfer", "ec2.internal.", dnsmessage.TypeAXFR, 0, refused, false, nil},
		{"ptr known", "5.1.0.10.in-addr.arpa.", PTR, 0, noError, true, []string{ptrRec("5.1.0.10.in-addr.arpa.", "ip-10-0-1-5.ec2.internal.")}},
		{"ptr known upper case", "5.1.0.10.IN-ADDR.ARPA.", PTR, 0, noError, true, []string{ptrRec("5.1.0.10.IN-ADDR.ARPA.", "ip-10-0-1-5.ec2.internal.")}},
		{"a of known reverse is nodata", "5.1.0.10.in-addr.arpa.", A, 0, noError, true, nil},
		{"ptr unknown in vpc", "9.9.0.10.in-addr.arpa.", PTR, 0, nxDomain, true, nil},
		{"ptr unknown rfc1918", "1.1.168.192.in-addr.arpa.", PTR, 0, nxDomain, true, nil},
		{"ptr 172.16/12", "1.0.20.172.in-addr.arpa.", PTR, 0, nxDomain, true, nil},
		{"ptr outside 172.16/12", "1.0.32.172.in-addr.arpa.", PTR, 0, servFail, false, nil},
		{"ptr below an address", "x.5.1.0.10.in-addr.arpa.", PTR, 0, nxDomain, true, nil},
		{"ptr bad octet", "256.1.0.10.in-addr.arpa.", PTR, 0, nxDomain, true, nil},
		{"reverse empty non-terminal", "1.0.10.in-addr.arpa.", PTR, 0, noError, true, nil},
		{"reverse zone apex", "10.in-addr.arpa.", dnsmessage.TypeSOA, 0, noError, true, nil},
		{"ptr public", "8.8.8.8.in-addr.arpa.", PTR, 0, servFail, false, nil},
		{"in-addr.arpa", "in-addr.arpa.", PTR, 0, servFail, false, nil},
		{"ip6.arpa", "1.0.0.0.ip6.arpa.", PTR, 0, servFail, false, nil},
	} {
		for _, proto := range []string{"udp", "tcp"} {
			t.Run(proto+"/"+tc.name, func(t *testing.T) {
				id := uint16(rand.N(65536))
				q := newQuery(t, id, tc.qname, tc.qtype, func(_ *dnsmessage.Header, qs *[]dnsmessage.Question, _ *[]dnsmessage.Resource) {
					if tc.class != 0 {
						(*qs)[0].Class = tc.class
					}
				})
				var b []byte
				if proto == "udp" {
					b = exchangeUDP(t, ts.udp, q, 5*time.Second)
				} else {
					b = exchangeTCP(t, ts.tcp, q)
				}
				if b == nil {
					t.Fatal("no answer")
				}
				want := result{RCode: tc.rcode, AA: tc.aa, RD: true, RA: true, Question: tc.qname + " " + tc.qtype.String(), Answers: tc.ans}
				if diff := cmp.Diff(want, parseResult(t, id, b)); diff != "" {
					t.Errorf("(-want +got):\n%s", diff)
				}
			})
		}
	}
}

// TestNonRFC1918VPC: a VPC may use any range; its reverse zone is still ours.
func TestNonRFC1918VPC(t *testing.T) {
	s := &Server{VPC: netip.MustParsePrefix("100.64.0.0/16")}
	for _, tc := range []struct {
		name string
		want dnsmessage.RCode
	}{
		{"5.1.64.100.in-addr.arpa.", dnsmessage.RCodeNameError},
		{"64.100.in-addr.arpa.", dnsmessage.RCodeSuccess},
		{"100.in-addr.arpa.", dnsmessage.RCodeServerFailure},
		{"5.1.65.100.in-addr.arpa.", dnsmessage.RCodeServerFailure},
	} {
		r := s.resolve(dnsmessage.Question{Name: dnsmessage.MustNewName(tc.name), Type: dnsmessage.TypePTR, Class: dnsmessage.ClassINET})
		if r.rcode != tc.want {
			t.Errorf("%s: rcode %v, want %v", tc.name, r.rcode, tc.want)
		}
	}
}

func TestProtocol(t *testing.T) {
	ts := startServer(t, nil)
	const name = "ip-10-0-1-5.ec2.internal."
	twoQuestions := func(_ *dnsmessage.Header, qs *[]dnsmessage.Question, _ *[]dnsmessage.Resource) {
		*qs = append(*qs, (*qs)[0])
	}
	noQuestion := func(_ *dnsmessage.Header, qs *[]dnsmessage.Question, _ *[]dnsmessage.Resource) { *qs = nil }
	aRec := fmt.Sprintf("%s 60 %s", name, (&dnsmessage.AResource{A: [4]byte{10, 0, 1, 5}}).GoString())
	for _, tc := range []struct {
		name string
		opts []func(*dnsmessage.Header, *[]dnsmessage.Question, *[]dnsmessage.Resource)
		raw  func([]byte) []byte // edits the packed query
		want result
	}{
		{"edns0 echoed", ednsOpts(withEDNS(4096, 0)), nil,
			result{AA: true, RD: true, RA: true, Question: name + " TypeA", Answers: []string{aRec}, EDNSSize: ednsUDPSize}},
		{"edns0 version 1", ednsOpts(withEDNS(1232, 1)), nil,
			result{RCode: rcodeBadVers, RD: true, RA: true, Question: name + " TypeA", EDNSSize: ednsUDPSize}},
		{"two opt records", ednsOpts(withEDNS(1232, 0), withEDNS(1232, 0)), nil,
			result{RCode: dnsmessage.RCodeFormatError, RD: true, RA: true, Question: name + " TypeA"}},
		{"two questions", ednsOpts(twoQuestions), nil,
			result{RCode: dnsmessage.RCodeFormatError, RD: true, RA: true}},
		{"no question", ednsOpts(noQuestion), nil,
			result{RCode: dnsmessage.RCodeFormatError, RD: true, RA: true}},
		{"status opcode", nil, func(b []byte) []byte { b[2] |= 2 << 3; return b },
			result{RCode: dnsmessage.RCodeNotImplemented, RD: true, RA: true, Question: name + " TypeA"}},
		{"truncated question", nil, func(b []byte) []byte { return b[:len(b)-3] },
			result{RCode: dnsmessage.RCodeFormatError, RD: true, RA: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id := uint16(rand.N(65536))
			q := newQuery(t, id, name, dnsmessage.TypeA, tc.opts...)
			if tc.raw != nil {
				q = tc.raw(q)
			}
			b := exchangeUDP(t, ts.udp, q, 5*time.Second)
			if b == nil {
				t.Fatal("no answer")
			}
			got := parseResult(t, id, b)
			if tc.want.RCode == dnsmessage.RCodeNotImplemented {
				tc.want.RCode = got.RCode // opcode echoed; checked below
				var p dnsmessage.Parser
				h, _ := p.Start(b)
				if h.OpCode != 2 || h.RCode != dnsmessage.RCodeNotImplemented {
					t.Errorf("opcode %d rcode %v, want 2 NotImplemented", h.OpCode, h.RCode)
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	t.Run("response dropped", func(t *testing.T) {
		q := newQuery(t, 1, name, dnsmessage.TypeA, func(h *dnsmessage.Header, _ *[]dnsmessage.Question, _ *[]dnsmessage.Resource) {
			h.Response = true
		})
		if b := exchangeUDP(t, ts.udp, q, 300*time.Millisecond); b != nil {
			t.Errorf("answered a response: %x", b)
		}
	})
	t.Run("short header dropped", func(t *testing.T) {
		if b := exchangeUDP(t, ts.udp, []byte{1, 2, 3}, 300*time.Millisecond); b != nil {
			t.Errorf("answered garbage: %x", b)
		}
	})
}

func ednsOpts(o ...func(*dnsmessage.Header, *[]dnsmessage.Question, *[]dnsmessage.Resource)) []func(*dnsmessage.Header, *[]dnsmessage.Question, *[]dnsmessage.Resource) {
	return o
}

func TestTruncation(t *testing.T) {
	ts := startServer(t, func(s *Server) { s.udpLimit = 50 })
	const name = "ip-10-0-1-5.ec2.internal."
	aRec := fmt.Sprintf("%s 60 %s", name, (&dnsmessage.AResource{A: [4]byte{10, 0, 1, 5}}).GoString())
	q := newQuery(t, 7, name, dnsmessage.TypeA)
	got := parseResult(t, 7, exchangeUDP(t, ts.udp, q, 5*time.Second))
	want := result{AA: true, TC: true, RD: true, RA: true, Question: name + " TypeA"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("udp (-want +got):\n%s", diff)
	}
	got = parseResult(t, 7, exchangeTCP(t, ts.tcp, q))
	want = result{AA: true, RD: true, RA: true, Question: name + " TypeA", Answers: []string{aRec}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("tcp (-want +got):\n%s", diff)
	}
	// Without the test limit: 512 bytes, or what EDNS0 allows up to 1232.
	for _, tc := range []struct {
		udp  bool
		opt  *dnsmessage.ResourceHeader
		want int
	}{
		{true, nil, 512},
		{true, &dnsmessage.ResourceHeader{Class: 256}, 512},
		{true, &dnsmessage.ResourceHeader{Class: 1000}, 1000},
		{true, &dnsmessage.ResourceHeader{Class: 65000}, 1232},
		{false, nil, 65535},
	} {
		if got := sizeLimit(tc.udp, tc.opt); got != tc.want {
			t.Errorf("sizeLimit(%v, %v) = %d, want %d", tc.udp, tc.opt, got, tc.want)
		}
	}
}
