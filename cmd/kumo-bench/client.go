package main

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/kumo-cloud/kumo/internal/awsclient"
)

// newEC2Client returns one EC2 client, safe for concurrent use, that every
// row shares. The config is built by hand rather than loaded so that nothing
// from ~/.aws or the environment changes what is measured.
func newEC2Client(s *server, concurrency int) *ec2.Client {
	cfg := aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider(s.accessKeyID, s.secretAccess, ""),
		// Keep one idle connection per client and then some: with Go's default
		// of 2 per host, concurrent clients would keep opening and closing
		// connections, and the throughput rows would measure TCP setup.
		HTTPClient: awsclient.HTTPClient(2*concurrency + 16),
		// A retried call would hide an error and skew its latency sample.
		RetryMaxAttempts: 1,
	}
	return ec2.NewFromConfig(cfg, func(o *ec2.Options) {
		o.BaseEndpoint = aws.String(s.url)
	})
}
