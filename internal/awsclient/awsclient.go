// Package awsclient holds what Kumo's own Go clients (tests, benchmarks) need
// to talk to a Kumo endpoint with aws-sdk-go-v2 reliably.
package awsclient

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"time"
)

// HTTPClient returns an HTTP client for the SDK that keeps idle connections to
// a loopback endpoint (maxIdle of them) and works around an SDK bug.
//
// smithy-go closes a request body as soon as client.Do returns, and its
// closed body's WriteTo returns io.EOF. Against a server as fast as Kumo on
// loopback, net/http's write loop is often still doing its final read of that
// body; it takes the io.EOF for a write error and closes the connection, so
// the response being read fails with "use of closed network connection"
// (aws/aws-sdk-go-v2#1825, #2737; the SDK's answer is to retry). Hiding the
// body's io.WriterTo avoids it: Read on a closed body returns io.EOF too,
// which io.Copy treats as the end it is.
func HTTPClient(maxIdle int) interface {
	Do(*http.Request) (*http.Response, error)
} {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns, tr.MaxIdleConnsPerHost = maxIdle, maxIdle
	tr.Proxy = nil // loopback; an HTTP_PROXY in the environment must not interfere
	return plainBodyClient{&http.Client{Transport: tr, Timeout: 60 * time.Second}}
}

type plainBodyClient struct{ c *http.Client }

// Do sends r. It also reads the whole answer before returning: the same early
// close can otherwise cut a large response while the SDK decodes it.
func (p plainBodyClient) Do(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		r.Body = struct{ io.ReadCloser }{r.Body}
	}
	resp, err := p.c.Do(r)
	if err != nil {
		return resp, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("read response body: %w", err)
	}
	resp.Body = io.NopCloser(bytes.NewReader(b))
	return resp, nil
}
