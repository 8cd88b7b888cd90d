package imds

import (
	"fmt"
	"net"
	"syscall"
)

// setHopLimit sets the TTL of the packets the connection sends from now on.
// IP_TTL also governs IPv4 traffic on a dual-stack socket (v4-mapped
// clients); a real IPv6 connection (fd00:ec2::254) needs the hop limit too.
// It stays set for the rest of the connection, which only ever narrows who
// can read later replies on it.
func setHopLimit(c net.Conn, hops int) error {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return fmt.Errorf("set hop limit: %T has no socket", c)
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return fmt.Errorf("set hop limit: %w", err)
	}
	v6 := false
	if la, ok := c.LocalAddr().(*net.TCPAddr); ok && la.IP.To4() == nil {
		v6 = true
	}
	var serr error
	err = rc.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_IP, syscall.IP_TTL, hops)
		if serr == nil && v6 {
			serr = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_IPV6, syscall.IPV6_UNICAST_HOPS, hops)
		}
	})
	if err == nil {
		err = serr
	}
	if err != nil {
		return fmt.Errorf("set hop limit %d: %w", hops, err)
	}
	return nil
}
