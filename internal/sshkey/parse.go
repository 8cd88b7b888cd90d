package sshkey

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/binary"
	"encoding/pem"
	"fmt"
	"math/big"
	"strings"

	"golang.org/x/crypto/ssh"
)

// maxMaterial bounds the input ParsePublic looks at. The largest key it
// accepts, a 16384-bit RSA key in RFC 4716 form, is under 3 KiB; the bound only
// stops a client from making the server decode megabytes to learn that.
const maxMaterial = 16 << 10

// ParsePublic reads the PublicKeyMaterial of ImportKeyPair in any of the
// formats EC2 accepts:
//
//   - an OpenSSH authorized_keys line, "ssh-rsa AAAA… comment" (RSA or ED25519);
//   - an RFC 4716 "---- BEGIN SSH2 PUBLIC KEY ----" block (RSA only);
//   - base64 DER, a SubjectPublicKeyInfo or a PKCS#1 RSAPublicKey, bare or in
//     a PEM "PUBLIC KEY" / "RSA PUBLIC KEY" block (RSA only).
//
// material is the text itself: the query codec has already undone the one
// base64 encoding the API puts around the blob. Surrounding whitespace, CRLF
// line ends, blank lines and "#" lines around an OpenSSH key are tolerated, as
// ssh-keygen and editors leave them. Every error matches ErrInvalidFormat.
func ParsePublic(material []byte) (*Imported, error) {
	imp, err := parsePublic(material)
	if err != nil {
		return nil, fmt.Errorf("parse public key: %w", err)
	}
	return imp, nil
}

func parsePublic(material []byte) (*Imported, error) {
	if len(material) > maxMaterial {
		return nil, fmt.Errorf("%d bytes is too long: %w", len(material), ErrInvalidFormat)
	}
	text := strings.TrimSpace(string(material))
	switch {
	case text == "":
		return nil, fmt.Errorf("empty: %w", ErrInvalidFormat)
	case strings.HasPrefix(text, rfc4716Begin):
		blob, comment, err := parseRFC4716(text)
		if err != nil {
			return nil, err
		}
		return fromBlob(blob, comment, false)
	case strings.HasPrefix(text, "-----BEGIN "):
		return parsePEM(text)
	}
	line, err := keyLine(text)
	if err != nil {
		return nil, err
	}
	if len(strings.Fields(line)) == 1 {
		return parseDER(line)
	}
	return parseOpenSSH(line)
}

// keyLine picks the one key line out of text, skipping the blank and "#" lines
// that authorized_keys allows. A bare base64 DER key may be wrapped over
// several lines, so lines that are a single token are joined back together.
func keyLine(text string) (string, error) {
	var keys []string
	for _, l := range strings.Split(text, "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		keys = append(keys, l)
	}
	if len(keys) == 1 {
		return keys[0], nil
	}
	for _, k := range keys {
		if len(strings.Fields(k)) != 1 {
			return "", fmt.Errorf("%d keys where one was expected: %w", len(keys), ErrInvalidFormat)
		}
	}
	return strings.Join(keys, ""), nil
}

// parseOpenSSH reads "type base64 [comment]". Key options (command="…" and the
// like) are refused: they belong to an authorized_keys file, not to a key, and
// Kumo writes the stored key into guests' authorized_keys verbatim.
func parseOpenSSH(line string) (*Imported, error) {
	typ, rest := cutField(line)
	enc, comment := cutField(rest)
	blob, err := base64.StdEncoding.DecodeString(enc)
	if err != nil {
		return nil, fmt.Errorf("openssh key body: %w", ErrInvalidFormat)
	}
	if blobType(blob) != typ {
		return nil, fmt.Errorf("openssh key says %.40q but holds %.40q: %w", typ, blobType(blob), ErrInvalidFormat)
	}
	return fromBlob(blob, strings.TrimSpace(comment), true)
}

// cutField splits s at the first run of spaces or tabs.
func cutField(s string) (field, rest string) {
	s = strings.TrimLeft(s, " \t")
	if i := strings.IndexAny(s, " \t"); i >= 0 {
		return s[:i], s[i:]
	}
	return s, ""
}

func parsePEM(text string) (*Imported, error) {
	block, rest := pem.Decode([]byte(text))
	if block == nil || len(bytes.TrimSpace(rest)) > 0 || len(block.Headers) > 0 {
		return nil, fmt.Errorf("pem block: %w", ErrInvalidFormat)
	}
	switch block.Type {
	case "PUBLIC KEY", "RSA PUBLIC KEY":
		return fromDER(block.Bytes)
	default:
		return nil, fmt.Errorf("pem block %.40q: %w", block.Type, ErrInvalidFormat)
	}
}

func parseDER(enc string) (*Imported, error) {
	der, err := base64.StdEncoding.DecodeString(enc)
	if err != nil {
		return nil, fmt.Errorf("base64 der key: %w", ErrInvalidFormat)
	}
	return fromDER(der)
}

