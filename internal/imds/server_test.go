package imds

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/kumo-cloud/kumo/internal/clock"
)

var t0 = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

const (
	ipA = "10.0.1.10"
	ipB = "10.0.1.11"
)

// fullInstance has every optional part set, so crawls see the whole tree.
func fullInstance() *Instance {
	rebalance := t0.Add(time.Hour)
	return &Instance{
		AccountID: "123456789012", Region: "us-east-1",
		AvailabilityZone: "us-east-1a", AvailabilityZoneID: "use1-az1",
		InstanceID: "i-0123456789abcdef0", InstanceType: "t3.micro",
		ImageID: "ami-0abcdef1234567890", ReservationID: "r-0123456789abcdef0",
		LaunchTime: t0, Architecture: "x86_64",
		LocalIPv4: ipA, PublicIPv4: "203.0.113.7", MAC: "0e:11:22:33:44:55",
		LocalHostname:  "ip-10-0-1-10.ec2.internal",
		PublicHostname: "ec2-203-0-113-7.compute-1.amazonaws.com",
		SecurityGroups: []string{"default", "web"}, SecurityGroupIDs: []string{"sg-0aaa", "sg-0bbb"},
		InterfaceID: "eni-0123", SubnetID: "subnet-0123", SubnetCIDR: "10.0.1.0/24",
		VPCID: "vpc-0123", VPCCIDR: "10.0.0.0/16",
		BlockDevices:   map[string]string{"ami": "/dev/xvda", "root": "/dev/xvda", "ebs1": "/dev/xvdb"},
		PublicKeys:     []PublicKey{{Name: "my-key", OpenSSH: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA my-key"}},
		UserData:       []byte("#cloud-config\nruncmd: [true]\n"),
		HopLimit:       2,
		TagsInMetadata: true, InstanceTags: map[string]string{"Name": "web-1", "env": "prod"},
		IAM: &IAMInfo{
			InstanceProfileArn: "arn:aws:iam::123456789012:instance-profile/web",
			InstanceProfileID:  "AIPAEXAMPLE", RoleName: "web-role",
			Credentials: func(context.Context) (Credentials, error) {
				return Credentials{AccessKeyID: "ASIAEXAMPLE", SecretAccessKey: "secret/key", Token: "tok+en==",
					Expiration: t0.Add(6 * time.Hour), LastUpdated: t0}, nil
			},
		},
		Spot:        true,
		SpotAction:  &SpotAction{Action: "terminate", Time: t0.Add(2 * time.Minute)},
		RebalanceAt: &rebalance,
	}
}

// bareInstance has only what every instance has.
func bareInstance() *Instance {
	return &Instance{
		AccountID: "123456789012", Region: "eu-west-1", AvailabilityZone: "eu-west-1b",
		InstanceID: "i-0fedcba9876543210", InstanceType: "m5.large", ImageID: "ami-0bbbb",
		ReservationID: "r-0bbbb", LaunchTime: t0, LocalIPv4: ipB, MAC: "0e:aa:bb:cc:dd:ee",
		LocalHostname: "ip-10-0-1-11.eu-west-1.compute.internal", InterfaceID: "eni-0b",
		SubnetID: "subnet-0b", SubnetCIDR: "10.0.1.0/24", VPCID: "vpc-0123", VPCCIDR: "10.0.0.0/16",
		BlockDevices: map[string]string{"ami": "/dev/xvda", "root": "/dev/xvda"},
	}
}

type fixture struct {
	srv   *Server
	clk   *clock.Fake
	insts map[netip.Addr]*Instance
	err   error // returned by lookup when set
}

func newFixture(t testing.TB, insts ...*Instance) *fixture {
	t.Helper()
	f := &fixture{clk: clock.NewFake(t0), insts: map[netip.Addr]*Instance{}}
	for _, in := range insts {
		f.insts[netip.MustParseAddr(in.LocalIPv4)] = in
	}
	lookup := func(_ context.Context, src netip.Addr) (*Instance, error) {
		if f.err != nil {
			return nil, f.err
		}
		in, ok := f.insts[src]
		if !ok {
			return nil, ErrUnknownCaller
		}
		return in, nil
	}
	f.srv = NewServer(lookup, f.clk, testSigner(t), slog.New(slog.DiscardHandler))
	return f
}

// do sends one request from src through Handler.
func (f *fixture) do(t testing.TB, src, method, path string, hdr ...string) *http.Response {
	t.Helper()
	r := httptest.NewRequest(method, "http://169.254.169.254"+path, nil)
	r.RemoteAddr = src + ":40000"
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	f.srv.Handler().ServeHTTP(w, r)
	return w.Result()
}

func (f *fixture) token(t testing.TB, src string, ttl string) string {
	t.Helper()
	resp := f.do(t, src, http.MethodPut, "/latest/api/token", "X-aws-ec2-metadata-token-ttl-seconds", ttl)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("PUT token from %s: status %d", src, resp.StatusCode)
	}
	return body(t, resp)
}

func body(t testing.TB, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestTokenPut(t *testing.T) {
	const ttlH = "X-aws-ec2-metadata-token-ttl-seconds"
	tests := []struct {
		name   string
		method string
		path   string
		hdr    []string
		want   int
	}{
		{"min ttl", "PUT", "/latest/api/token", []string{ttlH, "1"}, 200},
		{"max ttl", "PUT", "/latest/api/token", []string{ttlH, "21600"}, 200},
		{"missing ttl", "PUT", "/latest/api/token", nil, 400},
		{"zero ttl", "PUT", "/latest/api/token", []string{ttlH, "0"}, 400},
		{"ttl too long", "PUT", "/latest/api/token", []string{ttlH, "21601"}, 400},
		{"negative ttl", "PUT", "/latest/api/token", []string{ttlH, "-5"}, 400},
		{"signed ttl", "PUT", "/latest/api/token", []string{ttlH, "+5"}, 400},
		{"text ttl", "PUT", "/latest/api/token", []string{ttlH, "six hours"}, 400},
		{"forwarded", "PUT", "/latest/api/token", []string{ttlH, "60", "X-Forwarded-For", "192.0.2.1"}, 403},
		{"empty forwarded", "PUT", "/latest/api/token", []string{ttlH, "60", "X-Forwarded-For", ""}, 403},
		{"get token", "GET", "/latest/api/token", []string{ttlH, "60"}, 405},
		{"post token", "POST", "/latest/api/token", []string{ttlH, "60"}, 405},
		{"put elsewhere", "PUT", "/latest/meta-data/instance-id", []string{ttlH, "60"}, 405},
	}
	f := newFixture(t, fullInstance())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := f.do(t, ipA, tt.method, tt.path, tt.hdr...)
			if resp.StatusCode != tt.want {
				t.Fatalf("status = %d, want %d", resp.StatusCode, tt.want)
			}
			if tt.want != 200 {
				if got := resp.Header.Get(ttlH); got != "" {
					t.Errorf("error reply echoes TTL %q", got)
				}
				return
			}
			if got, want := resp.Header.Get(ttlH), tt.hdr[1]; got != want {
				t.Errorf("TTL echo = %q, want %q", got, want)
			}
			if tok := body(t, resp); len(tok) != 56 {
				t.Errorf("token %q has length %d, want 56 like EC2's", tok, len(tok))
			}
		})
	}
}

