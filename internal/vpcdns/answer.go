package vpcdns

import (
	"errors"
	"net/netip"

	"golang.org/x/net/dns/dnsmessage"
)

const (
	// ttl is what AWS's resolver gives private names: instances come and go,
	// and their addresses are reused.
	ttl = 60
	// plainUDPSize is the most a UDP answer may carry without EDNS0 (RFC 1035).
	plainUDPSize = 512
	// ednsUDPSize is what we advertise and the most we send over UDP with EDNS0:
	// the size that avoids IP fragmentation everywhere (DNS flag day 2020).
	ednsUDPSize = 1232
	// tcpSize is the most a TCP answer can carry (two-byte length prefix).
	tcpSize = 65535

	rcodeBadVers = dnsmessage.RCode(16) // RFC 6891: unsupported EDNS version
	typeIXFR     = dnsmessage.Type(251)
)

// query is what a reply needs of the request.
type query struct {
	id     uint16
	opCode dnsmessage.OpCode
	rd     bool
	q      *dnsmessage.Question // nil when the question could not be read
	edns   bool                 // the request carried an OPT record
}

// reply is a decided answer, before packing.
type reply struct {
	rcode dnsmessage.RCode // may be extended (> 15): the high bits go in OPT
	aa    bool
	rr    func(b *dnsmessage.Builder, owner dnsmessage.Name) error // the answer record, if any
}

// answer returns the response to the request msg, or nil when msg gets no
// response at all: not a DNS header, or a response rather than a query (so
// two servers can never make each other loop). udp bounds the size to what
// the client can take over UDP, setting TC when the answer does not fit.
func (s *Server) answer(msg []byte, udp bool) []byte {
	var p dnsmessage.Parser
	h, err := p.Start(msg)
	if err != nil || h.Response {
		return nil
	}
	req := query{id: h.ID, opCode: h.OpCode, rd: h.RecursionDesired}
	limit := sizeLimit(udp, nil)
	qs, err := p.AllQuestions()
	if err != nil {
		return s.pack(req, reply{rcode: dnsmessage.RCodeFormatError}, limit)
	}
	if len(qs) == 1 {
		req.q = &qs[0]
	}
	opt, err := readOPT(&p)
	if err != nil {
		return s.pack(req, reply{rcode: dnsmessage.RCodeFormatError}, limit)
	}
	limit = sizeLimit(udp, opt)
	if udp && s.udpLimit > 0 {
		limit = s.udpLimit
	}
	if opt != nil {
		req.edns = true
		if version := uint8(opt.TTL >> 16); version != 0 {
			return s.pack(req, reply{rcode: rcodeBadVers}, limit)
		}
	}
	switch {
	case h.OpCode != 0:
		return s.pack(req, reply{rcode: dnsmessage.RCodeNotImplemented}, limit)
	case req.q == nil:
		return s.pack(req, reply{rcode: dnsmessage.RCodeFormatError}, limit)
	}
	return s.pack(req, s.resolve(*req.q), limit)
}

// sizeLimit is the most an answer may carry: what the client's EDNS0 record
// says it takes over UDP, within [512, 1232].
func sizeLimit(udp bool, opt *dnsmessage.ResourceHeader) int {
	switch {
	case !udp:
		return tcpSize
	case opt == nil:
		return plainUDPSize
	}
	return min(max(int(opt.Class), plainUDPSize), ednsUDPSize)
}

// readOPT returns the request's EDNS0 OPT record, nil when it has none. Two
// OPT records are a format error (RFC 6891 6.1.1); other records are ignored.
func readOPT(p *dnsmessage.Parser) (*dnsmessage.ResourceHeader, error) {
	if err := p.SkipAllAnswers(); err != nil {
		return nil, err
	}
	if err := p.SkipAllAuthorities(); err != nil {
		return nil, err
	}
	var opt *dnsmessage.ResourceHeader
	for {
		h, err := p.AdditionalHeader()
		if errors.Is(err, dnsmessage.ErrSectionDone) {
			return opt, nil
		}
		if err != nil {
			return nil, err
		}
		if h.Type == dnsmessage.TypeOPT {
			if opt != nil {
				return nil, errors.New("two opt records")
			}
			opt = &h
		}
		if err := p.SkipAdditional(); err != nil {
			return nil, err
		}
	}
}

// resolve decides the answer to one question.
func (s *Server) resolve(q dnsmessage.Question) reply {
	if q.Class != dnsmessage.ClassINET && q.Class != dnsmessage.ClassANY {
		return reply{rcode: dnsmessage.RCodeRefused}
	}
	if q.Type == dnsmessage.TypeAXFR || q.Type == typeIXFR {
		return reply{rcode: dnsmessage.RCodeRefused} // the zones are not for listing
	}
	name := canonical(q.Name.String())
	if ip, ok := s.addr(name); ok {
		return reply{aa: true, rr: addrRecord(q.Type, ip)}
	}
	if rev, ok := parseReverse(name); ok {
		if rev.exact {
			if target, ok := s.name(rev.prefix.Addr()); ok {
				return reply{aa: true, rr: ptrRecord(q.Type, target)}
			}
		}
		if !within(rev.prefix, privateRanges...) && !within(rev.prefix, s.VPC) {
			return servFail
		}
		if rev.exact || rev.below {
			return reply{rcode: dnsmessage.RCodeNameError, aa: true}
		}
		return reply{aa: true} // 1.0.10.in-addr.arpa: exists, holds no record
	}
	switch inZone, apex := forwardZone(name); {
	case apex:
		return reply{aa: true}
	case inZone:
		return reply{rcode: dnsmessage.RCodeNameError, aa: true}
	}
	return servFail
}

