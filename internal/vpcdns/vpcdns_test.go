package vpcdns

import (
	"fmt"
	"net/netip"
	"sync"
	"testing"
)

func TestTable(t *testing.T) {
	var tab Table
	if _, ok := tab.Addr("ip-10-0-1-5.ec2.internal"); ok {
		t.Fatal("zero table knows a name")
	}
	if _, ok := tab.Name(netip.MustParseAddr("10.0.1.5")); ok {
		t.Fatal("zero table knows an address")
	}
	tab.Set(map[string]netip.Addr{
		"IP-10-0-1-5.EC2.Internal.":            netip.MustParseAddr("10.0.1.5"),
		"ec2-54-0-0-9.compute-1.amazonaws.com": netip.MustParseAddr("10.0.1.5"),
		"b.ec2.internal":                       netip.MustParseAddr("::ffff:10.0.1.6"),
		"a.ec2.internal":                       netip.MustParseAddr("10.0.1.6"),
		"":                                     netip.MustParseAddr("10.0.1.7"),
		"invalid.ec2.internal":                 {},
	})
	for _, tc := range []struct {
		name string
		want string // "" for unknown
	}{
		{"ip-10-0-1-5.ec2.internal", "10.0.1.5"},
		{"ec2-54-0-0-9.compute-1.amazonaws.com", "10.0.1.5"},
		{"b.ec2.internal", "10.0.1.6"},
		{"IP-10-0-1-5.EC2.Internal", ""}, // lookups are already canonical
		{"invalid.ec2.internal", ""},
	} {
		ip, ok := tab.Addr(tc.name)
		if got := map[bool]string{true: ip.String(), false: ""}[ok]; got != tc.want {
			t.Errorf("Addr(%q) = %q, want %q", tc.name, got, tc.want)
		}
	}
	for _, tc := range []struct{ ip, want string }{
		{"10.0.1.5", "ip-10-0-1-5.ec2.internal"}, // the private name wins over the public one
		{"10.0.1.6", "a.ec2.internal"},           // then lexical order
		{"::ffff:10.0.1.6", "a.ec2.internal"},
		{"10.0.1.7", ""},
	} {
		name, _ := tab.Name(netip.MustParseAddr(tc.ip))
		if name != tc.want {
			t.Errorf("Name(%s) = %q, want %q", tc.ip, name, tc.want)
		}
	}
	if n := tab.Len(); n != 4 {
		t.Errorf("Len = %d, want 4", n)
	}
	tab.Set(nil)
	if _, ok := tab.Addr("ip-10-0-1-5.ec2.internal"); ok || tab.Len() != 0 {
		t.Error("Set(nil) kept names")
	}
}

// TestTableAtomic checks under -race that lookups during Set are safe and
// never fall into a window where the table is empty or half built.
func TestTableAtomic(t *testing.T) {
	var tab Table
	gen := func(i int) map[string]netip.Addr {
		ip := netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)})
		return map[string]netip.Addr{"a.ec2.internal": ip, "b.ec2.internal": ip}
	}
	tab.Set(gen(0))
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := 1; i < 2000; i++ {
			tab.Set(gen(i))
		}
	})
	for range 4 {
		wg.Go(func() {
			for range 2000 {
				a, ok := tab.Addr("a.ec2.internal")
				if _, ok2 := tab.Addr("b.ec2.internal"); !ok || !ok2 || !a.Is4() {
					panic(fmt.Sprintf("lookup during Set: %s %v %v", a, ok, ok2))
				}
			}
		})
	}
	wg.Wait()
}
