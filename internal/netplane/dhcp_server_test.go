package netplane

import (
	"io"
	"log/slog"
	"net"
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestDHCPReply(t *testing.T) {
	known := mustMAC("02:00:00:00:00:01")
	unknown := mustMAC("02:00:00:00:00:02")
	ip := netip.MustParseAddr("172.31.0.9")
	gw := netip.MustParseAddr("172.31.0.1")
	other := netip.MustParseAddr("172.31.0.10")
	zero := netip.IPv4Unspecified()

	srv := newDHCPServer(slog.New(slog.NewTextHandler(io.Discard, nil)), dhcpSubnet{
		Prefix: netip.MustParsePrefix("172.31.0.0/20"), DNS: netip.MustParseAddr("172.31.0.2"),
	})
	srv.setLease(known, dhcpLease{IP: ip, Hostname: "ip-172-31-0-9", Domain: "ec2.internal"})

	req := func(mac net.HardwareAddr, typ byte, ciaddr netip.Addr, opts ...dhcpOption) *dhcpMessage {
		return &dhcpMessage{Op: bootRequest, HType: 1, XID: 42, Flags: flagBroadcast, CHAddr: mac,
			CIAddr: ciaddr, YIAddr: zero, SIAddr: zero, GIAddr: zero,
			Options: append([]dhcpOption{{optMessageType, []byte{typ}}}, opts...)}
	}
	fullOpts := func(typ byte) []dhcpOption {
		return []dhcpOption{
			{optMessageType, []byte{typ}},
			{optServerID, []byte{172, 31, 0, 1}},
			{optLeaseTime, []byte{0, 0, 0x0e, 0x10}},
			{optSubnetMask, []byte{255, 255, 240, 0}},
			{optBroadcast, []byte{172, 31, 15, 255}},
			{optRouter, []byte{172, 31, 0, 1}},
			{optDNS, []byte{172, 31, 0, 2}},
			{optMTU, []byte{0x05, 0xdc}},
			{optHostname, []byte("ip-172-31-0-9")},
			{optDomainName, []byte("ec2.internal")},
		}
	}
	resp := func(yiaddr, ciaddr netip.Addr, opts []dhcpOption) *dhcpMessage {
		return &dhcpMessage{Op: bootReply, HType: 1, XID: 42, Flags: flagBroadcast, CHAddr: known,
			CIAddr: ciaddr, YIAddr: yiaddr, SIAddr: zero, GIAddr: zero, Options: opts}
	}
	bcast := dhcpBroadcast
	tests := []struct {
		name   string
		req    *dhcpMessage
		want   *dhcpMessage
		wantTo netip.AddrPort
	}{
		{"discover gets offer", req(known, dhcpDiscover, zero), resp(ip, zero, fullOpts(dhcpOffer)), bcast},
		{"unknown mac gets nothing", req(unknown, dhcpDiscover, zero), nil, netip.AddrPort{}},
		{"request selecting gets ack",
			req(known, dhcpRequest, zero, optAddrs(optRequestedIP, ip), optAddrs(optServerID, gw)),
			resp(ip, zero, fullOpts(dhcpAck)), bcast},
		{"request for another server ignored",
			req(known, dhcpRequest, zero, optAddrs(optRequestedIP, ip), optAddrs(optServerID, other)), nil, netip.AddrPort{}},
		{"request wrong address gets nak",
			req(known, dhcpRequest, zero, optAddrs(optRequestedIP, other)),
			resp(zero, zero, []dhcpOption{{optMessageType, []byte{dhcpNak}}, {optServerID, []byte{172, 31, 0, 1}},
				{optMessage, []byte("address not assigned to this client")}}), bcast},
		{"renewing unicasts to ciaddr", req(known, dhcpRequest, ip), resp(ip, ip, fullOpts(dhcpAck)), netip.AddrPortFrom(ip, 68)},
		{"renewing wrong ciaddr gets nak", req(known, dhcpRequest, other),
			resp(zero, zero, []dhcpOption{{optMessageType, []byte{dhcpNak}}, {optServerID, []byte{172, 31, 0, 1}},
				{optMessage, []byte("address not assigned to this client")}}), bcast},
		{"inform gets config without lease", req(known, dhcpInform, ip),
			resp(zero, ip, deleteOption(fullOpts(dhcpAck), optLeaseTime)), netip.AddrPortFrom(ip, 68)},
		{"release ignored", req(known, dhcpRelease, ip), nil, netip.AddrPort{}},
		{"decline ignored", req(known, dhcpDecline, zero), nil, netip.AddrPort{}},
		{"reply op ignored", func() *dhcpMessage { m := req(known, dhcpDiscover, zero); m.Op = bootReply; return m }(), nil, netip.AddrPort{}},
		{"relayed ignored", func() *dhcpMessage { m := req(known, dhcpDiscover, zero); m.GIAddr = gw; return m }(), nil, netip.AddrPort{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, to, ok := srv.reply(tt.req)
			if ok != (tt.want != nil) {
				t.Fatalf("reply ok = %v, want %v", ok, tt.want != nil)
			}
			if diff := cmp.Diff(tt.want, got, cmpAddr, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("reply (-want +got):\n%s", diff)
			}
			if to != tt.wantTo {
				t.Errorf("reply to %v, want %v", to, tt.wantTo)
			}
		})
	}
}

func TestDHCPHostnameDefault(t *testing.T) {
	ifc := Interface{PrivateIP: netip.MustParseAddr("172.31.3.4")}
	if got, want := ifc.hostname(), "ip-172-31-3-4"; got != want {
		t.Errorf("hostname() = %q, want %q", got, want)
	}
}
