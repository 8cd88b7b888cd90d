package netplane

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
)

// DHCPv4 wire format (RFC 2131 §2, options RFC 2132). Only what a static
// server needs; options are kept as raw bytes in arrival order.

const (
	bootRequest = 1
	bootReply   = 2

	dhcpHeaderLen = 236
	dhcpMinLen    = dhcpHeaderLen + 4 // + magic cookie
	// bootpMinLen: RFC 1542 §2.1 — some clients drop shorter replies.
	bootpMinLen = 300

	flagBroadcast = 0x8000
)

var dhcpMagic = [4]byte{99, 130, 83, 99}

// Message types (option 53).
const (
	dhcpDiscover = 1
	dhcpOffer    = 2
	dhcpRequest  = 3
	dhcpDecline  = 4
	dhcpAck      = 5
	dhcpNak      = 6
	dhcpRelease  = 7
	dhcpInform   = 8
)

// Option codes.
const (
	optPad          = 0
	optSubnetMask   = 1
	optRouter       = 3
	optDNS          = 6
	optHostname     = 12
	optDomainName   = 15
	optMTU          = 26
	optBroadcast    = 28
	optRequestedIP  = 50
	optLeaseTime    = 51
	optOverload     = 52
	optMessageType  = 53
	optServerID     = 54
	optParamRequest = 55
	optMessage      = 56
	optEnd          = 255
)

type dhcpOption struct {
	Code byte
	Data []byte
}

// dhcpMessage is a parsed BOOTP/DHCP packet.
type dhcpMessage struct {
	Op, HType, Hops byte
	XID             uint32
	Secs, Flags     uint16
	CIAddr, YIAddr  netip.Addr
	SIAddr, GIAddr  netip.Addr
	CHAddr          net.HardwareAddr // HLen bytes of the chaddr field
	SName, File     string           // unless overloaded with options
	Options         []dhcpOption
}

var errDHCPShort = errors.New("dhcp: packet too short")

// parseDHCP decodes a packet. Options split over several instances are
// concatenated (RFC 3396) and options overloaded into sname/file are read
// (RFC 2132 §9.3), so the caller sees each code once.
func parseDHCP(b []byte) (*dhcpMessage, error) {
	if len(b) < dhcpMinLen {
		return nil, errDHCPShort
	}
	if [4]byte(b[236:240]) != dhcpMagic {
		return nil, errors.New("dhcp: bad magic cookie")
	}
	hlen := int(b[2])
	if hlen > 16 {
		return nil, fmt.Errorf("dhcp: hardware address length %d > 16", hlen)
	}
	m := &dhcpMessage{
		Op: b[0], HType: b[1], Hops: b[3],
		XID:    binary.BigEndian.Uint32(b[4:8]),
		Secs:   binary.BigEndian.Uint16(b[8:10]),
		Flags:  binary.BigEndian.Uint16(b[10:12]),
		CIAddr: netip.AddrFrom4([4]byte(b[12:16])),
		YIAddr: netip.AddrFrom4([4]byte(b[16:20])),
		SIAddr: netip.AddrFrom4([4]byte(b[20:24])),
		GIAddr: netip.AddrFrom4([4]byte(b[24:28])),
		CHAddr: net.HardwareAddr(append([]byte(nil), b[28:28+hlen]...)),
	}
	var opts []dhcpOption
	if err := parseOptions(b[240:], &opts); err != nil {
		return nil, err
	}
	overload := byte(0)
	if v, ok := findOption(opts, optOverload); ok && len(v) == 1 {
		overload = v[0]
	}
	if overload&1 != 0 {
		if err := parseOptions(b[108:236], &opts); err != nil {
			return nil, err
		}
	} else {
		m.File = cString(b[108:236])
	}
	if overload&2 != 0 {
		if err := parseOptions(b[44:108], &opts); err != nil {
			return nil, err
		}
	} else {
		m.SName = cString(b[44:108])
	}
	for _, o := range opts {
		if o.Code != optOverload {
			m.Options = append(m.Options, o)
		}
	}
	return m, nil
}

