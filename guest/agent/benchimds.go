package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// "bench-imds" is for kumo-bench: it measures the metadata service as a guest
// sees it. One IMDSv2 token, then timed GETs over one keep-alive HTTP/1.1
// connection, as the AWS SDKs do, so the numbers are the service and the
// network path rather than TCP setup. It prints one line of key=value pairs,
// times in microseconds:
//
//	n=2000 p50_us=812 p99_us=1540 min_us=603 max_us=2950
//
// and exits non-zero if any answer is not a 200 with the same non-empty body.

const benchIMDSUsage = "usage: kumo-guest-agent bench-imds [-addr host:port] [-path PATH] [-warmup N] N"

func benchIMDSMain(args []string, stdout io.Writer) int {
	fs := flag.NewFlagSet("bench-imds", flag.ContinueOnError)
	addr := fs.String("addr", "169.254.169.254:80", "metadata service address")
	path := fs.String("path", "meta-data/instance-id", "metadata path to GET, relative to /latest/")
	warmup := fs.Int("warmup", 20, "untimed GETs before the timed ones")
	if err := fs.Parse(args); err != nil || fs.NArg() != 1 || *warmup < 0 {
		fmt.Fprintln(os.Stderr, benchIMDSUsage)
		return exitUsage
	}
	n, err := strconv.Atoi(fs.Arg(0))
	if err != nil || n < 1 {
		fmt.Fprintln(os.Stderr, benchIMDSUsage)
		return exitUsage
	}
	us, err := benchIMDS(*addr, "/latest/"+strings.TrimPrefix(*path, "/"), *warmup, n)
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench-imds: %v\n", err)
		return exitUnreachable
	}
	slices.Sort(us)
	fmt.Fprintf(stdout, "n=%d p50_us=%d p99_us=%d min_us=%d max_us=%d\n",
		n, nearestRank(us, 0.50), nearestRank(us, 0.99), us[0], us[len(us)-1])
	return exitOK
}

// benchIMDS returns the latency of each of n timed GETs of path, in µs.
func benchIMDS(addr, path string, warmup, n int) ([]int64, error) {
	conn, err := net.DialTimeout("tcp", addr, attemptTimeout)
	if err != nil {
		return nil, fmt.Errorf("connect %s: %w", addr, err)
	}
	defer conn.Close()
	host, _, _ := net.SplitHostPort(addr)
	kc := &keepAliveConn{conn: conn, r: bufio.NewReader(conn), host: host}

	resp, err := kc.do("PUT", "/latest/api/token", [][2]string{{"X-aws-ec2-metadata-token-ttl-seconds", "21600"}})
	if err != nil {
		return nil, fmt.Errorf("token PUT: %w", err)
	}
	if resp.status != 200 || len(bytes.TrimSpace(resp.body)) == 0 {
		return nil, fmt.Errorf("token PUT: HTTP %d, %d bytes", resp.status, len(resp.body))
	}
	hdr := [][2]string{{"X-aws-ec2-metadata-token", strings.TrimSpace(string(resp.body))}}

	var first []byte
	us := make([]int64, 0, n)
	for i := range warmup + n {
		t0 := time.Now()
		resp, err := kc.do("GET", path, hdr)
		d := time.Since(t0)
		if err != nil {
			return nil, fmt.Errorf("GET %s #%d: %w", path, i+1, err)
		}
		switch {
		case resp.status != 200:
			return nil, fmt.Errorf("GET %s #%d: HTTP %d", path, i+1, resp.status)
		case len(resp.body) == 0:
			return nil, fmt.Errorf("GET %s #%d: empty answer", path, i+1)
		case first == nil:
			first = resp.body
		case !bytes.Equal(resp.body, first):
			return nil, fmt.Errorf("GET %s #%d: answer %q, earlier %q", path, i+1, resp.body, first)
		}
		if i >= warmup {
			us = append(us, d.Microseconds())
		}
	}
	return us, nil
}

// keepAliveConn sends HTTP/1.1 requests one after another on one connection.
// roundTrip's HTTP/1.0 would measure a TCP handshake per request.
type keepAliveConn struct {
	conn net.Conn
	r    *bufio.Reader
	host string
	buf  bytes.Buffer
}

// errClosed means the server ended the keep-alive connection.
var errClosed = errors.New("server closed the keep-alive connection")

func (k *keepAliveConn) do(method, path string, header [][2]string) (*response, error) {
	if err := k.conn.SetDeadline(time.Now().Add(attemptTimeout)); err != nil {
		return nil, err
	}
	k.buf.Reset()
	fmt.Fprintf(&k.buf, "%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: kumo-guest-agent\r\n", method, path, k.host)
	for _, h := range header {
		fmt.Fprintf(&k.buf, "%s: %s\r\n", h[0], h[1])
	}
	if method == "PUT" {
		k.buf.WriteString("Content-Length: 0\r\n")
	}
	k.buf.WriteString("\r\n")
	if _, err := k.conn.Write(k.buf.Bytes()); err != nil {
		return nil, err
	}
	// readResponse reads exactly Content-Length bytes; without one it would
	// read to the end of the connection, which a keep-alive answer never has
	// (the deadline above turns that into an error).
	resp, err := readResponse(k.r)
	if err != nil {
		return nil, err
	}
	if resp.header.Get("Content-Length") == "" {
		return nil, errors.New("answer without Content-Length cannot share a connection")
	}
	if strings.EqualFold(resp.header.Get("Connection"), "close") {
		return resp, errClosed
	}
	return resp, nil
}

// nearestRank is the nearest-rank percentile of sorted samples, as
// kumo-bench computes its own.
func nearestRank(sorted []int64, q float64) int64 {
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}
