package imds

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/kumo-cloud/kumo/internal/clock"
)

var errNoCredentials = errors.New("imds: instance profile has no credentials source")

// Signer is the key with which Kumo signs instance identity documents, in
// place of AWS's per-region key. Guests verify against Cert, which Kumo
// publishes the way AWS publishes its public certificates.
type Signer struct {
	// Key signs. An RSA key serves signature, pkcs7 and rsa2048 like EC2; an
	// ECDSA or Ed25519 key serves signature only.
	Key crypto.Signer
	// Cert is Key's certificate. PKCS #7 names the signer by the issuer and
	// serial number of its certificate, so without one there is no pkcs7.
	Cert *x509.Certificate

	// The cache makes a Signer unsafe to copy once used.
	mu    sync.Mutex
	cache map[[sha256.Size]byte]signatures
}

type signatures struct {
	signature, pkcs7 []byte
}

// maxCachedSignatures bounds the cache; documents rarely change, so a full
// cache is simply dropped.
const maxCachedSignatures = 4096

// identityDocument renders dynamic/instance-identity/document. The nulls are
// members EC2 always sends; clients decode into fixed structs.
func identityDocument(in *Instance) []byte {
	arch := in.Architecture
	if arch == "" {
		arch = "x86_64"
	}
	return awsJSON(
		field{"accountId", in.AccountID},
		field{"architecture", arch},
		field{"availabilityZone", in.AvailabilityZone},
		field{"billingProducts", nil},
		field{"devpayProductCodes", nil},
		field{"marketplaceProductCodes", nil},
		field{"imageId", in.ImageID},
		field{"instanceId", in.InstanceID},
		field{"instanceType", in.InstanceType},
		field{"kernelId", nil},
		field{"pendingTime", awsTime(in.LaunchTime)},
		field{"privateIp", in.LocalIPv4},
		field{"ramdiskId", nil},
		field{"region", in.Region},
		field{"version", "2017-09-30"},
	)
}

// dynamicDir builds dynamic/.
func (s *Server) dynamicDir(in *Instance) *dir {
	doc := identityDocument(in)
	id := &dir{}
	id.add("document", text(doc))
	if sg := s.signer; sg != nil && sg.Key != nil {
		_, isRSA := sg.Key.Public().(*rsa.PublicKey)
		if isRSA && sg.Cert != nil {
			p7 := lazy(func(context.Context) ([]byte, error) {
				sigs, err := sg.sign(doc, s.clk)
				return sigs.pkcs7, err
			})
			id.add("pkcs7", p7)
			id.add("rsa2048", p7)
		}
		id.add("signature", lazy(func(context.Context) ([]byte, error) {
			sigs, err := sg.sign(doc, s.clk)
			return sigs.signature, err
		}))
	}
	return (&dir{}).add("instance-identity", id)
}

// sign returns the signatures of doc, computing them once per document:
// an RSA signature costs about a millisecond, and reads must not.
func (sg *Signer) sign(doc []byte, clk clock.Clock) (signatures, error) {
	h := sha256.Sum256(doc)
	sg.mu.Lock()
	sigs, ok := sg.cache[h]
	sg.mu.Unlock()
	if ok {
		return sigs, nil
	}
	raw, err := signDigest(sg.Key, doc, h[:])
	if err != nil {
		return signatures{}, fmt.Errorf("sign identity document: %w", err)
	}
	sigs.signature = wrap76(raw)
	if sg.Cert != nil {
		if _, ok := sg.Key.Public().(*rsa.PublicKey); ok {
			der, err := pkcs7Sign(sg.Key, sg.Cert, doc, clk.Now())
			if err != nil {
				return signatures{}, fmt.Errorf("sign identity document: %w", err)
			}
			sigs.pkcs7 = wrap76(der)
		}
	}
	sg.mu.Lock()
	if sg.cache == nil || len(sg.cache) >= maxCachedSignatures {
		sg.cache = make(map[[sha256.Size]byte]signatures)
	}
	sg.cache[h] = sigs
	sg.mu.Unlock()
	return sigs, nil
}

// signDigest signs doc whose SHA-256 is digest: RSA PKCS #1 v1.5 as EC2
// does, ECDSA ASN.1, or Ed25519 over the document itself.
func signDigest(key crypto.Signer, doc, digest []byte) ([]byte, error) {
	switch key.Public().(type) {
	case *rsa.PublicKey, *ecdsa.PublicKey:
		return key.Sign(rand.Reader, digest, crypto.SHA256)
	case ed25519.PublicKey:
		return key.Sign(rand.Reader, doc, crypto.Hash(0))
	}
	return nil, fmt.Errorf("unsupported key type %T", key.Public())
}

// wrap76 base64-encodes b in 76-column lines without a final newline, the
// shape EC2 serves; wrapped in BEGIN/END PKCS7 lines it is PEM.
func wrap76(b []byte) []byte {
	s := base64.StdEncoding.EncodeToString(b)
	var out strings.Builder
	for len(s) > 76 {
		out.WriteString(s[:76])
		out.WriteByte('\n')
		s = s[76:]
	}
	out.WriteString(s)
	return []byte(out.String())
}
