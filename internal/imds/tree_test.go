package imds

import (
	"context"
	"errors"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"testing"
)

func TestListings(t *testing.T) {
	f := newFixture(t, fullInstance(), bareInstance())
	tests := []struct {
		name, src, path, want string
	}{
		{"root", ipA, "/", strings.Join(versions, "\n")},
		{"version", ipA, "/latest", "dynamic\nmeta-data\nuser-data"},
		{"version slash", ipA, "/2009-04-04/", "dynamic\nmeta-data\nuser-data"},
		{"version without user-data", ipB, "/latest/", "dynamic\nmeta-data"},
		{"meta-data", ipA, "/latest/meta-data/", strings.Join([]string{
			"ami-id", "ami-launch-index", "ami-manifest-path", "block-device-mapping/", "events/",
			"hostname", "iam/", "instance-action", "instance-id", "instance-life-cycle",
			"instance-type", "local-hostname", "local-ipv4", "mac", "network/", "placement/",
			"profile", "public-hostname", "public-ipv4", "public-keys/", "reservation-id",
			"security-groups", "services/", "spot/", "tags/"}, "\n")},
		{"bare meta-data", ipB, "/latest/meta-data", strings.Join([]string{
			"ami-id", "ami-launch-index", "ami-manifest-path", "block-device-mapping/", "events/",
			"hostname", "instance-action", "instance-id", "instance-life-cycle",
			"instance-type", "local-hostname", "local-ipv4", "mac", "network/", "placement/",
			"profile", "reservation-id", "security-groups", "services/"}, "\n")},
		{"block devices", ipA, "/latest/meta-data/block-device-mapping/", "ami\nebs1\nroot"},
		{"events", ipA, "/latest/meta-data/events", "maintenance/\nrecommendations/"},
		{"events bare", ipB, "/latest/meta-data/events/", "maintenance/"},
		{"maintenance", ipA, "/latest/meta-data/events/maintenance/", "history\nscheduled"},
		{"iam", ipA, "/latest/meta-data/iam/", "info\nsecurity-credentials/"},
		{"roles", ipA, "/latest/meta-data/iam/security-credentials/", "web-role"},
		{"network", ipA, "/latest/meta-data/network/", "interfaces/"},
		{"interfaces", ipA, "/latest/meta-data/network/interfaces", "macs/"},
		{"macs", ipA, "/latest/meta-data/network/interfaces/macs/", "0e:11:22:33:44:55/"},
		{"mac", ipA, "/latest/meta-data/network/interfaces/macs/0e:11:22:33:44:55/", strings.Join([]string{
			"device-number", "interface-id", "ipv4-associations/", "local-hostname", "local-ipv4s",
			"mac", "owner-id", "public-hostname", "public-ipv4s", "security-group-ids",
			"security-groups", "subnet-id", "subnet-ipv4-cidr-block", "vpc-id",
			"vpc-ipv4-cidr-block", "vpc-ipv4-cidr-blocks"}, "\n")},
		{"mac without public ip", ipB, "/latest/meta-data/network/interfaces/macs/0e:aa:bb:cc:dd:ee", strings.Join([]string{
			"device-number", "interface-id", "local-hostname", "local-ipv4s",
			"mac", "owner-id", "security-group-ids",
			"security-groups", "subnet-id", "subnet-ipv4-cidr-block", "vpc-id",
			"vpc-ipv4-cidr-block", "vpc-ipv4-cidr-blocks"}, "\n")},
		{"placement", ipA, "/latest/meta-data/placement/", "availability-zone\navailability-zone-id\nregion"},
		{"placement without zone id", ipB, "/latest/meta-data/placement/", "availability-zone\nregion"},
		{"public keys", ipA, "/latest/meta-data/public-keys/", "0=my-key"},
		{"key", ipA, "/latest/meta-data/public-keys/0", "openssh-key"},
		{"services", ipA, "/latest/meta-data/services/", "domain\npartition"},
		{"spot", ipA, "/latest/meta-data/spot/", "instance-action\ntermination-time"},
		{"tags", ipA, "/latest/meta-data/tags/", "instance/"},
		{"instance tags", ipA, "/latest/meta-data/tags/instance", "Name\nenv"},
		{"dynamic", ipA, "/latest/dynamic/", "instance-identity/"},
		{"identity", ipA, "/latest/dynamic/instance-identity/", "document\npkcs7\nrsa2048\nsignature"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := f.do(t, tt.src, "GET", tt.path)
			if resp.StatusCode != 200 {
				t.Fatalf("status %d", resp.StatusCode)
			}
			if got := body(t, resp); got != tt.want {
				t.Errorf("listing:\n%s\nwant:\n%s", got, tt.want)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "text/plain" {
				t.Errorf("Content-Type = %q, want text/plain", ct)
			}
		})
	}
}

