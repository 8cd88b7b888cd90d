package sshkey

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
)

// decodePPK is an independent reader for unencrypted PuTTY-User-Key-File-2
// files: it checks the MAC and rebuilds the private key from the blobs, so the
// tests can check Kumo's PPK output without puttygen.
func decodePPK(text string) (crypto.Signer, error) {
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	next := func(name string) (string, error) {
		if len(lines) == 0 {
			return "", fmt.Errorf("missing %s", name)
		}
		v, ok := strings.CutPrefix(lines[0], name+": ")
		if !ok {
			return "", fmt.Errorf("want %s, got %q", name, lines[0])
		}
		lines = lines[1:]
		return v, nil
	}
	blob := func(name string) ([]byte, error) {
		v, err := next(name)
		if err != nil {
			return nil, err
		}
		n, err := strconv.Atoi(v)
		if err != nil || n > len(lines) {
			return nil, fmt.Errorf("%s: %q", name, v)
		}
		b, err := base64.StdEncoding.DecodeString(strings.Join(lines[:n], ""))
		lines = lines[n:]
		return b, err
	}
	alg, err := next("PuTTY-User-Key-File-2")
	if err != nil {
		return nil, err
	}
	enc, err := next("Encryption")
	if err != nil || enc != "none" {
		return nil, fmt.Errorf("encryption %q, %v", enc, err)
	}
	comment, err := next("Comment")
	if err != nil {
		return nil, err
	}
	pub, err := blob("Public-Lines")
	if err != nil {
		return nil, err
	}
	priv, err := blob("Private-Lines")
	if err != nil {
		return nil, err
	}
	mac, err := next("Private-MAC")
	if err != nil {
		return nil, err
	}
	if len(lines) != 0 {
		return nil, fmt.Errorf("trailing lines %q", lines)
	}
	if want := ppkMAC(alg, enc, comment, pub, priv); mac != want {
		return nil, fmt.Errorf("Private-MAC %s, want %s", mac, want)
	}

	switch alg {
	case ssh.KeyAlgoRSA:
		var pw struct {
			Name string
			E, N *big.Int
		}
		var kw struct{ D, P, Q, Iqmp *big.Int }
		if err := errors.Join(ssh.Unmarshal(pub, &pw), ssh.Unmarshal(priv, &kw)); err != nil {
			return nil, err
		}
		k := &rsa.PrivateKey{PublicKey: rsa.PublicKey{N: pw.N, E: int(pw.E.Int64())}, D: kw.D, Primes: []*big.Int{kw.P, kw.Q}}
		if err := k.Validate(); err != nil {
			return nil, err
		}
		k.Precompute()
		if k.Precomputed.Qinv.Cmp(kw.Iqmp) != 0 {
			return nil, errors.New("iqmp is not q⁻¹ mod p")
		}
		return k, nil
	case ssh.KeyAlgoED25519:
		var pw struct{ Name, Key string }
		var kw struct{ Seed []byte }
		if err := errors.Join(ssh.Unmarshal(pub, &pw), ssh.Unmarshal(priv, &kw)); err != nil {
			return nil, err
		}
		if len(kw.Seed) != ed25519.SeedSize {
			return nil, fmt.Errorf("seed of %d bytes", len(kw.Seed))
		}
		k := ed25519.NewKeyFromSeed(kw.Seed)
		if !bytes.Equal(k.Public().(ed25519.PublicKey), []byte(pw.Key)) {
			return nil, errors.New("public blob is not the seed's public key")
		}
		return k, nil
	}
	return nil, fmt.Errorf("algorithm %q", alg)
}

// TestDecodePPKOfPuttygen checks the test's own reader (and so the MAC Kumo
// computes) against files puttygen wrote.
func TestDecodePPKOfPuttygen(t *testing.T) {
	for name, ppk := range map[string]string{"rsa": rsa2048PPK, "ed25519": ed25519PPK} {
		t.Run(name, func(t *testing.T) {
			if _, err := decodePPK(ppk); err != nil {
				t.Fatal(err)
			}
			tampered := strings.Replace(ppk, "Comment: fixture", "Comment: fixturE", 1)
			if _, err := decodePPK(tampered); err == nil {
				t.Error("decodePPK accepted a file whose comment was edited after the MAC")
			}
		})
	}
}

// TestPPKWithPuttygen has the real puttygen load Kumo's PPK files (which checks
// the MAC and, for RSA, the key's consistency) and export them to OpenSSH. It
// is skipped only where puttygen is not installed (Debian: putty-tools);
// TestMaterialOfFixedKeys and TestGenerate still check the format then.
func TestPPKWithPuttygen(t *testing.T) {
	puttygen, err := exec.LookPath("puttygen")
	if err != nil {
		t.Skip("puttygen not installed (apt-get install putty-tools)")
	}
	for _, typ := range []Type{RSA, ED25519} {
		t.Run(string(typ), func(t *testing.T) {
			g, err := Generate(typ, PPK, "kumo test key")
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			in, pubOut, privOut := filepath.Join(dir, "key.ppk"), filepath.Join(dir, "key.pub"), filepath.Join(dir, "key")
			if err := os.WriteFile(in, []byte(g.PrivateKey), 0o600); err != nil {
				t.Fatal(err)
			}
			for _, args := range [][]string{
				{in, "-O", "public-openssh", "-o", pubOut},
				{in, "-O", "private-openssh-new", "-o", privOut},
			} {
				if out, err := exec.Command(puttygen, args...).CombinedOutput(); err != nil {
					t.Fatalf("puttygen %s: %v\n%s", strings.Join(args, " "), err, out)
				}
			}
			pub, err := os.ReadFile(pubOut)
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.TrimSpace(string(pub)); got != g.PublicKey {
				t.Errorf("puttygen public key = %q, want %q", got, g.PublicKey)
			}
			priv, err := os.ReadFile(privOut)
			if err != nil {
				t.Fatal(err)
			}
			signer, err := ssh.ParsePrivateKey(priv)
			if err != nil {
				t.Fatalf("parse puttygen's export: %v", err)
			}
			if got := authorizedLine(signer.PublicKey()); got != keyOnly(g.PublicKey) {
				t.Errorf("puttygen private key exports public %q, want %q", got, keyOnly(g.PublicKey))
			}
		})
	}
}