func TestReadAuthorization(t *testing.T) {
	const tokH = "X-aws-ec2-metadata-token"
	a, b := fullInstance(), bareInstance()
	b.HTTPTokens = TokensRequired
	f := newFixture(t, a, b)
	tokA := f.token(t, ipA, "21600")
	tokB := f.token(t, ipB, "21600")
	tests := []struct {
		name string
		src  string
		hdr  []string
		want int
	}{
		{"v1 when optional", ipA, nil, 200},
		{"v1 when required", ipB, nil, 401},
		{"v2 when optional", ipA, []string{tokH, tokA}, 200},
		{"v2 when required", ipB, []string{tokH, tokB}, 200},
		{"bad token when optional", ipA, []string{tokH, "AQAEAFx0invalid"}, 401},
		{"empty token", ipA, []string{tokH, ""}, 401},
		{"token of A from B", ipB, []string{tokH, tokA}, 401},
		{"token of B from A", ipA, []string{tokH, tokB}, 401},
		{"tampered token", ipA, []string{tokH, tokA[:20] + flip(tokA[20]) + tokA[21:]}, 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := f.do(t, tt.src, "GET", "/latest/meta-data/instance-id", tt.hdr...)
			if resp.StatusCode != tt.want {
				t.Fatalf("status = %d, want %d", resp.StatusCode, tt.want)
			}
		})
	}
}

func flip(c byte) string {
	if c == 'A' {
		return "B"
	}
	return "A"
}

func TestTokenExpiry(t *testing.T) {
	in := bareInstance()
	in.HTTPTokens = TokensRequired
	f := newFixture(t, in)
	tok := f.token(t, ipB, "10")
	get := func() *http.Response {
		return f.do(t, ipB, "GET", "/latest/meta-data/instance-id", "X-aws-ec2-metadata-token", tok)
	}
	f.clk.Advance(3 * time.Second)
	resp := get()
	if resp.StatusCode != 200 {
		t.Fatalf("after 3s: status %d", resp.StatusCode)
	}
	if got := resp.Header.Get("X-Aws-Ec2-Metadata-Token-Ttl-Seconds"); got != "7" {
		t.Errorf("remaining TTL header = %q, want 7", got)
	}
	f.clk.Advance(6*time.Second + 999*time.Millisecond)
	if resp := get(); resp.StatusCode != 200 {
		t.Fatalf("1ms before expiry: status %d", resp.StatusCode)
	}
	f.clk.Advance(time.Millisecond)
	if resp := get(); resp.StatusCode != 401 {
		t.Fatalf("at expiry: status %d, want 401", resp.StatusCode)
	}
	// A fresh token works again.
	tok = f.token(t, ipB, "10")
	if resp := get(); resp.StatusCode != 200 {
		t.Fatalf("new token: status %d", resp.StatusCode)
	}
}

