package sshkey

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"math/big"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/crypto/ssh"
)

// keyOnly drops the comment from an authorized_keys line.
func keyOnly(line string) string {
	f := strings.Fields(line)
	return f[0] + " " + f[1]
}

// pemBody is the base64 inside a PEM block, on one line.
func pemBody(block string) string {
	lines := strings.Split(strings.TrimSpace(block), "\n")
	return strings.Join(lines[1:len(lines)-1], "")
}

// wrap splits s into lines of n characters.
func wrap(s string, n int) string {
	var b strings.Builder
	for i := 0; i < len(s); i += n {
		b.WriteString(s[i:min(i+n, len(s))] + "\n")
	}
	return b.String()
}

// authorizedLine renders pub as an authorized_keys line without comment.
func authorizedLine(pub ssh.PublicKey) string {
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pub)))
}

// syntheticRSA is an RSA public key with an arbitrary odd modulus of the given
// size; parsing never checks that the modulus factors, so no key generation
// (slow at 16k bits) is needed to test size limits.
func syntheticRSA(t *testing.T, bits int) string {
	t.Helper()
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), uint(bits-1)))
	if err != nil {
		t.Fatal(err)
	}
	n.SetBit(n, bits-1, 1).SetBit(n, 0, 1)
	pub, err := ssh.NewPublicKey(&rsa.PublicKey{N: n, E: 65537})
	if err != nil {
		t.Fatal(err)
	}
	return authorizedLine(pub)
}

