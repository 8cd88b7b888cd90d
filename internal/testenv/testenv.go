// Package testenv starts a real Kumo control plane for tests, in one line:
// embedded etcd in a temp dir, the API on a random loopback port, and clients
// from the real aws-sdk-go-v2 pointed at it.
package testenv

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/kumo-cloud/kumo/internal/awsclient"
	"github.com/kumo-cloud/kumo/internal/clock"
	"github.com/kumo-cloud/kumo/internal/daemon"
)

// Env is a running Kumo for one test.
type Env struct {
	t      testing.TB // the test that started the env: it owns every daemon's cleanup
	Daemon *daemon.Daemon
	Config daemon.Config
	// AccessKeyID and SecretAccessKey are the operator's root credentials.
	AccessKeyID, SecretAccessKey string
	AccountID                    string
}

// Option changes the daemon configuration before start.
type Option func(*daemon.Config)

// WithClock injects a clock.
func WithClock(c clock.Clock) Option { return func(cfg *daemon.Config) { cfg.Clock = c } }

// WithAgent runs the host agent, so launched instances become real VMs. The
// built-in images are cached across tests in one directory under the system
// temp dir, and network names get a prefix unique to the test.
func WithAgent() Option {
	return func(cfg *daemon.Config) {
		cfg.Agent = true
		cfg.ImageDir = filepath.Join(os.TempDir(), "kumo-test-images")
		cfg.NetPrefix = fmt.Sprintf("kt%04d", rand.IntN(10000))
	}
}

// WithConfig changes the daemon configuration directly.
func WithConfig(f func(*daemon.Config)) Option { return Option(f) }

// WithThrottle turns the API rate limits on (they are off in tests by default).
func WithThrottle() Option { return func(cfg *daemon.Config) { cfg.Throttle = true } }

// Start starts Kumo and stops it when the test ends.
func Start(t testing.TB, opts ...Option) *Env {
	t.Helper()
	cfg := daemon.DefaultConfig()
	cfg.Listen = "127.0.0.1:0"
	cfg.DataDir = t.TempDir()
	cfg.Throttle = false
	cfg.Agent = false // API-only unless WithAgent
	cfg.PrebuildImages = false
	cfg.Log = slog.New(slog.DiscardHandler)
	if os.Getenv("KUMO_TEST_LOG") != "" {
		cfg.Log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	for _, o := range opts {
		o(&cfg)
	}
	e := &Env{Config: cfg, t: t}
	if cfg.Agent {
		// Registered first, so it runs last: after the daemon stopped, nothing
		// of this test may stay on the host, even when the test failed
		// half-way with VMs running.
		t.Cleanup(func() { purgeHost(cfg.DataDir, cfg.NetPrefix) })
	}
	e.start(t)
	return e
}

func (e *Env) start(t testing.TB) {
	t.Helper()
	d, err := daemon.Start(context.Background(), e.Config)
	if err != nil {
		t.Fatalf("start kumo: %v", err)
	}
	e.Daemon = d
	e.AccessKeyID, e.SecretAccessKey, e.AccountID = d.RootKey.ID, d.RootKey.Secret, d.Operator.ID
	e.t.Cleanup(func() { d.Close() })
}

// Restart stops the daemon and starts it again on the same data dir and port.
func (e *Env) Restart(t testing.TB) {
	t.Helper()
	addr := e.Daemon.URL[len("http://"):]
	if err := e.Daemon.Close(); err != nil {
		t.Fatalf("stop kumo: %v", err)
	}
	e.Config.Listen = addr
	e.start(t)
}

// URL is the endpoint.
func (e *Env) URL() string { return e.Daemon.URL }

// AWSConfig returns an SDK config for the given credentials (the operator's
// when empty) in region us-east-1.
func (e *Env) AWSConfig(akid, secret string) aws.Config {
	if akid == "" {
		akid, secret = e.AccessKeyID, e.SecretAccessKey
	}
	return aws.Config{
		Region:      e.Config.Regions[0],
		Credentials: credentials.NewStaticCredentialsProvider(akid, secret, ""),
		// Tests assert on errors; the SDK's retries would only slow them down.
		RetryMaxAttempts: 1,
		HTTPClient:       awsclient.HTTPClient(16),
	}
}

// SessionConfig returns an SDK config for temporary credentials: an access
// key id, secret and session token from STS.
func (e *Env) SessionConfig(akid, secret, token string) aws.Config {
	cfg := e.AWSConfig(akid, secret)
	cfg.Credentials = credentials.NewStaticCredentialsProvider(akid, secret, token)
	return cfg
}

// EC2WithSession returns an EC2 client with temporary credentials.
func (e *Env) EC2WithSession(akid, secret, token string) *ec2.Client {
	return ec2.NewFromConfig(e.SessionConfig(akid, secret, token), func(o *ec2.Options) {
		o.BaseEndpoint = aws.String(e.Daemon.URL)
	})
}

// STSWithSession returns an STS client with temporary credentials.
func (e *Env) STSWithSession(akid, secret, token string) *sts.Client {
	return sts.NewFromConfig(e.SessionConfig(akid, secret, token), func(o *sts.Options) {
		o.BaseEndpoint = aws.String(e.Daemon.URL)
	})
}

// IAMWithSession returns an IAM client with temporary credentials.
func (e *Env) IAMWithSession(akid, secret, token string) *iam.Client {
	return iam.NewFromConfig(e.SessionConfig(akid, secret, token), func(o *iam.Options) {
		o.BaseEndpoint = aws.String(e.Daemon.URL)
	})
}

// EC2 returns an EC2 client with the operator's credentials.
func (e *Env) EC2(opts ...func(*ec2.Options)) *ec2.Client {
	return ec2.NewFromConfig(e.AWSConfig("", ""), append([]func(*ec2.Options){func(o *ec2.Options) {
		o.BaseEndpoint = aws.String(e.Daemon.URL)
	}}, opts...)...)
}

// EC2As returns an EC2 client with the given credentials.
func (e *Env) EC2As(akid, secret string) *ec2.Client {
	return ec2.NewFromConfig(e.AWSConfig(akid, secret), func(o *ec2.Options) {
		o.BaseEndpoint = aws.String(e.Daemon.URL)
	})
}

// NewAccount creates another (non-operator) account and returns an EC2
// client with its root credentials.
func (e *Env) NewAccount(t testing.TB, name string) *ec2.Client {
	t.Helper()
	c, _ := e.NewAccountWithID(t, name)
	return c
}

// NewAccountWithID is NewAccount that also returns the account's id.
func (e *Env) NewAccountWithID(t testing.TB, name string) (*ec2.Client, string) {
	t.Helper()
	a := e.CreateAccount(t, name)
	return e.EC2As(a.AccessKeyID, a.Secret), a.ID
}

// User creates an IAM user of the operator's account with one inline policy
// and returns an EC2 client with its access key, for tests of what a
// policy allows.
func (e *Env) User(t testing.TB, name, policy string) *ec2.Client {
	t.Helper()
	ctx, admin := context.Background(), e.IAM()
	if _, err := admin.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String(name), PolicyName: aws.String("p"),
		PolicyDocument: aws.String(policy)}); err != nil {
		t.Fatal(err)
	}
	k, err := admin.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	return e.EC2As(aws.ToString(k.AccessKey.AccessKeyId), aws.ToString(k.AccessKey.SecretAccessKey))
}

