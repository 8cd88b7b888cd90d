package main

import (
	"encoding/binary"
	"testing"
)

// frame builds an Ethernet/IPv4/TCP frame carrying payload.
func frame(src, dst uint16, payload string) []byte {
	f := make([]byte, 14+20+20, 14+20+20+len(payload))
	binary.BigEndian.PutUint16(f[12:], 0x0800)
	ip := f[14:]
	ip[0] = 0x45
	binary.BigEndian.PutUint16(ip[2:], uint16(20+20+len(payload)))
	ip[9] = 6
	tcp := ip[20:]
	binary.BigEndian.PutUint16(tcp[0:], src)
	binary.BigEndian.PutUint16(tcp[2:], dst)
	tcp[12] = 5 << 4
	return append(f, payload...)
}

func TestClassifyHTTP(t *testing.T) {
	tests := []struct {
		name            string
		f               []byte
		port            uint16
		request, answer bool
	}{
		{"get", frame(40000, 80, "GET /latest/meta-data/instance-id HTTP/1.1\r\n"), 40000, true, false},
		{"answer", frame(80, 40000, "HTTP/1.1 200 OK\r\n"), 40000, false, true},
		{"token put", frame(40000, 80, "PUT /latest/api/token HTTP/1.1\r\n"), 0, false, false},
		{"bare ack", frame(40000, 80, ""), 0, false, false},
		{"ssh", frame(22, 50000, "SSH-2.0-dropbear\r\n"), 0, false, false},
		{"short", []byte{1, 2, 3}, 0, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			port, req, ans := classifyHTTP(tt.f)
			if port != tt.port || req != tt.request || ans != tt.answer {
				t.Errorf("classifyHTTP = %d, %v, %v; want %d, %v, %v", port, req, ans, tt.port, tt.request, tt.answer)
			}
		})
	}
}
