package netplane

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// A DHCP server per subnet bridge. Kumo decides every address, so the server
// only ever hands out static leases: a MAC it was not told about gets no
// answer, exactly as a guest without an ENI would on AWS.

const (
	dhcpLeaseTime = time.Hour // what AWS hands out
	dhcpMTU       = 1500
)

// dhcpSubnet is what every lease of one subnet shares.
type dhcpSubnet struct {
	Prefix netip.Prefix // the subnet; the gateway (.1) is router and server id
	DNS    netip.Addr
}

// dhcpLease is one interface's static binding.
type dhcpLease struct {
	IP       netip.Addr
	Hostname string
	Domain   string
}

type dhcpServer struct {
	log    *slog.Logger
	subnet dhcpSubnet
	conn   net.PacketConn // nil in unit tests

	mu     sync.Mutex
	leases map[string]dhcpLease // by MAC, net.HardwareAddr.String()

	done chan struct{}
}

func newDHCPServer(log *slog.Logger, subnet dhcpSubnet) *dhcpServer {
	return &dhcpServer{log: log, subnet: subnet, leases: map[string]dhcpLease{}, done: make(chan struct{})}
}

func (s *dhcpServer) setLease(mac net.HardwareAddr, l dhcpLease) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.leases[mac.String()] = l
}

func (s *dhcpServer) delLease(mac net.HardwareAddr) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.leases, mac.String())
}

func (s *dhcpServer) copyLeases(from *dhcpServer) {
	from.mu.Lock()
	defer from.mu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	for mac, l := range from.leases {
		s.leases[mac] = l
	}
}

func (s *dhcpServer) lease(mac net.HardwareAddr) (dhcpLease, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l, ok := s.leases[mac.String()]
	return l, ok
}

var dhcpBroadcast = netip.AddrPortFrom(netip.AddrFrom4([4]byte{255, 255, 255, 255}), 68)

// reply decides the answer to one request: the message to send and where, or
// ok=false to stay silent. It does no I/O, so it is table-tested.
func (s *dhcpServer) reply(req *dhcpMessage) (resp *dhcpMessage, to netip.AddrPort, ok bool) {
	if req.Op != bootRequest || req.HType != 1 || len(req.CHAddr) != 6 {
		return nil, to, false
	}
	if req.GIAddr.IsValid() && !req.GIAddr.IsUnspecified() {
		return nil, to, false // no relays inside a VPC namespace
	}
	l, known := s.lease(req.CHAddr)
	if !known {
		return nil, to, false
	}
	server := gatewayOf(s.subnet.Prefix)
	switch req.msgType() {
	case dhcpDiscover:
		return s.answer(req, dhcpOffer, l), dhcpBroadcast, true
	case dhcpRequest:
		if id, ok := req.addrOption(optServerID); ok && id != server {
			return nil, to, false // the client chose another server's offer
		}
		want, ok := req.addrOption(optRequestedIP)
		if !ok {
			want = req.CIAddr // renewing or rebinding
		}
		if want != l.IP {
			return s.nak(req), dhcpBroadcast, true
		}
		return s.answer(req, dhcpAck, l), s.dest(req), true
	case dhcpInform:
		// RFC 2131 §3.4: configuration only, no address, no lease time.
		resp := s.answer(req, dhcpAck, l)
		resp.YIAddr = netip.IPv4Unspecified()
		resp.Options = deleteOption(resp.Options, optLeaseTime)
		return resp, s.dest(req), true
	default: // RELEASE, DECLINE, BOOTP: static leases need no bookkeeping
		return nil, to, false
	}
}

// dest unicasts to a client that already has its address, else broadcasts:
// a client without one cannot answer ARP, and we do not write raw frames.
func (s *dhcpServer) dest(req *dhcpMessage) netip.AddrPort {
	if req.CIAddr.IsValid() && !req.CIAddr.IsUnspecified() {
		return netip.AddrPortFrom(req.CIAddr, 68)
	}
	return dhcpBroadcast
}

func (s *dhcpServer) header(req *dhcpMessage) *dhcpMessage {
	return &dhcpMessage{
		Op: bootReply, HType: req.HType, XID: req.XID, Flags: req.Flags,
		CIAddr: req.CIAddr, YIAddr: netip.IPv4Unspecified(),
		SIAddr: netip.IPv4Unspecified(), GIAddr: req.GIAddr,
		CHAddr: req.CHAddr,
	}
}

