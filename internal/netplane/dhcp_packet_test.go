package netplane

import (
	"bytes"
	"net"
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

var cmpAddr = cmp.Comparer(func(a, b netip.Addr) bool { return a == b })

func mustMAC(s string) net.HardwareAddr {
	m, err := net.ParseMAC(s)
	if err != nil {
		panic(err)
	}
	return m
}

// rawDHCP builds a request by hand, independent of marshal, so the parser is
// tested against bytes rather than against itself.
func rawDHCP(mac net.HardwareAddr, ciaddr [4]byte, sname, file []byte, opts ...byte) []byte {
	b := make([]byte, 240)
	b[0], b[1], b[2] = 1, 1, byte(len(mac))
	copy(b[4:8], []byte{0xde, 0xad, 0xbe, 0xef})
	b[10] = 0x80 // broadcast flag
	copy(b[12:16], ciaddr[:])
	copy(b[28:], mac)
	copy(b[44:108], sname)
	copy(b[108:236], file)
	copy(b[236:240], dhcpMagic[:])
	return append(b, opts...)
}

func TestParseDHCP(t *testing.T) {
	mac := mustMAC("02:00:00:aa:bb:cc")
	zero := [4]byte{}
	tests := []struct {
		name    string
		in      []byte
		want    *dhcpMessage
		wantErr bool
	}{{
		name: "discover",
		in:   rawDHCP(mac, zero, nil, nil, 53, 1, 1, 55, 3, 1, 3, 6, 255),
		want: &dhcpMessage{Op: 1, HType: 1, XID: 0xdeadbeef, Flags: 0x8000, CHAddr: mac,
			CIAddr: netip.IPv4Unspecified(), YIAddr: netip.IPv4Unspecified(), SIAddr: netip.IPv4Unspecified(), GIAddr: netip.IPv4Unspecified(),
			Options: []dhcpOption{{53, []byte{1}}, {55, []byte{1, 3, 6}}}},
	}, {
		name: "pads, no end, sname and file",
		in:   rawDHCP(mac, [4]byte{172, 31, 0, 9}, []byte("srv"), []byte("boot"), 0, 0, 53, 1, 3),
		want: &dhcpMessage{Op: 1, HType: 1, XID: 0xdeadbeef, Flags: 0x8000, CHAddr: mac,
			CIAddr: netip.MustParseAddr("172.31.0.9"), YIAddr: netip.IPv4Unspecified(), SIAddr: netip.IPv4Unspecified(), GIAddr: netip.IPv4Unspecified(),
			SName: "srv", File: "boot", Options: []dhcpOption{{53, []byte{3}}}},
	}, {
		name: "split option concatenated (RFC 3396)",
		in:   rawDHCP(mac, zero, nil, nil, 12, 2, 'a', 'b', 53, 1, 8, 12, 1, 'c', 255),
		want: &dhcpMessage{Op: 1, HType: 1, XID: 0xdeadbeef, Flags: 0x8000, CHAddr: mac,
			CIAddr: netip.IPv4Unspecified(), YIAddr: netip.IPv4Unspecified(), SIAddr: netip.IPv4Unspecified(), GIAddr: netip.IPv4Unspecified(),
			Options: []dhcpOption{{12, []byte("abc")}, {53, []byte{8}}}},
	}, {
		name: "overloaded file and sname",
		in:   rawDHCP(mac, zero, []byte{12, 1, 'h', 255}, []byte{50, 4, 172, 31, 0, 9, 255}, 52, 1, 3, 53, 1, 3, 255),
		want: &dhcpMessage{Op: 1, HType: 1, XID: 0xdeadbeef, Flags: 0x8000, CHAddr: mac,
			CIAddr: netip.IPv4Unspecified(), YIAddr: netip.IPv4Unspecified(), SIAddr: netip.IPv4Unspecified(), GIAddr: netip.IPv4Unspecified(),
			Options: []dhcpOption{{53, []byte{3}}, {50, []byte{172, 31, 0, 9}}, {12, []byte("h")}}},
	}, {
		name: "no options at all", in: rawDHCP(mac, zero, nil, nil),
		want: &dhcpMessage{Op: 1, HType: 1, XID: 0xdeadbeef, Flags: 0x8000, CHAddr: mac,
			CIAddr: netip.IPv4Unspecified(), YIAddr: netip.IPv4Unspecified(), SIAddr: netip.IPv4Unspecified(), GIAddr: netip.IPv4Unspecified()},
	},
		{name: "short", in: make([]byte, 239), wantErr: true},
		{name: "bad cookie", in: append(make([]byte, 236), 1, 2, 3, 4), wantErr: true},
		{name: "option past end", in: rawDHCP(mac, zero, nil, nil, 53, 5, 1), wantErr: true},
		{name: "option without length", in: rawDHCP(mac, zero, nil, nil, 53), wantErr: true},
		{name: "hlen too big", in: func() []byte { b := rawDHCP(mac, zero, nil, nil, 255); b[2] = 17; return b }(), wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseDHCP(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("parseDHCP err = %v, wantErr %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got, cmpAddr, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("parseDHCP (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMarshalDHCP(t *testing.T) {
	long := bytes.Repeat([]byte("x"), 300)
	m := &dhcpMessage{Op: bootReply, HType: 1, XID: 7, CHAddr: mustMAC("02:00:00:00:00:01"),
		YIAddr:  netip.MustParseAddr("172.31.0.9"),
		Options: []dhcpOption{{53, []byte{dhcpAck}}, {15, long}, {80, nil}}}
	b := m.marshal()
	if len(b) < bootpMinLen {
		t.Errorf("len = %d, want at least %d (BOOTP minimum)", len(b), bootpMinLen)
	}
	if !bytes.Equal(b[16:20], []byte{172, 31, 0, 9}) || b[2] != 6 || b[0] != bootReply {
		t.Errorf("header = % x", b[:44])
	}
	wantOpts := append([]byte{53, 1, 5, 15, 255}, long[:255]...)
	wantOpts = append(append(wantOpts, 15, 45), long[255:]...)
	wantOpts = append(wantOpts, 80, 0, 255)
	if !bytes.HasPrefix(b[240:], wantOpts) {
		t.Errorf("options = % x\nwant prefix % x", b[240:], wantOpts)
	}
	got, err := parseDHCP(b)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(m, got, cmpAddr, cmpopts.EquateEmpty(),
		cmpopts.IgnoreFields(dhcpMessage{}, "CIAddr", "SIAddr", "GIAddr")); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
}

// FuzzParseDHCP checks that the parser never panics and that whatever it
// accepts survives a marshal/parse round trip unchanged.
func FuzzParseDHCP(f *testing.F) {
	mac := mustMAC("02:00:00:aa:bb:cc")
	f.Add(rawDHCP(mac, [4]byte{}, nil, nil, 53, 1, 1, 55, 3, 1, 3, 6, 255))
	f.Add(rawDHCP(mac, [4]byte{172, 31, 0, 9}, nil, nil, 53, 1, 3, 50, 4, 172, 31, 0, 9, 54, 4, 172, 31, 0, 1, 255))
	f.Add(rawDHCP(mac, [4]byte{}, []byte{12, 1, 'h', 255}, []byte{50, 4, 1, 2, 3, 4}, 52, 1, 3, 53, 1, 3, 255))
	f.Add(rawDHCP(mac, [4]byte{}, nil, nil, 12, 2, 'a', 'b', 12, 1, 'c'))
	f.Add(rawDHCP(mac, [4]byte{}, nil, nil, 53, 9))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := parseDHCP(b)
		if err != nil {
			return
		}
		again, err := parseDHCP(m.marshal())
		if err != nil {
			t.Fatalf("re-parse of marshalled message: %v", err)
		}
		if diff := cmp.Diff(m, again, cmpAddr, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("round trip (-first +second):\n%s", diff)
		}
	})
}
