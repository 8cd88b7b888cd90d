package imds

import (
	"context"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
)

// serve runs f's server on a loopback listener through Serve, the path
// production takes, and returns its base URL.
func (f *fixture) serve(t *testing.T, network, addr string) string {
	t.Helper()
	l, err := net.Listen(network, addr)
	if err != nil {
		t.Fatalf("listen %s %s: %v", network, addr, err)
	}
	done := make(chan error, 1)
	go func() { done <- f.srv.Serve(l) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := f.srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return "http://" + l.Addr().String()
}

// TestSDKClient drives the server with the real aws-sdk-go-v2 IMDS client.
// Tokens are required, so every call proves the IMDSv2 handshake (PUT,
// TTL echo, token header) works for the SDK.
func TestSDKClient(t *testing.T) {
	in := fullInstance()
	in.LocalIPv4 = "127.0.0.1"
	in.HTTPTokens = TokensRequired
	f := newFixture(t, in)
	url := f.serve(t, "tcp4", "127.0.0.1:0")
	client := imds.New(imds.Options{Endpoint: url})
	ctx := context.Background()

	id, err := client.GetMetadata(ctx, &imds.GetMetadataInput{Path: "instance-id"})
	if err != nil {
		t.Fatalf("GetMetadata: %v", err)
	}
	if got := readAll(t, id.Content); got != in.InstanceID {
		t.Errorf("instance-id = %q", got)
	}
	ud, err := client.GetUserData(ctx, &imds.GetUserDataInput{})
	if err != nil {
		t.Fatalf("GetUserData: %v", err)
	}
	if got := readAll(t, ud.Content); got != string(in.UserData) {
		t.Errorf("user-data = %q", got)
	}
	doc, err := client.GetInstanceIdentityDocument(ctx, &imds.GetInstanceIdentityDocumentInput{})
	if err != nil {
		t.Fatalf("GetInstanceIdentityDocument: %v", err)
	}
	if doc.InstanceID != in.InstanceID || doc.AccountID != in.AccountID || doc.PrivateIP != in.LocalIPv4 ||
		!doc.PendingTime.Equal(in.LaunchTime) || doc.Version != "2017-09-30" || doc.Architecture != "x86_64" {
		t.Errorf("identity document = %+v", doc.InstanceIdentityDocument)
	}
	region, err := client.GetRegion(ctx, &imds.GetRegionInput{})
	if err != nil {
		t.Fatalf("GetRegion: %v", err)
	}
	if region.Region != "us-east-1" {
		t.Errorf("region = %q", region.Region)
	}
	info, err := client.GetIAMInfo(ctx, &imds.GetIAMInfoInput{})
	if err != nil {
		t.Fatalf("GetIAMInfo: %v", err)
	}
	if info.InstanceProfileArn != in.IAM.InstanceProfileArn || info.Code != "Success" {
		t.Errorf("iam info = %+v", info.IAMInfo)
	}

	// A path that does not exist surfaces as a 404 from the SDK.
	_, err = client.GetMetadata(ctx, &imds.GetMetadataInput{Path: "no-such-entry"})
	var status interface{ HTTPStatusCode() int }
	if !errors.As(err, &status) || status.HTTPStatusCode() != 404 {
		t.Errorf("missing path: err = %v, want a 404", err)
	}
}

// TestSDKClientRenewsExpiredToken: when its token expires on the server
// first, the SDK gets a 401, fetches a new token and succeeds.
func TestSDKClientRenewsExpiredToken(t *testing.T) {
	in := bareInstance()
	in.LocalIPv4 = "127.0.0.1"
	in.HTTPTokens = TokensRequired
	f := newFixture(t, in)
	client := imds.New(imds.Options{Endpoint: f.serve(t, "tcp4", "127.0.0.1:0")})
	ctx := context.Background()
	for i := range 2 {
		out, err := client.GetMetadata(ctx, &imds.GetMetadataInput{Path: "instance-id"})
		if err != nil {
			t.Fatalf("read %d: %v", i, err)
		}
		if got := readAll(t, out.Content); got != in.InstanceID {
			t.Fatalf("read %d: %q", i, got)
		}
		f.clk.Advance(7 * time.Hour) // past any token the SDK holds
	}
}

func readAll(t *testing.T, r io.ReadCloser) string {
	t.Helper()
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