func (s *dhcpServer) answer(req *dhcpMessage, typ byte, l dhcpLease) *dhcpMessage {
	resp := s.header(req)
	resp.YIAddr = l.IP
	pfx := s.subnet.Prefix
	mask := maskOf(pfx)
	resp.Options = []dhcpOption{
		{Code: optMessageType, Data: []byte{typ}},
		optAddrs(optServerID, gatewayOf(pfx)),
		optU32(optLeaseTime, uint32(dhcpLeaseTime/time.Second)),
		{Code: optSubnetMask, Data: []byte(mask)},
		optAddrs(optBroadcast, broadcastOf(pfx)),
		optAddrs(optRouter, gatewayOf(pfx)),
		optAddrs(optDNS, s.subnet.DNS),
		optU16(optMTU, dhcpMTU),
	}
	if l.Hostname != "" {
		resp.Options = append(resp.Options, optString(optHostname, l.Hostname))
	}
	if l.Domain != "" {
		resp.Options = append(resp.Options, optString(optDomainName, l.Domain))
	}
	return resp
}

func (s *dhcpServer) nak(req *dhcpMessage) *dhcpMessage {
	resp := s.header(req)
	resp.CIAddr = netip.IPv4Unspecified()
	resp.Options = []dhcpOption{
		{Code: optMessageType, Data: []byte{dhcpNak}},
		optAddrs(optServerID, gatewayOf(s.subnet.Prefix)),
		optString(optMessage, "address not assigned to this client"),
	}
	return resp
}

func deleteOption(opts []dhcpOption, code byte) []dhcpOption {
	out := opts[:0]
	for _, o := range opts {
		if o.Code != code {
			out = append(out, o)
		}
	}
	return out
}

// listenDHCP opens the server socket on the bridge, inside the namespace:
// bound to the device so each subnet of a VPC has its own :67, and allowed
// to broadcast because clients without an address can only hear broadcasts.
func listenDHCP(ctx context.Context, ns, bridge string) (net.PacketConn, error) {
	lc := net.ListenConfig{Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		err := rc.Control(func(fd uintptr) {
			if serr = unix.SetsockoptString(int(fd), unix.SOL_SOCKET, unix.SO_BINDTODEVICE, bridge); serr != nil {
				return
			}
			if serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); serr != nil {
				return
			}
			serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_BROADCAST, 1)
		})
		return errors.Join(err, serr)
	}}
	var conn net.PacketConn
	err := inNetns(ns, func() error {
		var err error
		conn, err = lc.ListenPacket(ctx, "udp4", "0.0.0.0:67")
		return err
	})
	return conn, err
}

// serve answers requests until Close.
func (s *dhcpServer) serve() {
	defer close(s.done)
	buf := make([]byte, 1500)
	for {
		n, from, err := s.conn.ReadFrom(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			s.log.Warn("dhcp read", "err", err)
			time.Sleep(100 * time.Millisecond) // avoid spinning on a persistent error
			continue
		}
		req, err := parseDHCP(buf[:n])
		if err != nil {
			s.log.Debug("dhcp: ignored malformed packet", "from", from, "err", err)
			continue
		}
		resp, to, ok := s.reply(req)
		if !ok {
			s.log.Debug("dhcp: no answer", "mac", req.CHAddr, "type", req.msgType())
			continue
		}
		if _, err := s.conn.WriteTo(resp.marshal(), net.UDPAddrFromAddrPort(to)); err != nil {
			s.log.Warn("dhcp write", "to", to, "err", err)
			continue
		}
		s.log.Debug("dhcp: answered", "mac", req.CHAddr, "type", req.msgType(), "reply", resp.msgType(), "ip", resp.YIAddr)
	}
}

// start opens the socket and serves in the background.
func (s *dhcpServer) start(ctx context.Context, ns, bridge string) error {
	conn, err := listenDHCP(ctx, ns, bridge)
	if err != nil {
		return err
	}
	s.conn = conn
	go s.serve()
	return nil
}

// Close stops the server and waits for its goroutine.
func (s *dhcpServer) Close() {
	if s.conn == nil {
		return
	}
	_ = s.conn.Close()
	<-s.done
}