// fromDER reads a SubjectPublicKeyInfo or, failing that, a PKCS#1
// RSAPublicKey. EC2 takes only RSA keys this way.
func fromDER(der []byte) (*Imported, error) {
	key, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		rsaKey, err1 := x509.ParsePKCS1PublicKey(der)
		if err1 != nil {
			return nil, fmt.Errorf("der key: neither spki (%v) nor pkcs#1 (%v): %w", err, err1, ErrInvalidFormat)
		}
		key = rsaKey
	}
	switch k := key.(type) {
	case *rsa.PublicKey:
		pub, err := ssh.NewPublicKey(k)
		if err != nil {
			return nil, fmt.Errorf("der key: %v: %w", err, ErrInvalidFormat)
		}
		return fromBlob(pub.Marshal(), "", false)
	case ed25519.PublicKey:
		return nil, fmt.Errorf("der key: ed25519 is imported only in openssh format: %w", ErrInvalidFormat)
	default:
		return nil, fmt.Errorf("der key of type %T: %w (%w)", key, ErrUnsupportedKeyType, ErrInvalidFormat)
	}
}

// fromBlob checks an SSH wire-format public key and fingerprints it. EC2
// imports ED25519 keys only from OpenSSH lines, so the other formats pass
// allowED25519=false.
func fromBlob(blob []byte, comment string, allowED25519 bool) (*Imported, error) {
	typ := blobType(blob)
	switch {
	case typ == ssh.KeyAlgoRSA:
	case typ == ssh.KeyAlgoED25519 && allowED25519:
	case typ == ssh.KeyAlgoED25519:
		return nil, fmt.Errorf("ed25519 is imported only in openssh format: %w", ErrInvalidFormat)
	case unsupportedType(typ):
		return nil, fmt.Errorf("%.60q: %w (%w)", typ, ErrUnsupportedKeyType, ErrInvalidFormat)
	default:
		return nil, fmt.Errorf("unknown key type %.40q: %w", typ, ErrInvalidFormat)
	}
	if typ == ssh.KeyAlgoRSA {
		if err := checkRSASize(blob); err != nil {
			return nil, err
		}
	}
	pub, err := ssh.ParsePublicKey(blob)
	if err != nil {
		return nil, fmt.Errorf("%s key: %v: %w", typ, err, ErrInvalidFormat)
	}
	imp := &Imported{PublicKey: authorizedKey(pub, ""), Comment: comment}
	switch k := pub.(ssh.CryptoPublicKey).CryptoPublicKey().(type) {
	case *rsa.PublicKey:
		imp.Type = RSA
		imp.Fingerprint, err = importedRSAFingerprint(k)
	case ed25519.PublicKey:
		imp.Type = ED25519
		imp.Fingerprint, err = ed25519Fingerprint(k)
	default:
		return nil, fmt.Errorf("%s key holds %T: %w", typ, k, ErrInvalidFormat)
	}
	if err != nil {
		return nil, err
	}
	return imp, nil
}

// checkRSASize refuses RSA moduli outside [MinRSABits, MaxRSABits]. It reads
// the blob itself because ssh.ParsePublicKey rejects oversized moduli with an
// error that does not say so.
func checkRSASize(blob []byte) error {
	var w struct {
		Name string
		E, N *big.Int
		Rest []byte `ssh:"rest"`
	}
	if err := ssh.Unmarshal(blob, &w); err != nil {
		return fmt.Errorf("rsa key: %v: %w", err, ErrInvalidFormat)
	}
	if w.N.Sign() <= 0 || w.E.Sign() <= 0 {
		return fmt.Errorf("rsa key: non-positive modulus or exponent: %w", ErrInvalidFormat)
	}
	if bits := w.N.BitLen(); bits < MinRSABits || bits > MaxRSABits {
		return fmt.Errorf("%d-bit rsa key: %w (%w)", bits, ErrKeyLength, ErrInvalidFormat)
	}
	return nil
}

// blobType reads the algorithm name that starts every SSH public key blob.
func blobType(blob []byte) string {
	if len(blob) < 4 {
		return ""
	}
	n := binary.BigEndian.Uint32(blob)
	if uint64(n) > uint64(len(blob)-4) {
		return ""
	}
	return string(blob[4 : 4+n])
}

// unsupportedType reports the real SSH key types EC2 refuses: DSA, ECDSA,
// FIDO security keys, Ed448 and certificates of any of them.
func unsupportedType(typ string) bool {
	return typ == ssh.KeyAlgoDSA || typ == "ssh-ed448" ||
		strings.HasPrefix(typ, "ecdsa-sha2-") ||
		strings.HasPrefix(typ, "sk-") ||
		strings.HasSuffix(typ, "-cert-v01@openssh.com")
}