func TestParsePublic(t *testing.T) {
	rsaWant := &Imported{Type: RSA, PublicKey: keyOnly(rsa2048Public), Fingerprint: rsa2048ImportedFingerprint}
	withComment := func(imp *Imported, c string) *Imported { cp := *imp; cp.Comment = c; return &cp }
	edWant := &Imported{Type: ED25519, PublicKey: keyOnly(ed25519Public), Fingerprint: ed25519FixtureFingerprint}
	spki := pemBody(rsa2048SPKI)

	tests := []struct {
		name     string
		material string
		want     *Imported
	}{
		{"openssh/rsa", rsa2048Public, withComment(rsaWant, "fixture-rsa")},
		{"openssh/rsa-no-comment", keyOnly(rsa2048Public), rsaWant},
		{"openssh/rsa-trailing-newline", rsa2048Public + "\n", withComment(rsaWant, "fixture-rsa")},
		{"openssh/rsa-crlf-and-padding", "\r\n  " + rsa2048Public + " \r\n\r\n", withComment(rsaWant, "fixture-rsa")},
		{"openssh/rsa-hash-lines", "# my laptop\n\n" + rsa2048Public + "\n# end\n", withComment(rsaWant, "fixture-rsa")},
		{"openssh/rsa-tabs-long-comment", strings.Replace(keyOnly(rsa2048Public), " ", "\t", 1) + "\tme@host  work laptop", withComment(rsaWant, "me@host  work laptop")},
		{"openssh/rsa1024", rsa1024Public, &Imported{Type: RSA, PublicKey: keyOnly(rsa1024Public), Comment: "fixture-rsa1024", Fingerprint: rsa1024ImportedFingerprint}},
		{"openssh/rsa3072", rsa3072Public, &Imported{Type: RSA, PublicKey: keyOnly(rsa3072Public), Comment: "fixture-rsa3072", Fingerprint: rsa3072ImportedFingerprint}},
		{"openssh/rsa4096", rsa4096Public, &Imported{Type: RSA, PublicKey: keyOnly(rsa4096Public), Comment: "fixture-rsa4096", Fingerprint: rsa4096ImportedFingerprint}},
		{"openssh/rsa16384", syntheticRSA(t, MaxRSABits), nil}, // checked by type only below
		{"openssh/ed25519", ed25519Public + "\n", withComment(edWant, "fixture-ed25519")},
		{"rfc4716/rsa", rsa2048RFC4716 + "\n", withComment(rsaWant, "2048-bit RSA, converted by root@vm from OpenSSH")},
		{"rfc4716/rsa-crlf", strings.ReplaceAll(rsa2048RFC4716, "\n", "\r\n"), withComment(rsaWant, "2048-bit RSA, converted by root@vm from OpenSSH")},
		{
			"rfc4716/rsa-continued-headers",
			strings.Replace(rsa2048RFC4716, "Comment: \"2048-bit RSA, converted by root@vm from OpenSSH\"",
				"Subject: me\nComment: \"a long \\\ncomment\"\nx-Private-Tag: \\\nvalue", 1),
			withComment(rsaWant, "a long comment"),
		},
		{"rfc4716/rsa-no-headers", strings.Replace(rsa2048RFC4716, "Comment: \"2048-bit RSA, converted by root@vm from OpenSSH\"\n", "", 1), rsaWant},
		{"pem/spki", rsa2048SPKI, rsaWant},
		{"pem/pkcs1", rsa2048PKCS1 + "\n", rsaWant},
		{"der/spki-one-line", spki, rsaWant},
		{"der/spki-wrapped", wrap(spki, 76), rsaWant},
		{"der/pkcs1", pemBody(rsa2048PKCS1), rsaWant},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParsePublic([]byte(tt.material))
			if err != nil {
				t.Fatalf("ParsePublic: %v", err)
			}
			if tt.want == nil {
				if got.Type != RSA || got.PublicKey != tt.material || len(got.Fingerprint) != 47 {
					t.Errorf("got %+v", got)
				}
				return
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParsePublic (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParsePublicRejects(t *testing.T) {
	rsaBlob, _ := base64.StdEncoding.DecodeString(strings.Fields(rsa2048Public)[1])
	edBlob, _ := base64.StdEncoding.DecodeString(strings.Fields(ed25519Public)[1])
	edPub := ed25519.PublicKey(edBlob[len(edBlob)-32:])
	edSPKI, err := x509.MarshalPKIXPublicKey(edPub)
	if err != nil {
		t.Fatal(err)
	}
	sshEdPub, _ := ssh.NewPublicKey(edPub)
	cert := &ssh.Certificate{Key: sshEdPub, CertType: ssh.UserCert, ValidPrincipals: []string{"me"}, ValidBefore: ssh.CertTimeInfinity}
	signer, err := ssh.ParsePrivateKey([]byte(ed25519Private))
	if err != nil {
		t.Fatal(err)
	}
	if err := cert.SignCert(rand.Reader, signer); err != nil {
		t.Fatal(err)
	}
	skBlob := ssh.Marshal(struct{ Name, Key, App string }{"sk-ssh-ed25519@openssh.com", string(edPub), "ssh:"})
	evenE := ssh.Marshal(struct {
		Name string
		E, N *big.Int
	}{"ssh-rsa", big.NewInt(65536), fixtureRSA(t).N})
	b64 := base64.StdEncoding.EncodeToString
	body := strings.Fields(rsa2048Public)[1]

	tests := []struct {
		name     string
		material string
		also     error // a finer sentinel the error must match, besides ErrInvalidFormat
	}{
		{"empty", "", nil},
		{"whitespace", " \n\t\r\n", nil},
		{"garbage", "hello, world", nil},
		{"binary", "\x00\x01\x02\xff\xfe", nil},
		{"type-only", "ssh-rsa", nil},
		{"bad-base64", "ssh-rsa !!!notbase64!!! me", nil},
		{"truncated-openssh", "ssh-rsa " + body[:len(body)/2], nil},
		{"truncated-openssh-aligned", "ssh-rsa " + b64(rsaBlob[:len(rsaBlob)-7]), nil},
		{"trailing-junk-in-blob", "ssh-rsa " + b64(append(append([]byte{}, rsaBlob...), 0)), nil},
		{"type-mismatch", "ssh-ed25519 " + body, nil},
		{"rsa-sha2-512-name", "rsa-sha2-512 " + body, nil},
		{"options-prefix", `command="/bin/true",no-pty ` + rsa2048Public, nil},
		{"two-keys", rsa2048Public + "\n" + ed25519Public, nil},
		{"unknown-type", "ssh-foo " + b64(ssh.Marshal(struct{ Name, Key string }{"ssh-foo", "x"})), nil},
		{"even-exponent", "ssh-rsa " + b64(evenE), nil},
		{"ecdsa", ecdsaPublic, ErrUnsupportedKeyType},
		{"dsa", dsaPublic, ErrUnsupportedKeyType},
		{"ed25519-cert", string(ssh.MarshalAuthorizedKey(cert)), ErrUnsupportedKeyType},
		{"security-key", "sk-ssh-ed25519@openssh.com " + b64(skBlob), ErrUnsupportedKeyType},
		{"ecdsa-spki-pem", ecdsaSPKI, ErrUnsupportedKeyType},
		{"ecdsa-spki-der", pemBody(ecdsaSPKI), ErrUnsupportedKeyType},
		{"rsa-512", syntheticRSA(t, 512), ErrKeyLength},
		{"rsa-1023", syntheticRSA(t, MinRSABits-1), ErrKeyLength},
		{"rsa-16385", syntheticRSA(t, MaxRSABits+1), ErrKeyLength},
		// EC2 takes ED25519 keys only as OpenSSH lines.
		{"ed25519-rfc4716", ed25519RFC4716, nil},
		{"ed25519-spki-der", b64(edSPKI), nil},
		{"ed25519-spki-pem", string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: edSPKI})), nil},
		{"rfc4716-no-end", strings.TrimSuffix(rsa2048RFC4716, rfc4716End), nil},
		{"rfc4716-truncated-body", strings.Replace(rsa2048RFC4716, "xUgzVdhq+A0ZKT+vtjoPAd\n", "", 1), nil},
		{"rfc4716-no-body", rfc4716Begin + "\nComment: x\n" + rfc4716End, nil},
		{"rfc4716-open-continuation", rfc4716Begin + "\nComment: x\\\n" + rfc4716End, nil},
		{"rfc4716-bad-tag", strings.Replace(rsa2048RFC4716, "Comment:", "Com ment:", 1), nil},
		{"pem-truncated", strings.Replace(rsa2048SPKI, "HQIDAQAB\n", "", 1), nil},
		{"pem-private-key", rsa2048Private, nil},
		{"pem-trailing-text", rsa2048SPKI + "\nmore", nil},
		{"der-truncated", pemBody(rsa2048SPKI)[:200], nil},
		{"der-garbage", b64([]byte("not a der structure at all")), nil},
		{"ppk", rsa2048PPK, nil},
		{"too-long", rsa2048Public + " " + strings.Repeat("x", maxMaterial), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParsePublic([]byte(tt.material))
			if err == nil {
				t.Fatalf("ParsePublic = %+v, want error", got)
			}
			t.Log(err)
			if !errors.Is(err, ErrInvalidFormat) {
				t.Errorf("error %q does not match ErrInvalidFormat", err)
			}
			if tt.also != nil && !errors.Is(err, tt.also) {
				t.Errorf("error %q does not match %q", err, tt.also)
			}
		})
	}
}

// TestParsePublicOfGenerated imports what Generate made, as a user who copies
// an EC2-made public key to another region does: the ED25519 fingerprint
// stays the same, the RSA one changes hash (EC2's guide warns of this).
func TestParsePublicOfGenerated(t *testing.T) {
	for _, typ := range []Type{RSA, ED25519} {
		t.Run(string(typ), func(t *testing.T) {
			g, err := Generate(typ, PEM, "copied")
			if err != nil {
				t.Fatal(err)
			}
			imp, err := ParsePublic([]byte(g.PublicKey))
			if err != nil {
				t.Fatal(err)
			}
			if imp.Type != typ || imp.Comment != "copied" || imp.PublicKey+" copied" != g.PublicKey {
				t.Errorf("imported %+v from %q", imp, g.PublicKey)
			}
			if same := imp.Fingerprint == g.Fingerprint; same != (typ == ED25519) {
				t.Errorf("imported fingerprint %q, created %q", imp.Fingerprint, g.Fingerprint)
			}
		})
	}
}