func TestTokenFromOtherServerRejected(t *testing.T) {
	// Tokens are bound to the server's key: a token minted by another Kumo
	// VPC server for the same instance ID does not verify here.
	f1, f2 := newFixture(t, fullInstance()), newFixture(t, fullInstance())
	tok := f1.token(t, ipA, "60")
	if resp := f2.do(t, ipA, "GET", "/latest/meta-data/", "X-aws-ec2-metadata-token", tok); resp.StatusCode != 401 {
		t.Fatalf("status %d, want 401", resp.StatusCode)
	}
}

func TestMethodsAndAccess(t *testing.T) {
	disabled := bareInstance()
	disabled.HTTPEndpoint = EndpointDisabled
	f := newFixture(t, fullInstance(), disabled)
	tests := []struct {
		name        string
		src, method string
		path        string
		hdr         []string
		want        int
	}{
		{"head", ipA, "HEAD", "/latest/meta-data/instance-id", nil, 200},
		{"post", ipA, "POST", "/latest/meta-data/instance-id", nil, 405},
		{"delete", ipA, "DELETE", "/latest/meta-data/", nil, 405},
		{"patch root", ipA, "PATCH", "/", nil, 405},
		{"disabled get", ipB, "GET", "/latest/meta-data/instance-id", nil, 403},
		{"disabled put", ipB, "PUT", "/latest/api/token", []string{"X-aws-ec2-metadata-token-ttl-seconds", "60"}, 403},
		{"disabled root", ipB, "GET", "/", nil, 403},
		{"unknown caller get", "10.0.9.9", "GET", "/latest/meta-data/instance-id", nil, 404},
		{"unknown caller put", "10.0.9.9", "PUT", "/latest/api/token", []string{"X-aws-ec2-metadata-token-ttl-seconds", "60"}, 404},
		{"unknown path", ipA, "GET", "/latest/meta-data/nope", nil, 404},
		{"unknown version", ipA, "GET", "/1999-01-01/meta-data/", nil, 404},
		{"below a leaf", ipA, "GET", "/latest/meta-data/instance-id/more", nil, 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := f.do(t, tt.src, tt.method, tt.path, tt.hdr...)
			if resp.StatusCode != tt.want {
				t.Fatalf("status = %d, want %d", resp.StatusCode, tt.want)
			}
			if got := resp.Header.Get("Server"); got != "EC2ws" {
				t.Errorf("Server = %q, want EC2ws", got)
			}
		})
	}
}

func TestLookupFailure(t *testing.T) {
	f := newFixture(t, fullInstance())
	f.err = errors.New("store unavailable")
	resp := f.do(t, ipA, "GET", "/latest/meta-data/instance-id")
	if resp.StatusCode != 500 {
		t.Fatalf("status %d, want 500", resp.StatusCode)
	}
	if b := body(t, resp); strings.Contains(b, "store") {
		t.Errorf("error page leaks the cause: %s", b)
	}
	f.err = errors.Join(errors.New("wrapped"), ErrUnknownCaller)
	if resp := f.do(t, ipA, "GET", "/latest/meta-data/instance-id"); resp.StatusCode != 404 {
		t.Fatalf("wrapped ErrUnknownCaller: status %d, want 404", resp.StatusCode)
	}
}

func TestErrorPages(t *testing.T) {
	f := newFixture(t, fullInstance())
	resp := f.do(t, ipA, "GET", "/latest/meta-data/nope")
	want404 := `<?xml version="1.0" encoding="iso-8859-1"?>
<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN"
	"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en" lang="en">
 <head>
  <title>404 - Not Found</title>
 </head>
 <body>
  <h1>404 - Not Found</h1>
 </body>
</html>`
	if got := body(t, resp); got != want404 {
		t.Errorf("404 body:\n%s\nwant:\n%s", got, want404)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/html" {
		t.Errorf("404 Content-Type = %q", ct)
	}
	resp = f.do(t, ipA, "GET", "/latest/meta-data/", "X-aws-ec2-metadata-token", "x")
	if b := body(t, resp); !strings.Contains(b, "<title>401 - Unauthorized</title>") {
		t.Errorf("401 body:\n%s", b)
	}
}

func TestCallerFromConnectionOnly(t *testing.T) {
	f := newFixture(t, fullInstance(), bareInstance())
	resp := f.do(t, ipB, "GET", "/latest/meta-data/instance-id",
		"X-Forwarded-For", ipA, "X-Real-Ip", ipA, "Forwarded", "for="+ipA)
	if got := body(t, resp); got != "i-0fedcba9876543210" {
		t.Fatalf("instance-id = %q, want B's own", got)
	}
}
