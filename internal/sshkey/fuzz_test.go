package sshkey

import (
	"errors"
	"testing"
)

// FuzzParsePublic feeds ParsePublic arbitrary material. Whatever it is given,
// it must not panic, must fail only with ErrInvalidFormat, and whatever it
// accepts must be a supported key whose normalised line parses back to itself.
func FuzzParsePublic(f *testing.F) {
	for _, seed := range []string{
		rsa2048Public, ed25519Public, rsa1024Public, ecdsaPublic, dsaPublic,
		rsa2048RFC4716, ed25519RFC4716, rsa2048SPKI, rsa2048PKCS1, ecdsaSPKI,
		pemBody(rsa2048SPKI), pemBody(rsa2048PKCS1), rsa2048PPK, rsa2048Private,
		"", "ssh-rsa", "ssh-rsa AAAA", rfc4716Begin + "\n" + rfc4716End,
		"-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, material []byte) {
		imp, err := ParsePublic(material)
		if err != nil {
			if !errors.Is(err, ErrInvalidFormat) {
				t.Fatalf("error %q does not match ErrInvalidFormat", err)
			}
			return
		}
		if imp.Type != RSA && imp.Type != ED25519 {
			t.Fatalf("accepted a %q key", imp.Type)
		}
		again, err := ParsePublic([]byte(imp.PublicKey))
		if err != nil {
			t.Fatalf("normalised key %q does not parse: %v", imp.PublicKey, err)
		}
		if again.Type != imp.Type || again.PublicKey != imp.PublicKey || again.Fingerprint != imp.Fingerprint || again.Comment != "" {
			t.Fatalf("normalised key parses to %+v, not %+v", again, imp)
		}
	})
}