// parseOptions appends the options of one field to opts, merging repeated codes.
func parseOptions(b []byte, opts *[]dhcpOption) error {
	for i := 0; i < len(b); {
		code := b[i]
		i++
		switch code {
		case optPad:
			continue
		case optEnd:
			return nil
		}
		if i >= len(b) {
			return fmt.Errorf("dhcp: option %d: missing length", code)
		}
		n := int(b[i])
		i++
		if i+n > len(b) {
			return fmt.Errorf("dhcp: option %d: length %d past end", code, n)
		}
		data := b[i : i+n]
		i += n
		merged := false
		for j := range *opts {
			if (*opts)[j].Code == code {
				(*opts)[j].Data = append((*opts)[j].Data, data...)
				merged = true
				break
			}
		}
		if !merged {
			*opts = append(*opts, dhcpOption{Code: code, Data: append([]byte{}, data...)})
		}
	}
	return nil // a field may end without an End option; be lenient
}

func cString(b []byte) string {
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}

func findOption(opts []dhcpOption, code byte) ([]byte, bool) {
	for _, o := range opts {
		if o.Code == code {
			return o.Data, true
		}
	}
	return nil, false
}

// option returns the data of an option, if present.
func (m *dhcpMessage) option(code byte) ([]byte, bool) { return findOption(m.Options, code) }

// msgType is the DHCP message type, 0 for plain BOOTP.
func (m *dhcpMessage) msgType() byte {
	if v, ok := m.option(optMessageType); ok && len(v) == 1 {
		return v[0]
	}
	return 0
}

// addrOption decodes an option holding one IPv4 address.
func (m *dhcpMessage) addrOption(code byte) (netip.Addr, bool) {
	v, ok := m.option(code)
	if !ok || len(v) != 4 {
		return netip.Addr{}, false
	}
	return netip.AddrFrom4([4]byte(v)), true
}

// marshal encodes the message; options longer than 255 bytes are split
// (RFC 3396) and the packet is padded to the BOOTP minimum.
func (m *dhcpMessage) marshal() []byte {
	b := make([]byte, dhcpMinLen, bootpMinLen+64)
	b[0], b[1], b[2], b[3] = m.Op, m.HType, byte(min(len(m.CHAddr), 16)), m.Hops
	binary.BigEndian.PutUint32(b[4:8], m.XID)
	binary.BigEndian.PutUint16(b[8:10], m.Secs)
	binary.BigEndian.PutUint16(b[10:12], m.Flags)
	for i, a := range []netip.Addr{m.CIAddr, m.YIAddr, m.SIAddr, m.GIAddr} {
		if a.Is4() {
			a4 := a.As4()
			copy(b[12+4*i:], a4[:])
		}
	}
	copy(b[28:44], m.CHAddr)
	copy(b[44:108], m.SName)
	copy(b[108:236], m.File)
	copy(b[236:240], dhcpMagic[:])
	for _, o := range m.Options {
		data := o.Data
		for first := true; first || len(data) > 0; first = false {
			n := min(len(data), 255)
			b = append(b, o.Code, byte(n))
			b = append(b, data[:n]...)
			data = data[n:]
		}
	}
	b = append(b, optEnd)
	for len(b) < bootpMinLen {
		b = append(b, optPad)
	}
	return b
}

// Option value encoders.

func optAddrs(code byte, addrs ...netip.Addr) dhcpOption {
	o := dhcpOption{Code: code}
	for _, a := range addrs {
		a4 := a.As4()
		o.Data = append(o.Data, a4[:]...)
	}
	return o
}

func optU32(code byte, v uint32) dhcpOption {
	return dhcpOption{Code: code, Data: binary.BigEndian.AppendUint32(nil, v)}
}

func optU16(code byte, v uint16) dhcpOption {
	return dhcpOption{Code: code, Data: binary.BigEndian.AppendUint16(nil, v)}
}

func optString(code byte, s string) dhcpOption { return dhcpOption{Code: code, Data: []byte(s)} }
