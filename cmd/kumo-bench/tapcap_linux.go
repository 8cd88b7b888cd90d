package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// tapCapture watches a VM's tap from the host side while the guest times
// metadata requests, and records for each GET how long the host took to put
// the answer on the tap after the request came off it: kumo's metadata server
// plus the VPC namespace's network path. Whatever else the guest measured was
// spent in the guest and in QEMU. Timestamps are the kernel's
// (SO_TIMESTAMPNS), so the harness's own scheduling does not enter them.
type tapCapture struct {
	fd   int
	skip int // GETs not to time at the start of each connection (the guest's warm-up)
	stop atomic.Bool
	done chan struct{}
	us   []float64 // per answered GET, µs; read after done is closed
}

// startTapCapture opens a packet socket on the tap of QEMU pid, inside the
// network namespace that QEMU runs in; the first skip GETs of each
// connection are not timed.
func startTapCapture(pid, skip int) (*tapCapture, error) {
	tap := qemuTap(pid)
	if tap == "" {
		return nil, fmt.Errorf("capture: no tap in the command line of qemu %d", pid)
	}
	type opened struct {
		fd  int
		err error
	}
	ch := make(chan opened, 1)
	go func() {
		// Never unlocked: a thread moved into another network namespace
		// must not run other goroutines, so Go ends it with this one.
		runtime.LockOSThread()
		fd, err := packetSocket(pid, tap)
		ch <- opened{fd, err}
	}()
	o := <-ch
	if o.err != nil {
		return nil, fmt.Errorf("capture on %s: %w", tap, o.err)
	}
	c := &tapCapture{fd: o.fd, skip: skip, done: make(chan struct{})}
	go c.read()
	return c, nil
}

// packetSocket must run on a locked thread: it moves the thread into pid's
// network namespace. The socket stays bound to the tap wherever it is used.
func packetSocket(pid int, tap string) (int, error) {
	ns, err := os.Open(fmt.Sprintf("/proc/%d/ns/net", pid))
	if err != nil {
		return -1, err
	}
	defer ns.Close()
	if err := unix.Setns(int(ns.Fd()), unix.CLONE_NEWNET); err != nil {
		return -1, fmt.Errorf("setns: %w", err)
	}
	ifi, err := net.InterfaceByName(tap)
	if err != nil {
		return -1, err
	}
	proto := int(htons(unix.ETH_P_ALL))
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, proto)
	if err != nil {
		return -1, fmt.Errorf("packet socket: %w", err)
	}
	err = unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: uint16(proto), Ifindex: ifi.Index})
	if err == nil {
		err = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_TIMESTAMPNS, 1)
	}
	if err == nil {
		// Wakes read now and then to see whether it should stop.
		err = unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &unix.Timeval{Usec: 100_000})
	}
	if err != nil {
		unix.Close(fd)
		return -1, err
	}
	return fd, nil
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

// qemuTap is the ifname of the first "-netdev tap,…,ifname=X,…".
func qemuTap(pid int) string {
	for _, opt := range strings.Split(cmdlineValue(cmdline(pid), "-netdev"), ",") {
		if v, ok := strings.CutPrefix(opt, "ifname="); ok {
			return v
		}
	}
	return ""
}

// read pairs each GET to port 80 with the next answer on the same
// connection. Only the headers and the first bytes of payload are read.
func (c *tapCapture) read() {
	defer close(c.done)
	buf := make([]byte, 256)
	oob := make([]byte, 128)
	asked := map[uint16]int64{} // guest's port → ns the GET came off the tap
	gets := map[uint16]int{}    // guest's port → GETs seen on that connection
	for !c.stop.Load() {
		n, oobn, _, _, err := unix.Recvmsg(c.fd, buf, oob, 0)
		if errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return
		}
		ts, ok := kernelTime(oob[:oobn])
		if !ok {
			continue
		}
		port, request, answer := classifyHTTP(buf[:n])
		switch {
		case request:
			if gets[port]++; gets[port] > c.skip {
				asked[port] = ts
			}
		case answer:
			if t0, ok := asked[port]; ok {
				c.us = append(c.us, float64(ts-t0)/1e3)
				delete(asked, port)
			}
		}
	}
}

// finish stops the capture and returns the sorted turnaround times in µs.
func (c *tapCapture) finish() []float64 {
	c.stop.Store(true)
	<-c.done
	unix.Close(c.fd)
	slices.Sort(c.us)
	return c.us
}

// kernelTime is the SCM_TIMESTAMPNS of a received packet, in ns.
func kernelTime(oob []byte) (int64, bool) {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return 0, false
	}
	for _, m := range msgs {
		if m.Header.Level == unix.SOL_SOCKET && m.Header.Type == unix.SCM_TIMESTAMPNS && len(m.Data) >= 16 {
			sec := int64(binary.NativeEndian.Uint64(m.Data[0:8]))
			nsec := int64(binary.NativeEndian.Uint64(m.Data[8:16]))
			return sec*1e9 + nsec, true
		}
	}
	return 0, false
}

// classifyHTTP looks at an Ethernet frame: an IPv4 TCP segment to port 80
// whose payload starts "GET " is a request, one from port 80 starting
// "HTTP/" an answer; port is the guest's end of the connection.
func classifyHTTP(f []byte) (port uint16, request, answer bool) {
	if len(f) < 14+20 || binary.BigEndian.Uint16(f[12:14]) != 0x0800 {
		return 0, false, false
	}
	ip := f[14:]
	ihl := int(ip[0]&0x0f) * 4
	if ip[9] != unix.IPPROTO_TCP || ihl < 20 || len(ip) < ihl+20 {
		return 0, false, false
	}
	total := int(binary.BigEndian.Uint16(ip[2:4]))
	tcp := ip[ihl:]
	src, dst := binary.BigEndian.Uint16(tcp[0:2]), binary.BigEndian.Uint16(tcp[2:4])
	off := int(tcp[12]>>4) * 4
	if total-ihl-off <= 0 || len(tcp) < off+5 {
		return 0, false, false
	}
	payload := tcp[off:]
	switch {
	case dst == 80 && string(payload[:4]) == "GET ":
		return src, true, false
	case src == 80 && string(payload[:5]) == "HTTP/":
		return dst, false, true
	}
	return 0, false, false
}
