package sshkey

import (
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"math/big"
	"strconv"
	"strings"

	"golang.org/x/crypto/ssh"
)

// PuTTY private key files, as CreateKeyPair returns them for KeyFormat=ppk.
//
// Kumo writes version 2 of the format, unencrypted, as EC2's .ppk files are
// ("PuTTY-User-Key-File-2: ssh-rsa"). Version 3 (PuTTY 0.75 and later) only
// changes the passphrase hashing and the MAC, which buy nothing for a key with
// no passphrase, while version 2 is readable by every PuTTY since 0.52. The layout is PuTTY's manual, Appendix C; the tests check
// the output byte for byte against puttygen's.

const (
	ppkHeader = "PuTTY-User-Key-File-2: "
	// ppkMACKeyPrefix, hashed with the passphrase appended (empty here),
	// gives the HMAC-SHA-1 key for a version 2 file.
	ppkMACKeyPrefix = "putty-private-key-file-mac-key"
	// ppkLineLen is the width PuTTY wraps the base64 blobs at.
	ppkLineLen = 64
)

// encodePPK renders an unencrypted PuTTY-User-Key-File-2 for the key whose SSH
// public key is pub and whose PuTTY private blob is priv.
func encodePPK(pub ssh.PublicKey, priv []byte, comment string) string {
	alg := pub.Type()
	pubBlob := pub.Marshal()

	var b strings.Builder
	b.WriteString(ppkHeader + alg + "\n")
	b.WriteString("Encryption: none\n")
	b.WriteString("Comment: " + comment + "\n")
	writePPKBlob(&b, "Public-Lines", pubBlob)
	writePPKBlob(&b, "Private-Lines", priv)
	b.WriteString("Private-MAC: " + ppkMAC(alg, "none", comment, pubBlob, priv) + "\n")
	return b.String()
}

// ppkMAC is the version 2 Private-MAC: HMAC-SHA-1, keyed with
// SHA-1(prefix + passphrase), over the algorithm, encryption, comment, public
// blob and private blob, each as an SSH string. It covers the cleartext fields
// too, so PuTTY rejects a file whose comment or public half was edited.
func ppkMAC(alg, encryption, comment string, pub, priv []byte) string {
	key := sha1.Sum([]byte(ppkMACKeyPrefix))
	mac := hmac.New(sha1.New, key[:])
	mac.Write(ssh.Marshal(struct {
		Alg, Encryption, Comment string
		Public, Private          []byte
	}{alg, encryption, comment, pub, priv}))
	return hex.EncodeToString(mac.Sum(nil))
}

// writePPKBlob writes "<name>: <line count>" and blob in base64 lines.
func writePPKBlob(b *strings.Builder, name string, blob []byte) {
	enc := base64.StdEncoding.EncodeToString(blob)
	lines := (len(enc) + ppkLineLen - 1) / ppkLineLen
	b.WriteString(name + ": " + strconv.Itoa(lines) + "\n")
	for i := 0; i < len(enc); i += ppkLineLen {
		b.WriteString(enc[i:min(i+ppkLineLen, len(enc))] + "\n")
	}
}

// rsaPPKPrivate is PuTTY's RSA private blob: mpints d, p, q and iqmp, where
// iqmp is q⁻¹ mod p — the PKCS#1 coefficient, so p and q keep PKCS#1's order.
func rsaPPKPrivate(k *rsa.PrivateKey) []byte {
	p, q := k.Primes[0], k.Primes[1]
	iqmp := new(big.Int).ModInverse(q, p)
	return ssh.Marshal(struct{ D, P, Q, Iqmp *big.Int }{k.D, p, q, iqmp})
}

// ed25519PPKPrivate is PuTTY's ED25519 private blob: one string holding the
// 32-byte seed (RFC 8032's private key), not the 64-byte seed||public form
// Go and OpenSSH keep.
func ed25519PPKPrivate(k ed25519.PrivateKey) []byte {
	return ssh.Marshal(struct{ Seed []byte }{k.Seed()})
}
