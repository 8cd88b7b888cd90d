package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"time"
)

// "tcp-sink" and "tcp-send" are for kumo-bench's security-group rows: a
// listener the host and other instances connect to, and a bulk sender that
// measures instance-to-instance TCP throughput.
//
//	kumo-guest-agent tcp-sink 5201 5202
//
// listens on every port given, prints one line once all of them listen,
//
//	listening ports=5201,5202
//
// and then accepts connections forever, reading and discarding what they
// send and closing each at end of stream.
//
//	kumo-guest-agent tcp-send 10.0.1.5:5201 3
//
// connects, writes zeros for 3 seconds, half-closes and waits until the sink
// has read everything and closed, then prints one line of key=value pairs:
//
//	bytes=301989888 seconds=3.004 mbit_per_s=804.2
//
// seconds runs from the connect to the sink's close, so bytes that were still
// in the socket buffers when the writing stopped are counted with the time
// they took to arrive.

const (
	tcpSinkUsage = "usage: kumo-guest-agent tcp-sink PORT..."
	tcpSendUsage = "usage: kumo-guest-agent tcp-send HOST:PORT SECONDS"
)

// sendBuf is the size of each write; large enough that syscalls do not
// dominate in an emulated guest.
const sendBuf = 256 << 10

func tcpSinkMain(args []string, stdout io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, tcpSinkUsage)
		return exitUsage
	}
	var ls []net.Listener
	for _, a := range args {
		port, err := strconv.ParseUint(a, 10, 16)
		if err != nil || port == 0 {
			fmt.Fprintln(os.Stderr, tcpSinkUsage)
			return exitUsage
		}
		l, err := net.Listen("tcp", net.JoinHostPort("", a))
		if err != nil {
			fmt.Fprintf(os.Stderr, "tcp-sink: %v\n", err)
			return exitUnreachable
		}
		ls = append(ls, l)
	}
	fmt.Fprintf(stdout, "listening ports=%s\n", strings.Join(args, ","))
	errs := make(chan error, len(ls))
	for _, l := range ls {
		go func() { errs <- sink(l) }()
	}
	err := <-errs
	fmt.Fprintf(os.Stderr, "tcp-sink: %v\n", err)
	return exitUnreachable
}

// sink accepts on l until it fails, discarding what each connection sends.
func sink(l net.Listener) error {
	for {
		c, err := l.Accept()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return err
		}
		go func() {
			defer c.Close()
			_, _ = io.Copy(io.Discard, c)
		}()
	}
}

func tcpSendMain(args []string, stdout io.Writer) int {
	if len(args) != 2 {
		fmt.Fprintln(os.Stderr, tcpSendUsage)
		return exitUsage
	}
	secs, err := strconv.ParseFloat(args[1], 64)
	if err != nil || secs <= 0 {
		fmt.Fprintln(os.Stderr, tcpSendUsage)
		return exitUsage
	}
	n, took, err := tcpSend(args[0], time.Duration(secs*float64(time.Second)))
	if err != nil {
		fmt.Fprintf(os.Stderr, "tcp-send: %v\n", err)
		return exitUnreachable
	}
	fmt.Fprintf(stdout, "bytes=%d seconds=%.3f mbit_per_s=%.1f\n",
		n, took.Seconds(), float64(n)*8/1e6/took.Seconds())
	return exitOK
}

// tcpSend writes zeros to addr for d and returns the bytes written and the
// time from the connect until the receiver closed after reading them all.
func tcpSend(addr string, d time.Duration) (int64, time.Duration, error) {
	start := time.Now()
	conn, err := net.DialTimeout("tcp", addr, attemptTimeout)
	if err != nil {
		return 0, 0, fmt.Errorf("connect %s: %w", addr, err)
	}
	defer conn.Close()
	tc, ok := conn.(*net.TCPConn)
	if !ok {
		return 0, 0, fmt.Errorf("connect %s: not a TCP connection", addr)
	}
	if err := tc.SetWriteDeadline(start.Add(d)); err != nil {
		return 0, 0, err
	}
	buf := make([]byte, sendBuf)
	var n int64
	for {
		w, err := tc.Write(buf)
		n += int64(w)
		if err == nil {
			continue
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			break
		}
		return n, 0, fmt.Errorf("write to %s after %d bytes: %w", addr, n, err)
	}
	if err := tc.CloseWrite(); err != nil {
		return n, 0, fmt.Errorf("half-close %s: %w", addr, err)
	}
	// The sink closes once it has read to the end: then every byte arrived.
	if err := tc.SetReadDeadline(time.Now().Add(attemptTimeout + d)); err != nil {
		return n, 0, err
	}
	if _, err := io.Copy(io.Discard, tc); err != nil {
		return n, 0, fmt.Errorf("wait for %s to read everything: %w", addr, err)
	}
	return n, time.Since(start), nil
}
