package imds

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"math/big"
	"slices"
	"time"
)

// PKCS #7 (RFC 2315) SignedData, just enough for the identity document: the
// document embedded as data, one RSA signer named by issuer and serial, and
// the authenticated attributes OpenSSL expects. No certificates are
// embedded; as on EC2, the verifier brings them (openssl smime -verify
// -certfile). The standard library has no PKCS #7 writer and this is the
// only one Kumo needs, so it is written here rather than pulled in.
var (
	oidData          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidSignedData    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	oidContentType   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	oidMessageDigest = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	oidSigningTime   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 5}
	oidSHA256        = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidRSAEncryption = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
)

type contentInfo struct {
	ContentType asn1.ObjectIdentifier
	Content     asn1.RawValue // [0] EXPLICIT, built by explicit0
}

type signedData struct {
	Version          int
	DigestAlgorithms []pkix.AlgorithmIdentifier `asn1:"set"`
	ContentInfo      contentInfo
	SignerInfos      []signerInfo `asn1:"set"`
}

type signerInfo struct {
	Version                   int
	IssuerAndSerialNumber     issuerAndSerial
	DigestAlgorithm           pkix.AlgorithmIdentifier
	AuthenticatedAttributes   asn1.RawValue // [0] IMPLICIT SET OF Attribute
	DigestEncryptionAlgorithm pkix.AlgorithmIdentifier
	EncryptedDigest           []byte
}

type issuerAndSerial struct {
	Issuer       asn1.RawValue
	SerialNumber *big.Int
}

type attribute struct {
	Type   asn1.ObjectIdentifier
	Values []asn1.RawValue `asn1:"set"`
}

// pkcs7Sign returns the DER of a SignedData over content.
func pkcs7Sign(key crypto.Signer, cert *x509.Certificate, content []byte, now time.Time) ([]byte, error) {
	digest := sha256.Sum256(content)
	attrs, err := signedAttributes(digest[:], now)
	if err != nil {
		return nil, err
	}
	// The signature covers the attributes encoded as a universal SET, though
	// they travel under the [0] tag (RFC 2315 section 9.3).
	set, err := asn1.Marshal(asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSet, IsCompound: true, Bytes: attrs})
	if err != nil {
		return nil, err
	}
	h := sha256.Sum256(set)
	sig, err := key.Sign(rand.Reader, h[:], crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("pkcs7 sign: %w", err)
	}
	octets, err := asn1.Marshal(content)
	if err != nil {
		return nil, err
	}
	sha256Alg := pkix.AlgorithmIdentifier{Algorithm: oidSHA256, Parameters: asn1.NullRawValue}
	sd := signedData{
		Version:          1,
		DigestAlgorithms: []pkix.AlgorithmIdentifier{sha256Alg},
		ContentInfo:      contentInfo{ContentType: oidData, Content: explicit0(octets)},
		SignerInfos: []signerInfo{{
			Version:                   1,
			IssuerAndSerialNumber:     issuerAndSerial{Issuer: asn1.RawValue{FullBytes: cert.RawIssuer}, SerialNumber: cert.SerialNumber},
			DigestAlgorithm:           sha256Alg,
			AuthenticatedAttributes:   asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: attrs},
			DigestEncryptionAlgorithm: pkix.AlgorithmIdentifier{Algorithm: oidRSAEncryption, Parameters: asn1.NullRawValue},
			EncryptedDigest:           sig,
		}},
	}
	inner, err := asn1.Marshal(sd)
	if err != nil {
		return nil, fmt.Errorf("pkcs7 marshal: %w", err)
	}
	return asn1.Marshal(contentInfo{ContentType: oidSignedData, Content: explicit0(inner)})
}

// signedAttributes returns the DER of contentType, signingTime and
// messageDigest, concatenated in the order DER requires for a SET OF.
func signedAttributes(digest []byte, now time.Time) ([]byte, error) {
	var encoded [][]byte
	for _, a := range []struct {
		oid asn1.ObjectIdentifier
		val any
	}{
		{oidContentType, oidData},
		{oidSigningTime, now.UTC().Truncate(time.Second)},
		{oidMessageDigest, digest},
	} {
		v, err := asn1.Marshal(a.val)
		if err != nil {
			return nil, err
		}
		b, err := asn1.Marshal(attribute{Type: a.oid, Values: []asn1.RawValue{{FullBytes: v}}})
		if err != nil {
			return nil, err
		}
		encoded = append(encoded, b)
	}
	slices.SortFunc(encoded, bytes.Compare)
	return bytes.Join(encoded, nil), nil
}

func explicit0(der []byte) asn1.RawValue {
	return asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: der}
}
