package imds

import (
	"io"
	"strings"
	"testing"
)

func TestSecondaryInterfacesAreListed(t *testing.T) {
	in := fullInstance()
	in.LocalIPv4s = []string{in.LocalIPv4, "172.31.0.99"}
	in.SecondaryNICs = []NIC{{MAC: "0e:00:00:00:00:02", InterfaceID: "eni-0000000000000000b", DeviceNumber: 1,
		LocalIPv4s: []string{"172.31.0.50"}, LocalHostname: "ip-172-31-0-50.ec2.internal", SubnetID: "subnet-1", SubnetCIDR: "172.31.0.0/20",
		SecurityGroups: []string{"web"}, SecurityGroupIDs: []string{"sg-1"}}}
	f := newFixture(t, in)
	get := func(path string) string {
		t.Helper()
		resp := f.do(t, in.LocalIPv4, "GET", path)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	macs := get("/latest/meta-data/network/interfaces/macs/")
	if macs != in.MAC+"/\n0e:00:00:00:00:02/" {
		t.Fatalf("macs listing %q", macs)
	}
	for path, want := range map[string]string{
		"/latest/meta-data/network/interfaces/macs/0e:00:00:00:00:02/device-number": "1",
		"/latest/meta-data/network/interfaces/macs/0e:00:00:00:00:02/interface-id":  "eni-0000000000000000b",
		"/latest/meta-data/network/interfaces/macs/0e:00:00:00:00:02/local-ipv4s":   "172.31.0.50",
		"/latest/meta-data/network/interfaces/macs/" + in.MAC + "/local-ipv4s":      in.LocalIPv4 + "\n172.31.0.99",
	} {
		if got := strings.TrimSpace(get(path)); got != want {
			t.Errorf("%s = %q, want %q", path, got, want)
		}
	}
}
