package sshkey

import (
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/crypto/ssh"
)

// fixtureRSA returns the private key of rsa2048Private.
func fixtureRSA(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	block, _ := pem.Decode([]byte(rsa2048Private))
	k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
	if err != nil {
		t.Fatalf("parse fixture rsa key: %v", err)
	}
	return k
}

// fixtureED25519 returns the private key of ed25519Private.
func fixtureED25519(t *testing.T) ed25519.PrivateKey {
	t.Helper()
	k, err := ssh.ParseRawPrivateKey([]byte(ed25519Private))
	if err != nil {
		t.Fatalf("parse fixture ed25519 key: %v", err)
	}
	return *k.(*ed25519.PrivateKey)
}

// TestMaterialOfFixedKeys renders the fixture keys as CreateKeyPair would and
// compares every field with what OpenSSH, OpenSSL and PuTTYgen made of the
// same keys. The RSA PEM and both PPK files must match byte for byte; the
// OpenSSH ED25519 container holds random check bytes, so it is compared by
// what it decodes to (in TestGenerate).
func TestMaterialOfFixedKeys(t *testing.T) {
	rsaKey, edKey := fixtureRSA(t), fixtureED25519(t)
	tests := []struct {
		name string
		make func() (*Generated, error)
		want Generated
	}{
		{
			name: "rsa/pem",
			make: func() (*Generated, error) { return rsaMaterial(rsaKey, PEM, "fixture-rsa") },
			want: Generated{Type: RSA, PrivateKey: rsa2048Private, PublicKey: rsa2048Public, Fingerprint: rsa2048CreatedFingerprint},
		},
		{
			name: "rsa/ppk",
			make: func() (*Generated, error) { return rsaMaterial(rsaKey, PPK, "fixture-rsa") },
			want: Generated{Type: RSA, PrivateKey: rsa2048PPK, PublicKey: rsa2048Public, Fingerprint: rsa2048CreatedFingerprint},
		},
		{
			name: "ed25519/ppk",
			make: func() (*Generated, error) { return ed25519Material(edKey, PPK, "fixture-ed25519") },
			want: Generated{Type: ED25519, PrivateKey: ed25519PPK, PublicKey: ed25519Public, Fingerprint: ed25519FixtureFingerprint},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.make()
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, *got); diff != "" {
				t.Errorf("material (-want +got):\n%s", diff)
			}
		})
	}
}

func TestED25519FingerprintOfFixedKey(t *testing.T) {
	got, err := ed25519Material(fixtureED25519(t), PEM, "fixture-ed25519")
	if err != nil {
		t.Fatal(err)
	}
	want := Generated{Type: ED25519, PublicKey: ed25519Public, Fingerprint: ed25519FixtureFingerprint}
	got.PrivateKey = ""
	if diff := cmp.Diff(want, *got); diff != "" {
		t.Errorf("material (-want +got):\n%s", diff)
	}
}

func TestColonHex(t *testing.T) {
	tests := []struct {
		in   []byte
		want string
	}{
		{nil, ""},
		{[]byte{0x0a}, "0a"},
		{[]byte{0x1f, 0x51, 0xae}, "1f:51:ae"},
	}
	for _, tt := range tests {
		if got := colonHex(tt.in); got != tt.want {
			t.Errorf("colonHex(%x) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
