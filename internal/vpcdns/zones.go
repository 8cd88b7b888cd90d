package vpcdns

import (
	"net/netip"
	"strconv"
	"strings"
)

// privateRanges are the RFC 1918 ranges. Their reverse zones are answered
// locally whatever the VPC's range (RFC 6303): nobody on the internet can
// say who 10.0.1.5 is, so asking it would only leak the question.
var privateRanges = []netip.Prefix{
	netip.MustParsePrefix("10.0.0.0/8"),
	netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.168.0.0/16"),
}

// forwardZone says whether name lies in one of the private forward zones,
// and whether it is a zone apex (or the empty non-terminal compute.internal),
// which exists but has no address.
func forwardZone(name string) (inZone, apex bool) {
	switch {
	case name == "ec2.internal", name == "compute.internal":
		return true, true
	case strings.HasSuffix(name, ".ec2.internal"):
		return true, false
	case strings.HasSuffix(name, ".compute.internal"):
		region := strings.TrimSuffix(name, ".compute.internal")
		return true, !strings.Contains(region, ".")
	}
	return false, false
}

// reverseName is a name under in-addr.arpa, read from the right.
type reverseName struct {
	prefix netip.Prefix // the octets that parse, from the left of the address
	exact  bool         // exactly four octet labels: prefix is one address
	below  bool         // more labels than octets: a name under prefix's node
}

// parseReverse reads "5.1.0.10.in-addr.arpa". It is false for names outside
// in-addr.arpa and for in-addr.arpa itself or names whose last label is not an
// octet, none of which lie in a zone this server holds.
func parseReverse(name string) (reverseName, bool) {
	rest, ok := strings.CutSuffix(name, ".in-addr.arpa")
	if !ok || rest == "" {
		return reverseName{}, false
	}
	labels := strings.Split(rest, ".")
	var a [4]byte
	k := 0
	for i := len(labels) - 1; i >= 0 && k < 4; i-- {
		o, ok := octet(labels[i])
		if !ok {
			break
		}
		a[k] = o
		k++
	}
	if k == 0 {
		return reverseName{}, false
	}
	return reverseName{
		prefix: netip.PrefixFrom(netip.AddrFrom4(a), 8*k),
		exact:  k == 4 && len(labels) == 4,
		below:  len(labels) > k,
	}, true
}

// octet parses a decimal octet as written in reverse names: no sign, no
// leading zero.
func octet(s string) (byte, bool) {
	if s == "" || len(s) > 3 || (len(s) > 1 && s[0] == '0') {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(s)
	if err != nil || n > 255 {
		return 0, false
	}
	return byte(n), true
}

// within says whether p lies inside one of zones.
func within(p netip.Prefix, zones ...netip.Prefix) bool {
	for _, z := range zones {
		if z.IsValid() && z.Bits() <= p.Bits() && z.Contains(p.Addr()) {
			return true
		}
	}
	return false
}
