package imds

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"log/slog"
	"math/big"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/kumo-cloud/kumo/internal/clock"
)

var (
	rsaOnce sync.Once
	rsaKey  *rsa.PrivateKey
	rsaCert *x509.Certificate
)

// testSigner returns a fresh Signer around one RSA key and self-signed
// certificate shared by all tests (key generation is slow).
func testSigner(t testing.TB) *Signer {
	t.Helper()
	rsaOnce.Do(func() {
		var err error
		if rsaKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(0x1d3a),
			Subject:      pkix.Name{Country: []string{"US"}, Organization: []string{"Kumo"}, CommonName: "kumo identity"},
			NotBefore:    t0.Add(-time.Hour), NotAfter: t0.Add(10 * 365 * 24 * time.Hour),
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &rsaKey.PublicKey, rsaKey)
		if err != nil {
			panic(err)
		}
		if rsaCert, err = x509.ParseCertificate(der); err != nil {
			panic(err)
		}
	})
	return &Signer{Key: rsaKey, Cert: rsaCert}
}

func TestIdentityDocument(t *testing.T) {
	f := newFixture(t, fullInstance())
	resp := f.do(t, ipA, "GET", "/latest/dynamic/instance-identity/document")
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	raw := body(t, resp)
	var got map[string]any
	if err := json.Unmarshal([]byte(raw), &got); err != nil {
		t.Fatalf("document is not JSON: %v\n%s", err, raw)
	}
	want := map[string]any{
		"accountId": "123456789012", "architecture": "x86_64", "availabilityZone": "us-east-1a",
		"billingProducts": nil, "devpayProductCodes": nil, "marketplaceProductCodes": nil,
		"imageId": "ami-0abcdef1234567890", "instanceId": "i-0123456789abcdef0",
		"instanceType": "t3.micro", "kernelId": nil, "pendingTime": "2026-03-04T05:06:07Z",
		"privateIp": ipA, "ramdiskId": nil, "region": "us-east-1", "version": "2017-09-30",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("document (-want +got):\n%s", d)
	}
	// EC2's layout, which people diff against: fixed order, " : ".
	if !strings.HasPrefix(raw, "{\n  \"accountId\" : \"123456789012\",\n  \"architecture\" : \"x86_64\",\n") ||
		!strings.HasSuffix(raw, "  \"version\" : \"2017-09-30\"\n}") {
		t.Errorf("document layout:\n%s", raw)
	}
}

func TestIdentitySignature(t *testing.T) {
	f := newFixture(t, fullInstance())
	doc := body(t, f.do(t, ipA, "GET", "/latest/dynamic/instance-identity/document"))
	sig := body(t, f.do(t, ipA, "GET", "/latest/dynamic/instance-identity/signature"))
	for _, line := range strings.Split(sig, "\n") {
		if len(line) > 76 {
			t.Errorf("signature line of %d characters", len(line))
		}
	}
	raw, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(sig, "\n", ""))
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.Sum256([]byte(doc))
	if err := rsa.VerifyPKCS1v15(&rsaKey.PublicKey, crypto.SHA256, h[:], raw); err != nil {
		t.Fatalf("signature does not verify: %v", err)
	}
	// Served from the cache the second time, identically.
	if again := body(t, f.do(t, ipA, "GET", "/latest/dynamic/instance-identity/signature")); again != sig {
		t.Error("signature changed between reads")
	}
}

func TestIdentityEd25519(t *testing.T) {
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	in := fullInstance()
	f := newFixture(t, in)
	f.srv.signer = &Signer{Key: key}
	if got := body(t, f.do(t, ipA, "GET", "/latest/dynamic/instance-identity/")); got != "document\nsignature" {
		t.Fatalf("listing with an Ed25519 key: %q", got)
	}
	doc := body(t, f.do(t, ipA, "GET", "/latest/dynamic/instance-identity/document"))
	sig := body(t, f.do(t, ipA, "GET", "/latest/dynamic/instance-identity/signature"))
	raw, _ := base64.StdEncoding.DecodeString(strings.ReplaceAll(sig, "\n", ""))
	if !ed25519.Verify(key.Public().(ed25519.PublicKey), []byte(doc), raw) {
		t.Fatal("ed25519 signature does not verify")
	}
}

func TestIdentityUnsigned(t *testing.T) {
	srv := NewServer(func(_ context.Context, _ netip.Addr) (*Instance, error) { return fullInstance(), nil },
		clock.NewFake(t0), nil, slog.New(slog.DiscardHandler))
	f := &fixture{srv: srv}
	if got := body(t, f.do(t, ipA, "GET", "/latest/dynamic/instance-identity/")); got != "document" {
		t.Fatalf("listing without a signer: %q", got)
	}
}

// TestPKCS7OpenSSL verifies pkcs7 and rsa2048 the way AWS documents it:
// wrap in PEM armour and run openssl smime -verify with the certificate.
func TestPKCS7OpenSSL(t *testing.T) {
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Fatal("openssl is needed to verify the PKCS #7 identity signature; install it (apt-get install openssl)")
	}
	f := newFixture(t, fullInstance())
	doc := body(t, f.do(t, ipA, "GET", "/latest/dynamic/instance-identity/document"))
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	certPath := write("cert.pem", string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: rsaCert.Raw})))
	docPath := write("document", doc)
	for _, name := range []string{"pkcs7", "rsa2048"} {
		t.Run(name, func(t *testing.T) {
			p7 := body(t, f.do(t, ipA, "GET", "/latest/dynamic/instance-identity/"+name))
			p7Path := write(name, "-----BEGIN PKCS7-----\n"+p7+"\n-----END PKCS7-----\n")
			out, err := exec.Command(openssl, "smime", "-verify", "-in", p7Path, "-inform", "PEM",
				"-content", docPath, "-certfile", certPath, "-noverify").CombinedOutput()
			if err != nil {
				t.Fatalf("openssl smime -verify: %v\n%s", err, out)
			}
			if !bytes.Contains(out, []byte(`"instanceId" : "i-0123456789abcdef0"`)) {
				t.Errorf("openssl output lacks the document:\n%s", out)
			}
			// The content is embedded too, so it verifies without -content.
			out, err = exec.Command(openssl, "smime", "-verify", "-in", p7Path, "-inform", "PEM",
				"-certfile", certPath, "-noverify").CombinedOutput()
			if err != nil || !bytes.Contains(out, []byte(doc)) {
				t.Fatalf("attached verify: %v\n%s", err, out)
			}
		})
	}
}