// Account is an account made by CreateAccount, with its root credentials.
type Account struct {
	ID, AccessKeyID, Secret string
}

// CreateAccount creates another (non-operator) account.
func (e *Env) CreateAccount(t testing.TB, name string) Account {
	t.Helper()
	acct, key, err := e.Daemon.Accounts.Create(context.Background(), name, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	return Account{ID: acct.ID, AccessKeyID: key.ID, Secret: key.Secret}
}

// Code returns the AWS error code of an SDK error ("" for nil or another error).
func Code(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// Eventually retries check for up to 10 seconds until it returns "", and
// fails the test with its last answer otherwise (for effects that are
// eventually consistent, as on AWS).
func Eventually(t testing.TB, check func() string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		msg := check()
		if msg == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal(msg)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// STS returns an STS client with the operator's credentials.
func (e *Env) STS() *sts.Client { return e.STSAs("", "") }

// STSAs returns an STS client with the given credentials (the operator's
// when empty).
func (e *Env) STSAs(akid, secret string) *sts.Client {
	return sts.NewFromConfig(e.AWSConfig(akid, secret), func(o *sts.Options) {
		o.BaseEndpoint = aws.String(e.Daemon.URL)
	})
}

// IAM returns an IAM client with the operator's credentials.
func (e *Env) IAM() *iam.Client { return e.IAMAs("", "") }

// IAMAs returns an IAM client with the given credentials (the operator's
// when empty).
func (e *Env) IAMAs(akid, secret string) *iam.Client {
	return iam.NewFromConfig(e.AWSConfig(akid, secret), func(o *iam.Options) {
		o.BaseEndpoint = aws.String(e.Daemon.URL)
	})
}

// purgeHost kills the VMs whose files live under dataDir and removes the network
// namespaces and host links named with prefix.
func purgeHost(dataDir, prefix string) {
	_ = exec.Command("pkill", "-9", "-f", "qemu-system.*"+dataDir+"/").Run()
	out, _ := exec.Command("ip", "netns", "list").Output()
	for _, line := range strings.Split(string(out), "\n") {
		name, _, _ := strings.Cut(line, " ")
		if strings.HasPrefix(name, prefix+"-") {
			_ = exec.Command("ip", "netns", "del", name).Run()
			_ = exec.Command("ip", "link", "del", name).Run()
		}
	}
}
