package agent

import (
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kumo-cloud/kumo/internal/ec2/instances"
	"github.com/kumo-cloud/kumo/internal/ec2/resource"
)

func TestNamesByVPC(t *testing.T) {
	addr := netip.MustParseAddr
	east := &instances.Instance{Meta: resource.Meta{Region: "us-east-1", Account: "111"},
		VPCID: "vpc-1", PrivateIP: "10.0.1.5", PublicIP: "54.0.0.9"}
	west := &instances.Instance{Meta: resource.Meta{Region: "eu-west-1", Account: "222"},
		VPCID: "vpc-2", PrivateIP: "172.31.0.10"}
	idx := map[string]map[netip.Addr]*instances.Instance{
		// The secondary address 10.0.1.6 gets its own name, not the public one.
		"vpc-1": {addr("10.0.1.5"): east, addr("10.0.1.6"): east},
		"vpc-2": {addr("172.31.0.10"): west},
	}
	got := namesByVPC(idx)
	want := map[string]vpcNames{
		"vpc-1": {region: "us-east-1", account: "111",
			private: map[string]netip.Addr{
				"ip-10-0-1-5.ec2.internal": addr("10.0.1.5"),
				"ip-10-0-1-6.ec2.internal": addr("10.0.1.6"),
			},
			public: map[string]netip.Addr{"ec2-54-0-0-9.compute-1.amazonaws.com": addr("10.0.1.5")}},
		"vpc-2": {region: "eu-west-1", account: "222",
			private: map[string]netip.Addr{"ip-172-31-0-10.eu-west-1.compute.internal": addr("172.31.0.10")},
			public:  map[string]netip.Addr{}},
	}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(vpcNames{}), cmp.Comparer(func(a, b netip.Addr) bool { return a == b })); diff != "" {
		t.Errorf("namesByVPC (-want +got):\n%s", diff)
	}
	for _, tc := range []struct {
		hostnames bool
		want      int
	}{{false, 2}, {true, 3}} {
		if n := len(got["vpc-1"].table(tc.hostnames)); n != tc.want {
			t.Errorf("table(hostnames=%v) has %d names, want %d", tc.hostnames, n, tc.want)
		}
	}
	if len(got["vpc-1"].private) != 2 {
		t.Error("table(true) changed the private names")
	}
}
