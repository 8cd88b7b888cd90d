package sshkey

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"strings"

	"golang.org/x/crypto/ssh"
)

// Generate makes a key pair as CreateKeyPair does: a 2048-bit RSA or an ED25519
// key, with the private key in the given format. The zero Type and Format mean
// EC2's defaults, rsa and pem. comment is the key pair name: it ends the
// PublicKey line and is the comment inside the private key file, so it must not
// hold control characters (a newline would split either file).
func Generate(t Type, f Format, comment string) (*Generated, error) {
	if t == "" {
		t = RSA
	}
	if f == "" {
		f = PEM
	}
	if f != PEM && f != PPK {
		return nil, fmt.Errorf("generate key pair: key format %q: %w", f, ErrInvalidParameter)
	}
	if err := checkComment(comment); err != nil {
		return nil, fmt.Errorf("generate key pair: %w", err)
	}
	switch t {
	case RSA:
		return generateRSA(f, comment)
	case ED25519:
		return generateED25519(f, comment)
	default:
		return nil, fmt.Errorf("generate key pair: key type %q: %w", t, ErrInvalidParameter)
	}
}

func generateRSA(f Format, comment string) (*Generated, error) {
	k, err := rsa.GenerateKey(rand.Reader, RSABits)
	if err != nil {
		return nil, fmt.Errorf("generate rsa key: %w", err)
	}
	return rsaMaterial(k, f, comment)
}

// rsaMaterial renders an RSA private key as CreateKeyPair returns it. It is
// separate from generation so tests can feed it fixed keys.
func rsaMaterial(k *rsa.PrivateKey, f Format, comment string) (*Generated, error) {
	pub, err := ssh.NewPublicKey(&k.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("encode rsa public key: %w", err)
	}
	fp, err := createdRSAFingerprint(k)
	if err != nil {
		return nil, err
	}
	g := &Generated{Type: RSA, PublicKey: authorizedKey(pub, comment), Fingerprint: fp}
	switch f {
	case PPK:
		g.PrivateKey = encodePPK(pub, rsaPPKPrivate(k), comment)
	default:
		// PKCS#1, not PKCS#8 or the OpenSSH container: EC2 documents its RSA
		// KeyMaterial as "PEM encoded PKCS#1", and Windows password decryption
		// (GetPasswordData) only reads that form.
		block := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)})
		g.PrivateKey = strings.TrimSuffix(string(block), "\n")
	}
	return g, nil
}

func generateED25519(f Format, comment string) (*Generated, error) {
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate ed25519 key: %w", err)
	}
	return ed25519Material(k, f, comment)
}

// ed25519Material renders an ED25519 private key as CreateKeyPair returns it.
func ed25519Material(k ed25519.PrivateKey, f Format, comment string) (*Generated, error) {
	pubKey := k.Public().(ed25519.PublicKey)
	pub, err := ssh.NewPublicKey(pubKey)
	if err != nil {
		return nil, fmt.Errorf("encode ed25519 public key: %w", err)
	}
	fp, err := ed25519Fingerprint(pubKey)
	if err != nil {
		return nil, err
	}
	g := &Generated{Type: ED25519, PublicKey: authorizedKey(pub, comment), Fingerprint: fp}
	switch f {
	case PPK:
		g.PrivateKey = encodePPK(pub, ed25519PPKPrivate(k), comment)
	default:
		// ED25519 has no PKCS#1 form; EC2 sends the OpenSSH container. The
		// trailing newline stays: OpenSSH refuses the file without it.
		block, err := ssh.MarshalPrivateKey(k, comment)
		if err != nil {
			return nil, fmt.Errorf("encode ed25519 private key: %w", err)
		}
		g.PrivateKey = string(pem.EncodeToMemory(block))
	}
	return g, nil
}

// authorizedKey renders pub as one authorized_keys line, "type base64" and then
// the comment if there is one.
func authorizedKey(pub ssh.PublicKey, comment string) string {
	line := strings.TrimSuffix(string(ssh.MarshalAuthorizedKey(pub)), "\n")
	if comment == "" {
		return line
	}
	return line + " " + comment
}

// checkComment rejects comments that would corrupt a key file: PPK forbids CR
// and LF in its Comment header and an authorized_keys line ends at a newline.
func checkComment(c string) error {
	for _, r := range c {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("comment %q has a control character: %w", c, ErrInvalidParameter)
		}
	}
	return nil
}
