package netplane

import (
	"flag"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata golden files")

func TestShortID(t *testing.T) {
	seen := map[string]string{}
	for _, id := range []string{"vpc-0a1b2c3d4e5f67890", "vpc-0a1b2c3d4e5f67891", "vpc-test", "eni-1", "eni-2"} {
		got := shortID(id)
		if len(got) != 8 || !isLowerHex(got) {
			t.Errorf("shortID(%q) = %q, want 8 hex digits", id, got)
		}
		if other, dup := seen[got]; dup {
			t.Errorf("shortID(%q) = shortID(%q) = %q", id, other, got)
		}
		seen[got] = id
	}
	if got, want := shortID("vpc-0a1b2c3d4e5f67890"), "394faa9b"; got != want {
		t.Errorf("shortID changed: %q, want %q (names in the kernel of running hosts depend on it)", got, want)
	}
	p := &Plane{cfg: Config{Prefix: "kumo12"}}
	if n := p.hostLinkOf("vpc-0a1b2c3d4e5f67890"); len(n) > 15 {
		t.Errorf("host link %q longer than IFNAMSIZ-1", n)
	}
}

func TestAddressing(t *testing.T) {
	sub := netip.MustParsePrefix("172.31.16.0/20")
	if got := gatewayOf(sub).String(); got != "172.31.16.1" {
		t.Errorf("gateway = %s", got)
	}
	if got := dnsOf(netip.MustParsePrefix("172.31.0.0/16")).String(); got != "172.31.0.2" {
		t.Errorf("dns = %s", got)
	}
	if got := broadcastOf(sub).String(); got != "172.31.31.255" {
		t.Errorf("broadcast = %s", got)
	}
	for a, want := range map[string]bool{
		"172.31.16.0": false, "172.31.16.1": false, "172.31.16.2": false, "172.31.16.3": false,
		"172.31.16.4": true, "172.31.31.254": true, "172.31.31.255": false, "172.31.32.4": false,
	} {
		if got := usableInSubnet(sub, netip.MustParseAddr(a)); got != want {
			t.Errorf("usableInSubnet(%s) = %v, want %v", a, got, want)
		}
	}
}

func TestPickLinkNet(t *testing.T) {
	first, err := pickLinkNet("vpc-1", nil)
	if err != nil {
		t.Fatal(err)
	}
	if !linkLocal.Contains(first.Host) || first.Peer != first.Host.Next() || first.prefix().Bits() != 30 {
		t.Fatalf("pickLinkNet = %+v", first)
	}
	// An address of another tool inside the /30 moves us to the next one; a
	// covering /16 route does not.
	used := []netip.Prefix{netip.PrefixFrom(first.Peer, 32), netip.MustParsePrefix("169.254.0.0/16")}
	second, err := pickLinkNet("vpc-1", used)
	if err != nil {
		t.Fatal(err)
	}
	if second.prefix().Overlaps(first.prefix()) {
		t.Errorf("collision not avoided: %v then %v", first.prefix(), second.prefix())
	}
	for slot := range linkSlots {
		ln := linkNetAt(slot)
		if !linkSlotReserved(slot) && netip.MustParsePrefix("169.254.169.0/24").Contains(ln.Host) {
			t.Fatalf("slot %d (%v) not reserved", slot, ln.prefix())
		}
	}
}

func TestRenderVPCRules(t *testing.T) {
	got := renderVPCRules("vpc-0a1b2c3d4e5f67890", netip.MustParsePrefix("172.31.0.0/16"))
	golden := filepath.Join("testdata", "vpc.nft")
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create)", err)
	}
	if got != string(want) {
		t.Errorf("renderVPCRules differs from %s (run with -update if intended):\n%s", golden, got)
	}
}

func isLowerHex(s string) bool {
	for _, c := range s {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return s != ""
}
