// Package sshkey owns EC2 key pair material: the private keys Kumo makes for
// CreateKeyPair, the public keys it accepts for ImportKeyPair, and the
// fingerprints DescribeKeyPairs shows for both, each byte-for-byte as Amazon EC2
// makes and shows them.
//
// EC2 fingerprints a key differently depending on where it came from, and
// clients compare them against what they compute locally, so the rules here are
// exact rather than "some hash of the key":
//
//   - created RSA: SHA-1 of the DER PKCS#8 private key, colon-separated hex;
//   - imported RSA: MD5 of the DER SubjectPublicKeyInfo, colon-separated hex;
//   - ED25519, created or imported: base64 of the SHA-256 of the SSH wire
//     public key, with the trailing "=" padding and without OpenSSH's
//     "SHA256:" prefix.
//
// The package does no I/O and keeps no state; handlers call it and translate its
// sentinel errors to AWS codes (see the error variables).
package sshkey

import "errors"

// Type is the EC2 KeyType of a key pair.
type Type string

// The key types EC2 accepts for CreateKeyPair and reports in DescribeKeyPairs.
const (
	RSA     Type = "rsa"
	ED25519 Type = "ed25519"
)

// Format is the EC2 KeyFormat in which CreateKeyPair returns the private key.
type Format string

// The private key formats CreateKeyPair accepts.
const (
	PEM Format = "pem"
	PPK Format = "ppk"
)

// RSABits is the size of the RSA keys Generate makes; CreateKeyPair makes
// 2048-bit RSA keys and nothing else.
const RSABits = 2048

// The RSA modulus sizes ParsePublic accepts. EC2's guide lists 1024, 2048 and
// 4096, yet users report importing 8192-bit keys, and 3072 bits is what
// ssh-keygen has made by default since OpenSSH 8.1; refusing those would break
// ordinary keys, so Kumo accepts the range rather than the three sizes. 1024 is
// the documented floor and OpenSSH's own minimum; 16384 is the largest modulus
// OpenSSH (and golang.org/x/crypto/ssh) will load.
const (
	MinRSABits = 1024
	MaxRSABits = 16384
)

// Sentinel errors. Handlers match them with errors.Is and turn them into AWS
// errors at the edge:
//
//   - every error from ParsePublic matches ErrInvalidFormat and becomes
//     InvalidKey.Format with EC2's message "Key is not in valid OpenSSH public
//     key format" — EC2 answers ECDSA, DSA and wrongly sized keys with that same
//     code and message, so the finer sentinels below only say why;
//   - ErrInvalidParameter, from Generate, becomes InvalidParameterValue.
var (
	// ErrInvalidFormat means the material is not a public key in a format EC2
	// imports. AWS: InvalidKey.Format.
	ErrInvalidFormat = errors.New("key is not in valid OpenSSH public key format")

	// ErrUnsupportedKeyType means the material is a well-formed key of a type
	// EC2 does not import (ECDSA, DSA, security keys, certificates). ParsePublic
	// wraps it together with ErrInvalidFormat. AWS: InvalidKey.Format.
	ErrUnsupportedKeyType = errors.New("unsupported key type")

	// ErrKeyLength means an RSA key whose modulus is outside
	// [MinRSABits, MaxRSABits]. ParsePublic wraps it together with
	// ErrInvalidFormat. AWS: InvalidKey.Format.
	ErrKeyLength = errors.New("unsupported rsa key length")

	// ErrInvalidParameter means Generate was asked for a key type or format EC2
	// does not make, or given a comment that cannot go into a key file.
	// AWS: InvalidParameterValue.
	ErrInvalidParameter = errors.New("invalid key pair parameter")
)

// Generated is a key pair made by Kumo for CreateKeyPair.
type Generated struct {
	// Type is the key type that was made.
	Type Type
	// PrivateKey is the CreateKeyPair KeyMaterial: for PEM, an unencrypted
	// PKCS#1 "RSA PRIVATE KEY" block (no trailing newline, as EC2 sends it) or
	// an "OPENSSH PRIVATE KEY" block for ED25519 (with the trailing newline
	// OpenSSH needs to load it); for PPK, a PuTTY-User-Key-File-2 file.
	PrivateKey string
	// PublicKey is the OpenSSH authorized_keys line, with the comment given to
	// Generate (EC2 uses the key name) after the key when it is not empty; it
	// is what DescribeKeyPairs returns with IncludePublicKey.
	PublicKey string
	// Fingerprint is the KeyFingerprint EC2 shows for a key it created.
	Fingerprint string
}

// Imported is a public key given to ImportKeyPair.
type Imported struct {
	// Type is the key type, read from the key itself.
	Type Type
	// PublicKey is the key as a normalised OpenSSH authorized_keys line,
	// "ssh-rsa AAAA…" or "ssh-ed25519 AAAA…", with no comment, whatever format
	// it arrived in.
	PublicKey string
	// Comment is the comment the material carried (the third field of an
	// OpenSSH line, or an RFC 4716 Comment header), or "". It is raw input and
	// may hold any bytes.
	Comment string
	// Fingerprint is the KeyFingerprint EC2 shows for an imported key.
	Fingerprint string
}
