package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"strconv"
	"strings"
	"time"
)

// A tiny HTTP/1.0 client. net/http would work too, but it triples the binary
// and the cold compile time of every image build; the metadata service needs
// nothing beyond one request per connection.

// response is what the metadata service answered.
type response struct {
	status int
	header textproto.MIMEHeader
	body   []byte
}

// maxBody bounds what we read: user data is at most 16 KiB, metadata smaller.
const maxBody = 1 << 20

// roundTrip sends one request on a fresh connection and reads the whole reply.
// HTTP/1.0 makes the server close the connection after the body, so no
// keep-alive or (normally) chunked encoding is involved.
func roundTrip(addr, method, path string, header [][2]string, timeout time.Duration) (*response, error) {
	conn, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(timeout)); err != nil {
		return nil, err
	}
	var req bytes.Buffer
	host, _, _ := net.SplitHostPort(addr)
	fmt.Fprintf(&req, "%s %s HTTP/1.0\r\nHost: %s\r\nUser-Agent: kumo-guest-agent\r\n", method, path, host)
	for _, h := range header {
		fmt.Fprintf(&req, "%s: %s\r\n", h[0], h[1])
	}
	if method == "PUT" {
		req.WriteString("Content-Length: 0\r\n")
	}
	req.WriteString("\r\n")
	if _, err := conn.Write(req.Bytes()); err != nil {
		return nil, err
	}
	return readResponse(bufio.NewReader(conn))
}

// readResponse parses a status line, headers and body from r.
func readResponse(r *bufio.Reader) (*response, error) {
	tp := textproto.NewReader(r)
	line, err := tp.ReadLine()
	if err != nil {
		return nil, fmt.Errorf("read status line: %w", err)
	}
	proto, rest, ok := strings.Cut(line, " ")
	if !ok || !strings.HasPrefix(proto, "HTTP/") {
		return nil, fmt.Errorf("bad status line %q", line)
	}
	code, _, _ := strings.Cut(rest, " ")
	status, err := strconv.Atoi(code)
	if err != nil {
		return nil, fmt.Errorf("bad status line %q", line)
	}
	hdr, err := tp.ReadMIMEHeader()
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("read headers: %w", err)
	}
	var body io.Reader = io.LimitReader(r, maxBody)
	if n, err := strconv.ParseInt(hdr.Get("Content-Length"), 10, 64); err == nil && n <= maxBody {
		body = io.LimitReader(r, n)
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	if strings.EqualFold(hdr.Get("Transfer-Encoding"), "chunked") {
		if b, err = unchunk(b); err != nil {
			return nil, err
		}
	}
	return &response{status: status, header: hdr, body: b}, nil
}

// unchunk decodes a chunked body, in case a server answers HTTP/1.0 with it
// anyway.
func unchunk(b []byte) ([]byte, error) {
	var out []byte
	for {
		line, rest, ok := bytes.Cut(b, []byte("\r\n"))
		if !ok {
			return nil, errors.New("truncated chunked body")
		}
		sz, _, _ := bytes.Cut(line, []byte(";"))
		n, err := strconv.ParseUint(strings.TrimSpace(string(sz)), 16, 32)
		if err != nil {
			return nil, fmt.Errorf("bad chunk size %q", line)
		}
		if n == 0 {
			return out, nil
		}
		if uint64(len(rest)) < n+2 {
			return nil, errors.New("truncated chunked body")
		}
		out = append(out, rest[:n]...)
		b = rest[n+2:]
	}
}