func TestLeaves(t *testing.T) {
	f := newFixture(t, fullInstance(), bareInstance())
	md := "/latest/meta-data/"
	mac := md + "network/interfaces/macs/0e:11:22:33:44:55/"
	tests := []struct {
		name, src, path, want string
	}{
		{"ami-id", ipA, md + "ami-id", "ami-0abcdef1234567890"},
		{"ami-id slash", ipA, md + "ami-id/", "ami-0abcdef1234567890"},
		{"dated version", ipA, "/2016-09-02/meta-data/instance-id", "i-0123456789abcdef0"},
		{"launch index", ipA, md + "ami-launch-index", "0"},
		{"manifest", ipA, md + "ami-manifest-path", "(unknown)"},
		{"bdm ami", ipA, md + "block-device-mapping/ami", "/dev/xvda"},
		{"bdm ebs1", ipA, md + "block-device-mapping/ebs1", "/dev/xvdb"},
		{"scheduled", ipA, md + "events/maintenance/scheduled", "[]"},
		{"history", ipA, md + "events/maintenance/history", "[]"},
		{"rebalance", ipA, md + "events/recommendations/rebalance", `{"noticeTime": "2026-03-04T06:06:07Z"}`},
		{"hostname", ipA, md + "hostname", "ip-10-0-1-10.ec2.internal"},
		{"instance-action", ipA, md + "instance-action", "none"},
		{"life cycle spot", ipA, md + "instance-life-cycle", "spot"},
		{"life cycle on-demand", ipB, md + "instance-life-cycle", "on-demand"},
		{"type", ipA, md + "instance-type", "t3.micro"},
		{"local-hostname", ipA, md + "local-hostname", "ip-10-0-1-10.ec2.internal"},
		{"local-ipv4", ipA, md + "local-ipv4", ipA},
		{"mac", ipA, md + "mac", "0e:11:22:33:44:55"},
		{"profile", ipA, md + "profile", "default-hvm"},
		{"public-hostname", ipA, md + "public-hostname", "ec2-203-0-113-7.compute-1.amazonaws.com"},
		{"public-ipv4", ipA, md + "public-ipv4", "203.0.113.7"},
		{"openssh-key", ipA, md + "public-keys/0/openssh-key", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA my-key"},
		{"reservation", ipA, md + "reservation-id", "r-0123456789abcdef0"},
		{"security-groups", ipA, md + "security-groups", "default\nweb"},
		{"domain", ipA, md + "services/domain", "amazonaws.com"},
		{"partition", ipA, md + "services/partition", "aws"},
		{"zone", ipA, md + "placement/availability-zone", "us-east-1a"},
		{"zone id", ipA, md + "placement/availability-zone-id", "use1-az1"},
		{"region", ipB, md + "placement/region", "eu-west-1"},
		{"spot action", ipA, md + "spot/instance-action", `{"action": "terminate", "time": "2026-03-04T05:08:07Z"}`},
		{"termination time", ipA, md + "spot/termination-time", "2026-03-04T05:08:07Z"},
		{"tag", ipA, md + "tags/instance/Name", "web-1"},
		{"mac device", ipA, mac + "device-number", "0"},
		{"mac eni", ipA, mac + "interface-id", "eni-0123"},
		{"mac association", ipA, mac + "ipv4-associations/203.0.113.7", ipA},
		{"mac local-ipv4s", ipA, mac + "local-ipv4s", ipA},
		{"mac owner", ipA, mac + "owner-id", "123456789012"},
		{"mac public-ipv4s", ipA, mac + "public-ipv4s", "203.0.113.7"},
		{"mac sg ids", ipA, mac + "security-group-ids", "sg-0aaa\nsg-0bbb"},
		{"mac subnet", ipA, mac + "subnet-id", "subnet-0123"},
		{"mac subnet cidr", ipA, mac + "subnet-ipv4-cidr-block", "10.0.1.0/24"},
		{"mac vpc", ipA, mac + "vpc-id", "vpc-0123"},
		{"mac vpc cidr", ipA, mac + "vpc-ipv4-cidr-block", "10.0.0.0/16"},
		{"mac vpc cidrs", ipA, mac + "vpc-ipv4-cidr-blocks", "10.0.0.0/16"},
		{"iam info", ipA, md + "iam/info", `{
  "Code" : "Success",
  "LastUpdated" : "2026-03-04T05:06:07Z",
  "InstanceProfileArn" : "arn:aws:iam::123456789012:instance-profile/web",
  "InstanceProfileId" : "AIPAEXAMPLE"
}`},
		{"iam credentials", ipA, md + "iam/security-credentials/web-role", `{
  "Code" : "Success",
  "LastUpdated" : "2026-03-04T05:06:07Z",
  "Type" : "AWS-HMAC",
  "AccessKeyId" : "ASIAEXAMPLE",
  "SecretAccessKey" : "secret/key",
  "Token" : "tok+en==",
  "Expiration" : "2026-03-04T11:06:07Z"
}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := f.do(t, tt.src, "GET", tt.path)
			if resp.StatusCode != 200 {
				t.Fatalf("status %d", resp.StatusCode)
			}
			if got := body(t, resp); got != tt.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

func TestUserData(t *testing.T) {
	f := newFixture(t, fullInstance(), bareInstance())
	resp := f.do(t, ipA, "GET", "/latest/user-data")
	if resp.StatusCode != 200 || body(t, resp) != "#cloud-config\nruncmd: [true]\n" {
		t.Fatalf("user-data: status %d", resp.StatusCode)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/octet-stream" {
		t.Errorf("Content-Type = %q", ct)
	}
	if resp := f.do(t, ipB, "GET", "/latest/user-data"); resp.StatusCode != 404 {
		t.Fatalf("no user-data: status %d, want 404", resp.StatusCode)
	}
	// Present but empty is still present.
	f.insts[netip.MustParseAddr(ipB)].UserData = []byte{}
	if resp := f.do(t, ipB, "GET", "/latest/user-data"); resp.StatusCode != 200 {
		t.Fatalf("empty user-data: status %d, want 200", resp.StatusCode)
	}
}

func TestAbsentEntries(t *testing.T) {
	f := newFixture(t, bareInstance())
	md := "/latest/meta-data/"
	for _, p := range []string{
		md + "iam/", md + "iam/info", md + "public-ipv4", md + "public-hostname", md + "public-keys/",
		md + "public-keys/0/openssh-key", md + "spot/instance-action", md + "spot/termination-time",
		md + "events/recommendations/rebalance", md + "tags/instance/", md + "placement/availability-zone-id",
	} {
		if resp := f.do(t, ipB, "GET", p); resp.StatusCode != 404 {
			t.Errorf("%s: status %d, want 404", p, resp.StatusCode)
		}
	}
}

func TestCredentialsFailure(t *testing.T) {
	in := fullInstance()
	in.IAM.Credentials = func(context.Context) (Credentials, error) { return Credentials{}, errors.New("sts down") }
	f := newFixture(t, in)
	if resp := f.do(t, ipA, "GET", "/latest/meta-data/iam/security-credentials/web-role"); resp.StatusCode != 500 {
		t.Fatalf("status %d, want 500", resp.StatusCode)
	}
}

// TestCrawl walks the tree the way cloud-init's MetadataMaterializer does
// and checks that every entry a listing names answers 200, with and without
// a trailing slash: one 404 makes cloud-init drop the whole datasource.
func TestCrawl(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   *Instance
	}{{"full", fullInstance()}, {"bare", bareInstance()}} {
		t.Run(tc.name, func(t *testing.T) {
			tc.in.HTTPTokens = TokensRequired // crawl as cloud-init does on EC2, with a token
			f := newFixture(t, tc.in)
			tok := f.token(t, tc.in.LocalIPv4, "21600")
			get := func(path string) (int, string) {
				resp := f.do(t, tc.in.LocalIPv4, "GET", path, "X-aws-ec2-metadata-token", tok)
				return resp.StatusCode, body(t, resp)
			}
			n := 0
			for _, ver := range []string{"2021-03-23", "2018-09-24", "2016-09-02", "2009-04-04", "latest"} {
				n += crawl(t, get, "/"+ver+"/meta-data/")
				n += crawl(t, get, "/"+ver+"/dynamic/")
				code, root := get("/" + ver + "/")
				if code != 200 {
					t.Fatalf("/%s/: status %d", ver, code)
				}
				for _, e := range strings.Split(root, "\n") {
					if code, _ := get("/" + ver + "/" + e); code != 200 {
						t.Errorf("/%s/%s: status %d", ver, e, code)
					}
				}
			}
			if n < 50 {
				t.Errorf("crawl fetched only %d leaves", n)
			}
		})
	}
}

// crawl fetches the listing at base and everything below it, and returns the
// number of leaves fetched.
func crawl(t *testing.T, get func(string) (int, string), base string) int {
	t.Helper()
	code, listing := get(base)
	if code != 200 {
		t.Errorf("%s: status %d", base, code)
		return 0
	}
	if code, again := get(strings.TrimSuffix(base, "/")); code != 200 || again != listing {
		t.Errorf("%s without slash: status %d, listing %q", base, code, again)
	}
	if listing == "" {
		return 0
	}
	n := 0
	for _, e := range strings.Split(listing, "\n") {
		if e == "" || strings.TrimSpace(e) != e {
			t.Errorf("%s: malformed entry %q in %q", base, e, listing)
			continue
		}
		if strings.HasSuffix(e, "/") {
			n += crawl(t, get, base+e)
			continue
		}
		path := base + e
		if i := strings.IndexByte(e, '='); i > 0 {
			if _, err := strconv.Atoi(e[:i]); err == nil {
				path = base + e[:i] + "/openssh-key" // cloud-init's reading of "0=name"
			}
		}
		n++
		if code, _ := get(path); code != 200 {
			t.Errorf("%s: status %d", path, code)
		}
		if code, _ := get(path + "/"); code != 200 {
			t.Errorf("%s/: status %d", path, code)
		}
	}
	return n
}

func TestPartition(t *testing.T) {
	for region, want := range map[string][2]string{
		"us-east-1":     {"amazonaws.com", "aws"},
		"cn-north-1":    {"amazonaws.com.cn", "aws-cn"},
		"us-gov-west-1": {"amazonaws.com", "aws-us-gov"},
	} {
		d, p := partitionOf(region)
		if d != want[0] || p != want[1] {
			t.Errorf("%s: got %s %s, want %v", region, d, p, want)
		}
	}
}

func TestHopLimitDefaults(t *testing.T) {
	for in, want := range map[int]int{0: 1, -3: 1, 1: 1, 2: 2, 64: 64, 65: 64} {
		if got := (&Instance{HopLimit: in}).hopLimit(); got != want {
			t.Errorf("hopLimit(%d) = %d, want %d", in, got, want)
		}
	}
}

func BenchmarkGetMetaData(b *testing.B) {
	f := newFixture(b, fullInstance())
	req, _ := http.NewRequest("GET", "http://169.254.169.254/latest/meta-data/network/interfaces/macs/0e:11:22:33:44:55/vpc-id", nil)
	req.RemoteAddr = ipA + ":1"
	for b.Loop() {
		f.srv.ServeHTTP(discard{}, req)
	}
}

type discard struct{ h http.Header }

func (d discard) Header() http.Header {
	if d.h == nil {
		return http.Header{}
	}
	return d.h
}
func (discard) Write(b []byte) (int, error) { return len(b), nil }
func (discard) WriteHeader(int)             {}

func BenchmarkGetSignature(b *testing.B) {
	f := newFixture(b, fullInstance())
	req, _ := http.NewRequest("GET", "http://169.254.169.254/latest/dynamic/instance-identity/pkcs7", nil)
	req.RemoteAddr = ipA + ":1"
	for b.Loop() {
		f.srv.ServeHTTP(discard{}, req)
	}
}