// servFail answers every name outside the private zones; see the package
// comment for why this server does not recurse.
var servFail = reply{rcode: dnsmessage.RCodeServerFailure}

func (s *Server) addr(name string) (netip.Addr, bool) {
	if s.Names == nil {
		return netip.Addr{}, false
	}
	return s.Names.Addr(name)
}

func (s *Server) name(ip netip.Addr) (string, bool) {
	if s.Names == nil {
		return "", false
	}
	return s.Names.Name(ip)
}

// addrRecord answers an A (or, for an IPv6 entry, AAAA) question about a known
// name; any other type gets no record and NOERROR, since the name exists.
func addrRecord(t dnsmessage.Type, ip netip.Addr) func(*dnsmessage.Builder, dnsmessage.Name) error {
	ip = ip.Unmap()
	switch {
	case ip.Is4() && (t == dnsmessage.TypeA || t == dnsmessage.TypeALL):
		return func(b *dnsmessage.Builder, owner dnsmessage.Name) error {
			return b.AResource(header(owner, dnsmessage.TypeA), dnsmessage.AResource{A: ip.As4()})
		}
	case ip.Is6() && (t == dnsmessage.TypeAAAA || t == dnsmessage.TypeALL):
		return func(b *dnsmessage.Builder, owner dnsmessage.Name) error {
			return b.AAAAResource(header(owner, dnsmessage.TypeAAAA), dnsmessage.AAAAResource{AAAA: ip.As16()})
		}
	}
	return nil
}

// ptrRecord answers a PTR question about a known address.
func ptrRecord(t dnsmessage.Type, target string) func(*dnsmessage.Builder, dnsmessage.Name) error {
	if t != dnsmessage.TypePTR && t != dnsmessage.TypeALL {
		return nil
	}
	return func(b *dnsmessage.Builder, owner dnsmessage.Name) error {
		n, err := dnsmessage.NewName(target + ".")
		if err != nil {
			return err
		}
		return b.PTRResource(header(owner, dnsmessage.TypePTR), dnsmessage.PTRResource{PTR: n})
	}
}

func header(owner dnsmessage.Name, t dnsmessage.Type) dnsmessage.ResourceHeader {
	return dnsmessage.ResourceHeader{Name: owner, Type: t, Class: dnsmessage.ClassINET, TTL: ttl}
}

// pack builds the response. An answer that does not fit in limit is sent
// without its records and with TC set, which tells the client to ask again
// over TCP; one that cannot be packed (a bad name from Names) is a SERVFAIL.
func (s *Server) pack(req query, r reply, limit int) []byte {
	out, err := build(req, r, false)
	if err != nil {
		s.log().Warn("dns pack answer", "err", err)
		out, err = build(req, servFail, false)
	}
	if err == nil && len(out) > limit {
		out, err = build(req, r, true)
	}
	if err != nil {
		s.log().Warn("dns pack answer", "err", err)
		return nil
	}
	return out
}

func build(req query, r reply, truncated bool) ([]byte, error) {
	b := dnsmessage.NewBuilder(make([]byte, 0, plainUDPSize), dnsmessage.Header{
		ID: req.id, Response: true, OpCode: req.opCode, Authoritative: r.aa, Truncated: truncated,
		// RA: guests' stub resolvers (systemd-resolved among them) treat a
		// server without it as not a recursive resolver and degrade.
		RecursionDesired: req.rd, RecursionAvailable: true,
		RCode: r.rcode & 0xF,
	})
	b.EnableCompression()
	if err := b.StartQuestions(); err != nil {
		return nil, err
	}
	if req.q != nil {
		// Echoed as sent: resolvers that randomise the case of their
		// questions (0x20) check it.
		if err := b.Question(*req.q); err != nil {
			return nil, err
		}
	}
	if err := b.StartAnswers(); err != nil {
		return nil, err
	}
	if r.rr != nil && req.q != nil && !truncated {
		if err := r.rr(&b, req.q.Name); err != nil {
			return nil, err
		}
	}
	if err := b.StartAdditionals(); err != nil {
		return nil, err
	}
	if req.edns || r.rcode > 0xF {
		var h dnsmessage.ResourceHeader
		if err := h.SetEDNS0(ednsUDPSize, r.rcode, false); err != nil {
			return nil, err
		}
		if err := b.OPTResource(h, dnsmessage.OPTResource{}); err != nil {
			return nil, err
		}
	}
	return b.Finish()
}
