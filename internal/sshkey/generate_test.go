package sshkey

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
)

// privateKeyOf decodes g.PrivateKey, whatever its format, into a Go key.
func privateKeyOf(t *testing.T, g *Generated, f Format) crypto.Signer {
	t.Helper()
	if f == PPK {
		k, err := decodePPK(g.PrivateKey)
		if err != nil {
			t.Fatalf("decode ppk: %v\n%s", err, g.PrivateKey)
		}
		return k
	}
	k, err := ssh.ParseRawPrivateKey([]byte(g.PrivateKey))
	if err != nil {
		t.Fatalf("golang.org/x/crypto/ssh cannot parse the private key: %v\n%s", err, g.PrivateKey)
	}
	switch k := k.(type) {
	case *rsa.PrivateKey:
		return k
	case *ed25519.PrivateKey:
		return *k
	}
	t.Fatalf("private key is a %T", k)
	return nil
}

// TestGenerate checks every type and format: the private key decodes, its
// public half is PublicKey, it signs what PublicKey verifies, and Fingerprint
// is EC2's created-key fingerprint of it.
func TestGenerate(t *testing.T) {
	tests := []struct {
		typ        Type
		format     Format
		wantPrefix string
		wantSuffix string
	}{
		{RSA, PEM, "-----BEGIN RSA PRIVATE KEY-----\n", "\n-----END RSA PRIVATE KEY-----"},
		{ED25519, PEM, "-----BEGIN OPENSSH PRIVATE KEY-----\n", "\n-----END OPENSSH PRIVATE KEY-----\n"},
		{RSA, PPK, "PuTTY-User-Key-File-2: ssh-rsa\nEncryption: none\nComment: my key\n", "\n"},
		{ED25519, PPK, "PuTTY-User-Key-File-2: ssh-ed25519\nEncryption: none\nComment: my key\n", "\n"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%s", tt.typ, tt.format), func(t *testing.T) {
			g, err := Generate(tt.typ, tt.format, "my key")
			if err != nil {
				t.Fatal(err)
			}
			if g.Type != tt.typ {
				t.Errorf("Type = %q, want %q", g.Type, tt.typ)
			}
			if !strings.HasPrefix(g.PrivateKey, tt.wantPrefix) || !strings.HasSuffix(g.PrivateKey, tt.wantSuffix) {
				t.Errorf("PrivateKey does not start %q and end %q:\n%s", tt.wantPrefix, tt.wantSuffix, g.PrivateKey)
			}

			pub, comment, _, rest, err := ssh.ParseAuthorizedKey([]byte(g.PublicKey))
			if err != nil || comment != "my key" || len(rest) != 0 {
				t.Fatalf("PublicKey %q: comment %q, rest %q, err %v", g.PublicKey, comment, rest, err)
			}

			priv := privateKeyOf(t, g, tt.format)
			signer, err := ssh.NewSignerFromSigner(priv)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(signer.PublicKey().Marshal(), pub.Marshal()) {
				t.Errorf("private key's public half %q is not PublicKey %q", authorizedLine(signer.PublicKey()), g.PublicKey)
			}
			data := []byte("kumo")
			sig, err := signer.Sign(rand.Reader, data)
			if err != nil {
				t.Fatal(err)
			}
			if err := pub.Verify(data, sig); err != nil {
				t.Errorf("PublicKey does not verify the private key's signature: %v", err)
			}

			var want string
			switch k := priv.(type) {
			case *rsa.PrivateKey:
				if k.N.BitLen() != RSABits {
					t.Errorf("rsa key is %d bits, want %d", k.N.BitLen(), RSABits)
				}
				want, err = createdRSAFingerprint(k)
			case ed25519.PrivateKey:
				want, err = ed25519Fingerprint(k.Public().(ed25519.PublicKey))
			}
			if err != nil || g.Fingerprint != want {
				t.Errorf("Fingerprint = %q, want %q (%v)", g.Fingerprint, want, err)
			}
		})
	}
}

func TestGenerateDefaultsAndComment(t *testing.T) {
	g, err := Generate("", "", "")
	if err != nil {
		t.Fatal(err)
	}
	if g.Type != RSA || !strings.HasPrefix(g.PrivateKey, "-----BEGIN RSA PRIVATE KEY-----") {
		t.Errorf("zero type and format made %s key:\n%s", g.Type, g.PrivateKey)
	}
	if n := len(strings.Fields(g.PublicKey)); n != 2 || strings.HasSuffix(g.PublicKey, " ") {
		t.Errorf("PublicKey without comment = %q", g.PublicKey)
	}
}

func TestGenerateRejects(t *testing.T) {
	tests := []struct {
		name    string
		typ     Type
		format  Format
		comment string
	}{
		{"type-dsa", "dsa", PEM, "k"},
		{"type-ecdsa", "ecdsa", PEM, "k"},
		{"type-upper", "RSA", PEM, "k"},
		{"format-der", RSA, "der", "k"},
		{"format-openssh", ED25519, "openssh", "k"},
		{"comment-newline", RSA, PEM, "a\nb"},
		{"comment-cr", ED25519, PPK, "a\rb"},
		{"comment-nul", RSA, PPK, "a\x00b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if g, err := Generate(tt.typ, tt.format, tt.comment); !errors.Is(err, ErrInvalidParameter) {
				t.Errorf("Generate = %v, %v; want ErrInvalidParameter", g, err)
			}
		})
	}
}

// TestGenerateWithOpenSSH hands generated PEM keys to the real ssh-keygen and,
// for RSA, recomputes the fingerprint with the openssl pipeline from EC2's
// guide. Skipped only where the tools are not installed (Debian:
// openssh-client, openssl).
func TestGenerateWithOpenSSH(t *testing.T) {
	sshKeygen, err := exec.LookPath("ssh-keygen")
	if err != nil {
		t.Skip("ssh-keygen not installed (apt-get install openssh-client)")
	}
	for _, typ := range []Type{RSA, ED25519} {
		t.Run(string(typ), func(t *testing.T) {
			g, err := Generate(typ, PEM, "kumo-test")
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), "key.pem")
			if err := os.WriteFile(path, []byte(g.PrivateKey), 0o600); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(sshKeygen, "-y", "-f", path).CombinedOutput()
			if err != nil {
				t.Fatalf("ssh-keygen -y: %v\n%s", err, out)
			}
			if got, want := keyOnly(string(out)), keyOnly(g.PublicKey); got != want {
				t.Errorf("ssh-keygen -y = %q, want %q", got, want)
			}
			if typ != RSA {
				return
			}
			if _, err := exec.LookPath("openssl"); err != nil {
				t.Skip("openssl not installed (apt-get install openssl)")
			}
			cmd := exec.Command("sh", "-c", `openssl pkcs8 -in "$1" -inform PEM -outform DER -topk8 -nocrypt | openssl sha1 -c`, "sh", path)
			out, err = cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("openssl: %v\n%s", err, out)
			}
			// "SHA1(stdin)= be:c4:…"
			if got := strings.TrimSpace(string(out[bytes.LastIndexByte(out, ' ')+1:])); got != g.Fingerprint {
				t.Errorf("openssl fingerprint = %q, Fingerprint = %q", got, g.Fingerprint)
			}
		})
	}
}
