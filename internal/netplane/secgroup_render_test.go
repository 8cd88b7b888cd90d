package netplane

import (
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var goldenIfc = Interface{ID: "eni-0a1b2c3d4e5f67890", VPC: "vpc-0a1b2c3d4e5f67890", Subnet: "subnet-0a1b2c3d4e5f67890",
	MAC: mustMAC("02:4b:00:00:00:01"), PrivateIP: netip.MustParseAddr("172.31.0.10"),
	SecondaryIPs: []netip.Addr{netip.MustParseAddr("172.31.0.11")}}

// goldenFirewall has one of each kind of rule, duplicates and nested CIDRs.
var goldenFirewall = InterfaceFirewall{
	Ingress: []FirewallRule{
		{Protocol: "tcp", FromPort: 22, ToPort: 22, CIDR: netip.MustParsePrefix("203.0.113.0/24")},
		{Protocol: "tcp", FromPort: 22, ToPort: 22, CIDR: netip.MustParsePrefix("203.0.113.7/32")},
		{Protocol: "6", FromPort: 22, ToPort: 22, CIDR: netip.MustParsePrefix("169.254.0.0/16")},
		{Protocol: "tcp", FromPort: 22, ToPort: 22, Group: "sg-0bastion"},
		{Protocol: "tcp", FromPort: 8000, ToPort: 8099, CIDR: netip.MustParsePrefix("10.1.2.3/32")},
		{Protocol: "udp", FromPort: -1, ToPort: -1, CIDR: netip.MustParsePrefix("172.31.0.0/16")},
		{Protocol: "icmp", FromPort: 8, ToPort: -1, CIDR: netip.MustParsePrefix("0.0.0.0/0")},
		{Protocol: "icmp", FromPort: 3, ToPort: 4, CIDR: netip.MustParsePrefix("0.0.0.0/0")},
		{Protocol: "-1", Group: "sg-0self"},
		{Protocol: "47", CIDR: netip.MustParsePrefix("192.0.2.0/24")},
	},
	Egress: []FirewallRule{
		{Protocol: "-1", CIDR: netip.MustParsePrefix("0.0.0.0/0")},
		{Protocol: "-1", CIDR: netip.MustParsePrefix("10.0.0.0/8")},
	},
}

func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	golden := filepath.Join("testdata", name)
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
		t.Errorf("rendered rules differ from %s (run with -update if intended):\n%s", golden, got)
	}
}

func TestRenderSecurityGroups(t *testing.T) {
	checkGolden(t, "secgroup_base.nft", renderSGBase())
	fw, err := renderFirewall(goldenIfc, goldenFirewall)
	must(t, err)
	checkGolden(t, "secgroup_iface.nft", fw+renderSpoof(goldenIfc))
	checkGolden(t, "secgroup_members.nft", renderMembers("sg-0bastion", []netip.Addr{
		netip.MustParseAddr("172.31.16.20"), netip.MustParseAddr("172.31.0.11"), netip.MustParseAddr("172.31.0.11")}))
	// A reset to no rules at all: default deny inbound, nothing outbound.
	fw, err = renderFirewall(goldenIfc, InterfaceFirewall{})
	must(t, err)
	checkGolden(t, "secgroup_deny.nft", fw)
}

func TestRenderFirewallInvalid(t *testing.T) {
	cidr := netip.MustParsePrefix("10.0.0.0/8")
	for name, r := range map[string]FirewallRule{
		"bad protocol":   {Protocol: "sctp-ish", CIDR: cidr},
		"reversed ports": {Protocol: "tcp", FromPort: 90, ToPort: 80, CIDR: cidr},
		"port too big":   {Protocol: "udp", FromPort: 1, ToPort: 70000, CIDR: cidr},
		"icmp code only": {Protocol: "icmp", FromPort: -1, ToPort: 3, CIDR: cidr},
		"no source":      {Protocol: "-1"},
		"ipv6 cidr":      {Protocol: "-1", CIDR: netip.MustParsePrefix("2001:db8::/32")},
		"cidr and group": {Protocol: "-1", CIDR: cidr, Group: "sg-1"},
		"bad group":      {Protocol: "-1", Group: "sg 1; flush ruleset"},
	} {
		if _, err := renderFirewall(goldenIfc, InterfaceFirewall{Ingress: []FirewallRule{r}}); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: err = %v, want ErrInvalid", name, err)
		}
	}
}

func TestRenderMapElement(t *testing.T) {
	a := netip.MustParseAddr("172.31.0.10")
	got := renderMapElement("ingress", []netip.Addr{a}, "in_eni_1", map[string]string{
		"172.31.0.10": "in_eni_old", // address reused by another interface
		"172.31.0.9":  "in_eni_1",   // this interface's former address
		"172.31.0.8":  "in_eni_2",   // unrelated
	})
	for _, want := range []string{"delete element ip kumo_sg ingress { 172.31.0.10 }", "delete element ip kumo_sg ingress { 172.31.0.9 }",
		"add element ip kumo_sg ingress { 172.31.0.10 : jump in_eni_1 }"} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in:\n%s", want, got)
		}
	}
	if strings.Contains(got, "172.31.0.8") {
		t.Errorf("touches an unrelated element:\n%s", got)
	}
}
