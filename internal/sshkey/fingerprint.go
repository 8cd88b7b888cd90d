package sshkey

import (
	"crypto/ed25519"
	"crypto/md5"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"

	"golang.org/x/crypto/ssh"
)

// createdRSAFingerprint is what EC2 shows for an RSA key it created: the SHA-1
// of the DER PKCS#8 encoding of the private key, as `openssl pkcs8 -topk8
// -nocrypt -outform DER | openssl sha1 -c` prints it. Hashing the private key
// means the fingerprint cannot be recomputed from the public key alone, which
// is why EC2's guide tells users to run that command on the .pem file.
func createdRSAFingerprint(k *rsa.PrivateKey) (string, error) {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return "", fmt.Errorf("fingerprint rsa key: %w", err)
	}
	sum := sha1.Sum(der)
	return colonHex(sum[:]), nil
}

// importedRSAFingerprint is what EC2 shows for an RSA key that was imported:
// the MD5 of the DER SubjectPublicKeyInfo, as `ssh-keygen -ef key -m PEM |
// openssl rsa -RSAPublicKey_in -outform DER | openssl md5 -c` prints it. It is
// not OpenSSH's legacy MD5 fingerprint, which hashes the SSH wire encoding.
func importedRSAFingerprint(k *rsa.PublicKey) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(k)
	if err != nil {
		return "", fmt.Errorf("fingerprint rsa key: %w", err)
	}
	sum := md5.Sum(der)
	return colonHex(sum[:]), nil
}

// ed25519Fingerprint is what EC2 shows for any ED25519 key, created or
// imported: OpenSSH's SHA-256 fingerprint of the SSH wire encoding, but spelt
// with base64 padding and without the "SHA256:" prefix
// (ssh.FingerprintSHA256 gives the OpenSSH spelling, which EC2 does not use).
func ed25519Fingerprint(k ed25519.PublicKey) (string, error) {
	pub, err := ssh.NewPublicKey(k)
	if err != nil {
		return "", fmt.Errorf("fingerprint ed25519 key: %w", err)
	}
	sum := sha256.Sum256(pub.Marshal())
	return base64.StdEncoding.EncodeToString(sum[:]), nil
}

// colonHex spells a digest as lowercase hex pairs joined by colons, the form
// `openssl … -c` prints and EC2 returns.
func colonHex(b []byte) string {
	h := hex.EncodeToString(b)
	var sb strings.Builder
	sb.Grow(len(h) + len(b))
	for i := 0; i < len(h); i += 2 {
		if i > 0 {
			sb.WriteByte(':')
		}
		sb.WriteString(h[i : i+2])
	}
	return sb.String()
}
