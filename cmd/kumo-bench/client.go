package main

import (
	"io"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
)

// newEC2Client returns one EC2 client, safe for concurrent use, that every
// row shares. The config is built by hand rather than loaded so that nothing
// from ~/.aws or the environment changes what is measured.
func newEC2Client(s *server, concurrency int) *ec2.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	// Keep one idle connection per client and then some: with Go's default of
	// 2 per host, concurrent clients would keep opening and closing
	// connections, and the throughput rows would measure TCP setup.
	tr.MaxIdleConns = 2*concurrency + 16
	tr.MaxIdleConnsPerHost = 2*concurrency + 16
	tr.Proxy = nil // loopback; an HTTP_PROXY in the environment must not interfere

	cfg := aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider(s.accessKeyID, s.secretAccess, ""),
		HTTPClient:  plainBodyClient{&http.Client{Transport: tr, Timeout: 30 * time.Second}},
		// A retried call would hide an error and skew its latency sample.
		RetryMaxAttempts: 1,
	}
	return ec2.NewFromConfig(cfg, func(o *ec2.Options) {
		o.BaseEndpoint = aws.String(s.url)
	})
}

// plainBodyClient hides the io.WriterTo of the SDK's request bodies.
//
// smithy-go closes a request body as soon as client.Do returns, and its
// closed body's WriteTo returns io.EOF. Against a server as fast as Kumo on
// loopback, net/http's write loop is often still doing its final read of that
// body; it takes the io.EOF for a write error and closes the connection, so
// the response being read fails with "use of closed network connection"
// (aws/aws-sdk-go-v2#1825, #2737; the SDK's answer is to retry, which
// RetryMaxAttempts 1 turns off). Measured here: without this wrapper about
// one DescribeRegions call in eight redials, and DescribeInstanceTypes fails
// within a few dozen calls. Read on a closed body returns io.EOF too, which
// io.Copy treats as the end it is.
type plainBodyClient struct{ c *http.Client }

func (p plainBodyClient) Do(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		r.Body = struct{ io.ReadCloser }{r.Body}
	}
	return p.c.Do(r)
}
