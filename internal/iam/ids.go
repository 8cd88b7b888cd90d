package iam

import (
	"crypto/rand"
	"strings"
)

// Unique-id prefixes IAM gives each entity type.
const (
	userIDPrefix    = "AIDA"
	groupIDPrefix   = "AGPA"
	roleIDPrefix    = "AROA"
	policyIDPrefix  = "ANPA"
	profileIDPrefix = "AIPA"
)

const base32Upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

// newUniqueID returns an IAM unique id: the type prefix and 17 characters of
// upper-case base32, 21 in all, the shape of AIDACKCEVSQ6C2EXAMPLE.
func newUniqueID(prefix string) string {
	return prefix + randomBase32(17)
}

func randomBase32(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails on Linux
	var sb strings.Builder
	sb.Grow(n)
	for _, c := range b {
		sb.WriteByte(base32Upper[int(c)%32])
	}
	return sb.String()
}

// arn builds arn:aws:iam::ACCOUNT:TYPE/PATH/NAME; path begins and ends with "/".
func arn(account, typ, path, name string) string {
	return "arn:aws:iam::" + account + ":" + typ + path + name
}
